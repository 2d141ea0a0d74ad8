"""Entry point of the training image: `python train.py [train|generate_evaluate] [--root]`.

SageMaker starts a training job as `docker run <image> train`: the training contract
under /opt/ml. The state machine starts the generate + evaluate processing job with
`generate_evaluate`: the processing contract under /opt/ml/processing. Locally, `--root`
(or SYNTHPIPE_ML_ROOT) names the folder that plays either.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from synthpipe.processing import run_processing
from synthpipe.train.contract import configure_logging, run

ROOTS = {"train": "/opt/ml", "generate_evaluate": "/opt/ml/processing"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="train", choices=sorted(ROOTS))
    parser.add_argument("--root", default=os.environ.get("SYNTHPIPE_ML_ROOT"))
    args = parser.parse_args(argv)
    configure_logging()
    root = Path(args.root or ROOTS[args.mode])
    return run(root) if args.mode == "train" else run_processing(root)


if __name__ == "__main__":
    sys.exit(main())
