"""Training benchmark: the AWS workshop's TVAE recipe against our training step.

    .venv/bin/python benchmarks/train_bench.py [--rows 50000] [--full] [--recipe-epochs N]

On generated BankSim-shaped data, side by side:

(a) the workshop's recipe: the raw CSV loaded as the workshop loads it (pandas
    `read_csv(quotechar="'")`: every column, `customer` and the zips included), SDV 2.x
    metadata auto-detected from that frame, stock `TVAESynthesizer(epochs=300,
    batch_size=500, enable_gpu=False)`, then plain `sample`;
(b) our training step: the SageMaker contract (`synthpipe.train.contract.run`) with its
    default hyperparameters and `target_column=fraud`, on a root folder made from the
    cleaned data, then `synthpipe.generate.generate`.

The cleaned data is what Prepare writes for BankSim, built here without Spark: exact
duplicate rows dropped (compared on every column, as Prepare does), `customer` (an
identifier) and the constant zip columns dropped. Both sides see the same rows: the
holdout our contract splits off (20%, stratified on `fraud`) is split off before (a)
fits too, and neither side ever sees it.

Each side runs in its own child process, so that its peak resident memory (VmHWM) is its
own. Measured the same way for both, against the holdout:
- wall time: fitting only (for (b): the whole contract run, evaluation rounds and
  checkpoints included); sampling is not counted;
- quality and pair trends: SDMetrics' quality report, holdout vs 10,000 synthetic rows,
  on the cleaned columns (the recipe's extra columns are left out of the comparison);
- fraud rate: over as many synthetic rows as the cleaned data has;
- closer-to-training share: share of synthetic rows closer to a training row than to a
  holdout row (`synthpipe.train.distance`, 5,000-row samples).

`--recipe-epochs N` shortens (a) for a quick look; its time is then extrapolated to 300
epochs linearly (preprocessing once, epochs x 300/N) and labelled so; its quality is that
of N epochs. `--full` uses 594,643 rows; (a) is skipped when its one-hot matrix would not
fit in the memory available, and the output says so. No assertion: the machine is shared
and noisy; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from synthpipe.sample_data import BANKSIM_ROWS, write_banksim_csv
from synthpipe.schema import ColumnSchema, DatasetSchema

RECIPE_EPOCHS = 300
RECIPE_BATCH = 500
TARGET = "fraud"
QUALITY_ROWS = 10_000
DISTANCE_ROWS = 5_000
# name -> (type, role) of the cleaned data, as Prepare writes it for BankSim.
CLEANED = {
    "step": ("integer", "feature"),
    "customer": ("categorical", "dropped"),
    "age": ("categorical", "feature"),
    "gender": ("categorical", "feature"),
    "zipcodeOri": ("integer", "dropped"),
    "merchant": ("categorical", "feature"),
    "zipMerchant": ("integer", "dropped"),
    "category": ("categorical", "feature"),
    "amount": ("decimal", "feature"),
    "fraud": ("integer", "feature"),
}


# ---------------------------------------------------------------------------------------
# Data


def load_like_the_workshop(rows: int, work: Path) -> pd.DataFrame:
    """The raw CSV read as the workshop reads it; exact duplicates dropped (as Prepare)."""
    source = write_banksim_csv(work / "banksim.csv", rows=rows)
    raw = pd.read_csv(source, quotechar="'")
    # BankSim's header is double-quoted while its values are single-quoted: with
    # quotechar="'" the names keep their double quotes. Strip them (names only).
    raw.columns = [name.strip('"') for name in raw.columns]
    return raw.drop_duplicates().reset_index(drop=True)


def cleaned_frame(raw: pd.DataFrame) -> pd.DataFrame:
    kept = [name for name, (_, role) in CLEANED.items() if role != "dropped"]
    cleaned = raw[kept].copy()
    for name in kept:
        if CLEANED[name][0] == "categorical":
            cleaned[name] = cleaned[name].astype(str)
    return cleaned


def cleaned_schema(raw: pd.DataFrame) -> DatasetSchema:
    columns = [
        ColumnSchema(
            original_name=name,
            name=name,
            type=kind,
            role=role,
            distinct_count=int(raw[name].nunique()),
        )
        for name, (kind, role) in CLEANED.items()
    ]
    return DatasetSchema(dataset="banksim", run_id="bench", columns=columns, rows=len(raw))


def make_root(root: Path, cleaned: pd.DataFrame, schema: DatasetSchema) -> Path:
    """A training contract root: cleaned Parquet, schema.json, hyperparameters.json."""
    data = root / "input" / "data" / "train" / "data"
    data.mkdir(parents=True)
    cleaned.to_parquet(data / "part-00000.parquet", index=False)
    (data.parent / "schema.json").write_text(schema.to_json(), encoding="utf-8")
    config = root / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(
        json.dumps({"target_column": TARGET}), encoding="utf-8"
    )
    return root


# ---------------------------------------------------------------------------------------
# The two sides, each in a child process


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_recipe(train_path: str, out_path: str, epochs: int, sample_rows: int) -> dict[str, Any]:
    """(a) Stock SDV TVAE on the workshop-shaped frame; writes its synthetic rows."""
    from ctgan.data_transformer import DataTransformer
    from sdv.metadata import Metadata
    from sdv.single_table import TVAESynthesizer

    # Marks the end of ctgan's data transform inside `fit`: the epochs start there.
    marks: dict[str, float] = {}
    original_transform = DataTransformer.transform

    def timed_transform(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_transform(self, *args, **kwargs)
        marks["transformed"] = time.perf_counter()
        return result

    DataTransformer.transform = timed_transform  # type: ignore[method-assign]
    train = pd.read_parquet(train_path)
    started = time.perf_counter()
    metadata = Metadata.detect_from_dataframes({"table": train})
    synthesizer = TVAESynthesizer(
        metadata, epochs=epochs, batch_size=RECIPE_BATCH, enable_gpu=False
    )
    synthesizer.fit({"table": train})
    finished = time.perf_counter()
    DataTransformer.transform = original_transform  # type: ignore[method-assign]
    sampled = synthesizer.sample(sample_rows)
    sampled = sampled["table"] if isinstance(sampled, dict) else sampled
    sampled.to_parquet(out_path, index=False)
    columns = metadata.to_dict()["tables"]["table"]["columns"]
    return {
        "seconds": finished - started,
        "epoch_seconds": finished - marks.get("transformed", started),
        "peak_mib": peak_rss_mib(),
        "sdtypes": {name: spec["sdtype"] for name, spec in columns.items()},
    }


def run_ours(root: str, out_dir: str, sample_rows: int) -> dict[str, Any]:
    """(b) Our training contract, then our generate step; writes its synthetic rows."""
    from synthpipe.generate import generate
    from synthpipe.train import contract

    started = time.perf_counter()
    code = contract.run(Path(root))
    finished = time.perf_counter()
    if code != 0:
        failure = Path(root) / "output" / "failure"
        raise RuntimeError(f"training failed: {failure.read_text(encoding='utf-8')}")
    generate(model_dir=Path(root) / "model", out_dir=out_dir, rows=sample_rows)
    summary = json.loads((Path(root) / "model" / "training.json").read_text("utf-8"))
    return {
        "seconds": finished - started,
        "peak_mib": peak_rss_mib(),
        "epochs": summary["epochs_trained"],
        "best_epoch": summary["best_epoch"],
        "stop_reason": summary["stop_reason"],
    }


def _child_main(queue: Any, function: Any, args: tuple[Any, ...]) -> None:
    try:
        queue.put(("ok", function(*args)))
    except BaseException as error:  # the parent re-raises it with its message
        queue.put(("error", f"{type(error).__name__}: {error}"))


def in_child(function: Any, *args: Any) -> dict[str, Any]:
    """Run `function(*args)` in a fresh process (spawned: no torch state inherited).

    A plain, non-daemon process rather than a Pool worker: Pool workers are daemons,
    and joblib (ctgan's parallel transform) falls back to one job inside a daemon.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child_main, args=(queue, function, args))
    child.start()
    status, value = queue.get()
    # joblib's loky workers (ctgan's transform) idle for 300 s before they exit, and the
    # child waits for them: once it has answered, it is not waited for long.
    child.join(timeout=30)
    if child.is_alive():
        child.terminate()
        child.join()
    if status != "ok":
        raise RuntimeError(f"{function.__name__} failed in its child process: {value}")
    return value


# ---------------------------------------------------------------------------------------
# Measures, the same for both sides


def measure(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: DatasetSchema
) -> dict[str, float]:
    from synthpipe.train.distance import closer_to_training_share
    from synthpipe.train.fit import quality_scores
    from synthpipe.train.metadata import build_metadata, sdtypes

    columns = list(holdout.columns)
    synthetic = cleaned_frame(synthetic)[columns]
    metadata = build_metadata(schema, TARGET)
    quality, shapes, trends = quality_scores(holdout, synthetic.iloc[:QUALITY_ROWS], metadata)
    closer = closer_to_training_share(
        synthetic, train, holdout, sdtypes(metadata), DISTANCE_ROWS, seed=0
    )
    fraud = pd.to_numeric(synthetic[TARGET], errors="coerce")
    return {
        "quality": quality,
        "column_shapes": shapes,
        "pair_trends": trends,
        "fraud_rate": float(fraud.mean()),
        "closer_to_training": closer,
    }


def recipe_memory_estimate_gib(train_raw: pd.DataFrame) -> float:
    """What ctgan's float64 one-hot matrix of the recipe needs, at least (x2: the
    transform builds it from parts, then torch copies it)."""
    width = 0
    for name in train_raw.columns:
        is_text = train_raw[name].dtype == object
        width += int(train_raw[name].nunique()) if is_text else 11  # 10 modes + value
    return 2 * len(train_raw) * width * 8 / 2**30


def available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


# ---------------------------------------------------------------------------------------
# Report


def print_report(
    rows: int,
    recipe: dict[str, Any] | None,
    ours: dict[str, Any],
    recipe_epochs: int,
    skipped: str,
) -> None:
    def line(label: str, key: str, fmt: str) -> None:
        left = format(recipe[key], fmt) if recipe else "-"
        print(f"{label:<28}{left:>16}{format(ours[key], fmt):>16}")

    print()
    print(f"rows (after duplicates)     {rows:,}   target column: {TARGET}")
    print(f"{'':<28}{'(a) recipe':>16}{'(b) ours':>16}")
    line("wall time, s", "seconds", ".1f")
    if recipe and recipe_epochs != RECIPE_EPOCHS:
        projected = f"{recipe['projected_seconds']:.1f}"
        print(f"{'  extrapolated to 300 ep., s':<28}{projected:>16}{'':>16}")
    line("peak memory (VmHWM), MiB", "peak_mib", ".0f")
    line("quality (SDMetrics)", "quality", ".4f")
    line("  column shapes", "column_shapes", ".4f")
    line("  pair trends", "pair_trends", ".4f")
    line("fraud rate", "fraud_rate", ".4%")
    line("closer-to-training share", "closer_to_training", ".4f")
    print(f"real fraud rate             {ours['real_fraud_rate']:.4%}")
    print(
        f"ours: {ours['epochs']} epochs, best epoch {ours['best_epoch']}, "
        f"stopped on {ours['stop_reason']}"
    )
    if skipped:
        print(f"(a) NOT RUN: {skipped}")
        return
    assert recipe is not None
    if recipe_epochs != RECIPE_EPOCHS:
        print(
            f"(a) SHORTENED to {recipe_epochs} epochs (--recipe-epochs): its quality, fraud "
            f"rate and share are those of {recipe_epochs} epochs; its time at 300 epochs is "
            f"EXTRAPOLATED linearly: {recipe['setup_seconds']:.1f} s before the epochs + "
            f"{recipe['epoch_seconds']:.1f} s x 300/{recipe_epochs}."
        )
    reference = recipe.get("projected_seconds", recipe["seconds"])
    print()
    print("ratios, ours / recipe")
    print(f"  wall time                 {ours['seconds'] / reference:.3f}   target <= 0.2")
    print(f"  peak memory               {ours['peak_mib'] / recipe['peak_mib']:.3f}")
    print(f"  quality                   {ours['quality'] / recipe['quality']:.3f}")
    share = ours["closer_to_training"] / recipe["closer_to_training"]
    print(f"  closer-to-training share  {share:.3f}")
    relative = abs(ours["fraud_rate"] - ours["real_fraud_rate"]) / ours["real_fraud_rate"]
    print(f"ours: fraud rate off by {relative:.1%} relative (target within 20%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--full", action="store_true", help=f"{BANKSIM_ROWS:,} rows")
    parser.add_argument("--recipe-epochs", type=int, default=RECIPE_EPOCHS)
    args = parser.parse_args()
    rows = BANKSIM_ROWS if args.full else args.rows
    work = Path(tempfile.mkdtemp(prefix="train-bench-"))

    from synthpipe.train.fit import split_holdout
    from synthpipe.train.hyperparameters import Hyperparameters

    raw = load_like_the_workshop(rows, work)
    cleaned, schema = cleaned_frame(raw), cleaned_schema(raw)
    # The split our contract makes (same frame, fraction, seed, strata): shared by both.
    params = Hyperparameters()
    train, holdout = split_holdout(cleaned, params.holdout_fraction, params.seed, TARGET)
    train_raw = raw.loc[train.index]
    train_raw.to_parquet(work / "recipe_train.parquet", index=False)
    print(f"work folder {work}; {len(cleaned):,} rows, {len(holdout):,} held out", flush=True)

    root = make_root(work / "ours", cleaned, schema)
    print("(b) ours: training ...", flush=True)
    ours = in_child(run_ours, str(root), str(work / "ours_out"), len(cleaned))
    kept_out = pd.read_parquet(root / "model" / "holdout.parquet")
    if not kept_out.index.equals(holdout.index):
        raise SystemExit("our contract held out other rows than the benchmark: fix the split")
    synthetic = pd.read_parquet(work / "ours_out" / "synthetic.parquet")
    ours |= measure(synthetic, train, holdout, schema)
    ours["real_fraud_rate"] = float(cleaned[TARGET].mean())

    recipe, skipped = None, ""
    need, have = recipe_memory_estimate_gib(train_raw), available_gib()
    if need > 0.8 * have:
        skipped = (
            f"its one-hot matrix (customer included) needs about {need:.0f} GiB, "
            f"{have:.0f} GiB available"
        )
    else:
        print(f"(a) recipe: {args.recipe_epochs} epochs ...", flush=True)
        recipe = in_child(
            run_recipe,
            str(work / "recipe_train.parquet"),
            str(work / "recipe_synthetic.parquet"),
            args.recipe_epochs,
            len(cleaned),
        )
        recipe["setup_seconds"] = recipe["seconds"] - recipe["epoch_seconds"]
        scale = RECIPE_EPOCHS / args.recipe_epochs
        recipe["projected_seconds"] = recipe["setup_seconds"] + recipe["epoch_seconds"] * scale
        synthetic = pd.read_parquet(work / "recipe_synthetic.parquet")
        recipe |= measure(synthetic, train, holdout, schema)
        print(f"(a) detected sdtypes: {recipe['sdtypes']}")
    print_report(len(cleaned), recipe, ours, args.recipe_epochs, skipped)


if __name__ == "__main__":
    main()
