"""synthpipe: the steps of the privacy-preserving synthetic data pipeline.

Plain Python, no CDK: the Glue job, the SageMaker entry point, the Lambdas and the
local runner all call into this package.
"""

__version__ = "0.1.0"
