"""AWS Glue 5.1 entry point of Prepare: Glue arguments -> synthpipe's Spark transform.

Arguments: --source s3://bucket/raw/<dataset>/<file>.csv --root s3://bucket
--dataset <dataset> --run_id <run id>. The synthpipe package comes in --extra-py-files.
"""

import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

from synthpipe.prepare.job import run_prepare_job

args = getResolvedOptions(sys.argv, ["source", "root", "dataset", "run_id"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session
run_prepare_job(
    spark, source=args["source"], root=args["root"], dataset=args["dataset"], run_id=args["run_id"]
)
