"""AWS Glue 5.1 entry point of Prepare: Glue arguments -> synthpipe's Spark transform.

Arguments: --source s3://bucket/raw/<dataset>/<file>.csv --root s3://bucket
--dataset <dataset> --run_id <run id> --key_secret_id <ARN of the pseudonymisation key's
secret>. The synthpipe package comes in --extra-py-files. A failure leaves the job as
`synthpipe:<code>` only (synthpipe.failure_codes); its words go to the log, redacted.
"""

import logging
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

from synthpipe.failure_codes import coded_failures
from synthpipe.prepare.job import run_prepare_job

args = getResolvedOptions(sys.argv, ["source", "root", "dataset", "run_id", "key_secret_id"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session
with coded_failures("prepare", logging.getLogger("synthpipe.glue")):
    run_prepare_job(
        spark,
        source=args["source"],
        root=args["root"],
        dataset=args["dataset"],
        run_id=args["run_id"],
        key_secret_id=args["key_secret_id"] or None,
    )
