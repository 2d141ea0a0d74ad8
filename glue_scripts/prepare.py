"""AWS Glue 5.1 entry point of Prepare: Glue arguments -> synthpipe's Spark transform.

Arguments (the state machine's): --source s3://bucket/raw/<dataset>/<file>.csv --version_id
<the S3 version the run is for> --source_sha256 <what the start function validated> --root
s3://bucket --dataset <dataset> --run_id <run id>; (the job's defaults): --key_secret_id
<ARN of the pseudonymisation key's secret> --max_input_bytes --max_columns
--max_record_bytes (the start function's limits). The synthpipe package comes in
--extra-py-files. A failure leaves the job as `synthpipe:<code>` only
(synthpipe.failure_codes); its words go to the log, redacted.
"""

import logging
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

from synthpipe.failure_codes import coded_failures
from synthpipe.prepare.job import run_prepare_job
from synthpipe.validate import InputLimits

NAMES = ["source", "version_id", "source_sha256", "root", "dataset", "run_id", "key_secret_id"]
LIMITS = ["max_input_bytes", "max_columns", "max_record_bytes"]

args = getResolvedOptions(sys.argv, NAMES + LIMITS)
spark = GlueContext(SparkContext.getOrCreate()).spark_session
with coded_failures("prepare", logging.getLogger("synthpipe.glue")):
    run_prepare_job(
        spark,
        source=args["source"],
        root=args["root"],
        dataset=args["dataset"],
        run_id=args["run_id"],
        version_id=args["version_id"] or None,
        source_sha256=args["source_sha256"] or None,
        limits=InputLimits(
            max_bytes=int(args["max_input_bytes"]),
            max_columns=int(args["max_columns"]),
            max_record_bytes=int(args["max_record_bytes"]),
        ),
        key_secret_id=args["key_secret_id"] or None,
    )
