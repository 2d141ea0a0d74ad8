"""Attack-based privacy risks of kinds of output whose answer is known: the calibration
points of the attack gates (README, "Attack-based privacy").

    .venv/bin/python benchmarks/attack_bench.py [--rows 10000] [--seeds 0 1] [--run-dir DIR]

Real rows: `rows` training and rows/4 holdout rows of BankSim-shaped data. Outputs:

- independent: a fresh draw of the same generator (rows never trained on; the best a
  model can do), merchant ids matched by rank: should pass;
- shuffled: that draw with every column shuffled on its own (relations lost, no row
  kept): should pass the privacy gates (it fails the fidelity gate association_gap);
- copies (half): half of the training rows, copied: should fail;
- copies (all): every training row: should fail;
- TVAE (with --run-dir): a run's real output, from a folder holding `cleaned/` (Prepare's
  output), `model/holdout.parquet` and `staging/synthetic.parquet` as a run writes them
  (the training rows are the cleaned rows without the holdout's index): should pass.

Prints, per output and seed, the four gate figures, the uni- and multivariate singling-out
risks, and the attacks' runtime. No assertion: tests/test_attacks.py holds those.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthpipe.evaluate.attacks import GATE_FIGURES as FIGURES
from synthpipe.evaluate.attacks import attack_risks
from synthpipe.evaluate.gate import Thresholds
from synthpipe.schema import DatasetSchema
from synthpipe.train.metadata import TABLE, metadata_dict, modelled_columns
from tests.test_evaluate import COLUMNS, SDTYPES, banksim_sets


def outputs(rows: int) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    sets = banksim_sets(rows)
    good = sets["good"]
    rng = np.random.default_rng(5)
    shuffled = pd.DataFrame({c: good[c].to_numpy()[rng.permutation(len(good))] for c in good})
    train = sets["train"]
    return sets, {
        "independent": good,
        "shuffled": shuffled,
        "copies (half)": train.sample(len(train) // 2, random_state=1),
        "copies (all)": train,
    }


def run_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Training, holdout and synthetic rows of a run, and the evaluated sdtypes."""
    schema = DatasetSchema.from_json((folder / "cleaned" / "schema.json").read_text("utf-8"))
    cleaned = pd.read_parquet(folder / "cleaned" / "data")
    holdout = pd.read_parquet(folder / "model" / "holdout.parquet")
    synthetic = pd.read_parquet(folder / "staging" / "synthetic.parquet")
    spec = metadata_dict(schema, None)["tables"][TABLE]["columns"]
    sdtypes = {c: spec[c]["sdtype"] for c in modelled_columns(schema) if c in cleaned}
    return cleaned.drop(index=holdout.index), holdout, synthetic, sdtypes


def line(name: str, seed: int, result: dict) -> str:
    figures = result["gate_figures"]
    cells = " ".join(f"{figures[f]:6.3f}" for f in FIGURES)
    uni = result["singling_out_univariate"]["risk"]
    multi = result["singling_out_multivariate"]["risk"]
    secret = result["attribute_inference"].get("secret", "-")
    return (
        f"{name:<16} {seed:>4} {cells}   uni {uni:.3f} multi {multi:.3f}  "
        f"worst secret {secret:<9} {result['runtime_s']:6.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--run-dir", type=Path, help="a TVAE run's folders (see above)")
    args = parser.parse_args()

    thresholds = Thresholds()
    print("gates:", {f: getattr(thresholds, f) for f in FIGURES})
    print(f"{'output':<16} {'seed':>4} " + " ".join(f"{f[:6]:>6}" for f in FIGURES))
    sets, cases = outputs(args.rows)
    sdtypes = {c: SDTYPES[c] for c in COLUMNS}
    runs = [(name, sets["train"], sets["holdout"], frame, sdtypes) for name, frame in cases.items()]
    if args.run_dir:
        runs.append(("TVAE", *run_folder(args.run_dir)))
    for name, train, holdout, synthetic, types in runs:
        for seed in args.seeds:
            started = time.perf_counter()
            result = attack_risks(
                train=train, holdout=holdout, synthetic=synthetic, sdtypes=types, seed=seed
            )
            result["runtime_s"] = time.perf_counter() - started
            print(line(name, seed, result), flush=True)


if __name__ == "__main__":
    main()
