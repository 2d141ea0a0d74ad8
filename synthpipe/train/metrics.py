"""SageMaker metric definitions for the evaluation line that training logs.

`fit.Evaluation.log_line` writes `epoch=12 loss=3.4100 quality=0.9100 ...`; SageMaker
turns each match of a definition's regex in the job's log into a metric (the console's
charts, `describe_training_job`'s FinalMetricDataList). Kept free of torch so that the
CDK stacks and the retrain command can import it.
"""

from __future__ import annotations

# `epoch` is left out: the stop line's `best_epoch=` would match it too.
METRIC_NAMES = ("loss", "quality", "column_shapes", "pair_trends", "closer_to_training")

# One capture group and plain classes only (the regex dialect is not documented). No name
# is the end of another, and nan does not match: a round without pair trends records no
# value rather than a wrong one.
METRIC_DEFINITIONS: tuple[dict[str, str], ...] = tuple(
    {"Name": f"train:{name}", "Regex": f"{name}=([-+0-9.eE]+)"} for name in METRIC_NAMES
)
