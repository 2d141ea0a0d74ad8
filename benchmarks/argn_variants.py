"""TabularARGN variants on one run's cleaned table: holdout quality and memorisation.

    .venv/bin/python -W ignore benchmarks/argn_variants.py CLEANED_RUN_DIR
        [--target COLUMN] [--variants Medium:20,Small:20,Medium:10,Medium:20:flexible] [--seed N]

CLEANED_RUN_DIR is a run's Prepare output (`<root>/cleaned/<dataset>/<run>/`, holding
`schema.json` and `data/`), e.g. from `benchmarks/real_bench.py --workdir DIR`. The
table is read and split as training reads and splits it (`synthpipe.train.contract`,
default hyperparameters, this seed), and each variant (mostlyai-engine network size :
epoch limit [: flexible, to train on a random column order per batch, mostlyai-engine's
default, rather than the table's order], one thread, 180 s) is fitted on the training
rows, then scored as
`engine: auto` scores a candidate (`synthpipe.train.engines.holdout_scorer`):

- holdout_quality: SDMetrics quality of eval_sample_rows synthetic rows against the
  holdout; closer_gate: the closer-to-training share exactly as auto's gate reads it;
- redraws: the same share on 8 other draws of the distance samples (training sample
  and queries), to show how much of the gate's figure is sampling noise;
- big: the share with 8 times as many synthetic queries, on 4 draws.

One JSON line per variant. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthpipe.train import fit
from synthpipe.train.argn import PROGRESS_FILE, ArgnModel, ArgnSettings
from synthpipe.train.data import load_table, read_schema
from synthpipe.train.distance import paired_distances
from synthpipe.train.hyperparameters import Hyperparameters
from synthpipe.train.metadata import build_metadata, modelled_columns, sdtypes

SEED = 20261123


def shares(
    model: ArgnModel,
    frames: tuple[pd.DataFrame, pd.DataFrame],
    types: dict[str, str],
    params: Hyperparameters,
    queries: int | None,
    draws: int,
    seed: int,
) -> list[float]:
    """Closer-to-training shares of the model's seeded sample on `draws` distance seeds."""
    train, holdout = frames
    model.reset_sampling()
    synthetic = model.sample(queries or params.eval_sample_rows)
    return [
        paired_distances(
            synthetic, train, holdout, types, params.eval_sample_rows, seed + k, queries
        ).closer_to_training_share
        for k in range(draws)
    ]


def measure(cleaned: Path, target: str | None, variant: str, seed: int) -> dict[str, Any]:
    schema = read_schema(cleaned / "schema.json")
    frame = load_table(cleaned / "data", schema, columns=modelled_columns(schema), seed=seed)
    params = Hyperparameters(seed=seed, target_column=target or "")
    metadata = build_metadata(schema, target)
    train, holdout = fit.split_holdout(frame, params.holdout_fraction, seed, target)
    types = sdtypes(metadata)
    fit.set_threads(params.torch_threads)
    size, epochs, *order = variant.split(":")
    if order not in ([], ["flexible"]):
        raise SystemExit(f"variant {variant!r}: after size:epochs only ':flexible' is known")
    flexible = order == ["flexible"]
    settings = ArgnSettings(
        180, float(epochs), seed, gpu=False, size=f"MOSTLY_AI/{size}", flexible=flexible
    )
    started = time.monotonic()
    model, _ = ArgnModel.fit(train, types, settings)
    seconds = time.monotonic() - started
    progress = pd.read_csv(model.workspace / PROGRESS_FILE)
    quality, _, _, closer, _ = fit.evaluate(
        model, metadata, train, holdout, params.eval_sample_rows, seed, target, against=holdout
    )
    redraws = shares(model, (train, holdout), types, params, None, 8, seed + 100)
    big = shares(model, (train, holdout), types, params, 8 * len(holdout), 4, seed + 200)
    return {
        "variant": variant,
        "rows": {"train": len(train), "holdout": len(holdout)},
        "seconds": round(seconds, 1),
        "epochs": float(progress["epoch"].max()),
        "holdout_quality": round(quality, 4),
        "closer_gate": round(closer, 4),
        "redraws_mean": round(statistics.mean(redraws), 4),
        "redraws_sd": round(statistics.stdev(redraws), 4),
        "big_mean": round(statistics.mean(big), 4),
        "big_sd": round(statistics.stdev(big), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cleaned", type=Path, help="a run's cleaned folder (schema.json, data/)")
    parser.add_argument("--target", help="the target column, as the dataset config names it")
    parser.add_argument("--variants", default="Medium:20,Small:20,Medium:10")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for variant in args.variants.split(","):
        print(json.dumps(measure(args.cleaned, args.target, variant, args.seed)), flush=True)


if __name__ == "__main__":
    main()
