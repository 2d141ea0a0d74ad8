"""SageMaker training entry point: `python train.py [train] [--root /opt/ml]`.

SageMaker starts the image as `docker run <image> train`; the `train` word is accepted
and ignored. Locally, `--root` (or SYNTHPIPE_ML_ROOT) names the folder that plays
/opt/ml.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from synthpipe.train.contract import configure_logging, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="train", choices=["train"])
    parser.add_argument("--root", default=os.environ.get("SYNTHPIPE_ML_ROOT", "/opt/ml"))
    args = parser.parse_args(argv)
    configure_logging()
    return run(Path(args.root))


if __name__ == "__main__":
    sys.exit(main())
