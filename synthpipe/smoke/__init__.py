"""A deploy smoke test on a real AWS account: `synthpipe smoke --profile P --region R`.

Checks what a first deploy needs (bootstrap, Docker, Macie, the spot training quota),
deploys both stacks with the project's CDK CLI, uploads the bundled sample to raw/,
follows the Step Functions execution the upload starts, checks the release (its
manifest.json marker and the verdict in report.json), reports the wall time of each
step and the usage that costs money (Glue DPU-seconds, SageMaker seconds and instance
types, Macie's scan, Lambda invocations, state transitions), read from the services'
describe APIs, then destroys the stacks (`keep` keeps them).

Every command and API call goes through `Actions`, which prints it with its
parameters before making it; with `dry_run` it makes none and answers with
placeholders, so a dry run prints every step and touches nothing.

Deployed with `retainData=false` unless told otherwise, so that the destroy leaves no
bucket, key or log group behind (a retained bucket's fixed name would stop the next
deploy). It refuses to run over stacks that already exist in the account and Region
(it would destroy them) unless `keep` is given.
"""

from synthpipe.smoke.actions import (
    CDK,
    DATASET,
    PIPELINE,
    SAMPLE_KEY,
    STORAGE,
    Actions,
    SmokeError,
    SmokeOptions,
    SmokeResult,
)
from synthpipe.smoke.run import run_smoke, summary

__all__ = [
    "CDK",
    "DATASET",
    "PIPELINE",
    "SAMPLE_KEY",
    "STORAGE",
    "Actions",
    "SmokeError",
    "SmokeOptions",
    "SmokeResult",
    "run_smoke",
    "summary",
]
