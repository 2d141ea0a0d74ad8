"""Entry point of the training image: `python train.py [train|verify|generate_evaluate] [--root]`.

SageMaker starts a training job as `docker run <image> train`: the training contract
under /opt/ml. The state machine starts two processing jobs on the same image: `verify`
(the full personal-data scan of the cleaned output) and `generate_evaluate`, both under
/opt/ml/processing (synthpipe.processing). Locally, `--root` (or SYNTHPIPE_ML_ROOT) names
the folder that plays either.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from synthpipe.processing import run_processing, run_verify
from synthpipe.train.contract import configure_logging, run

ROOTS = {
    "train": "/opt/ml",
    "verify": "/opt/ml/processing",
    "generate_evaluate": "/opt/ml/processing",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="train", choices=sorted(ROOTS))
    parser.add_argument("--root", default=os.environ.get("SYNTHPIPE_ML_ROOT"))
    args = parser.parse_args(argv)
    configure_logging()
    root = Path(args.root or ROOTS[args.mode])
    if args.mode == "train":
        return run(root)
    return run_verify(root) if args.mode == "verify" else run_processing(root)


if __name__ == "__main__":
    sys.exit(main())
