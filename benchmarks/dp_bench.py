"""Differential privacy against quality, attack risks and training time (issue 14).

    .venv/bin/python -W ignore benchmarks/dp_bench.py [--rows 12000] [--real-rows 10000]
        [--tables flchain,diamonds] [--epsilons 10,3,1] [--seed 0] [--workdir DIR]
        [--json OUT] [--overhead-only] [--skip-off] [--engine tvae|argn]
        [--dp-epochs N]

For BankSim (generated, `synthpipe.sample_data`) and two real tables
(`benchmarks/real_tables.py`), each cut to a few thousand rows:

1. the local pipeline runs once up to `verify` (validate, Prepare, the privacy scan);
2. on that cleaned data, training runs once without DP ("off": every default, the
   plateau stop and checkpoint choice included) and once per epsilon (`privacy` in the
   dataset config: delta "auto", the target's labels declared public, every other bound
   and category set from DP statistics; dp_epochs as --dp-epochs sets it, the rest at
   their defaults);
3. each model generates as many rows as the cleaned data has and is evaluated as a run
   evaluates it (`synthpipe.evaluate.step.evaluate_run`, thresholds at their defaults).

Printed per table and setting: SDMetrics quality, the four attack figures the release
gate reads (singling out, linkability, attribute inference, membership-inference AUC;
`synthpipe.evaluate.attacks`), the verdict, training seconds (evaluation rounds and
preprocessing included), gradient steps, and against the "off" run of the same table:
the difference in training seconds and the ratio of seconds per step (`--json` also
holds each run's in-training evaluations, `history`: under DP they choose nothing, but
show how quality moved over the fixed epochs). Then, per table,
DP-SGD's own cost: the same loop on the same rows for two epochs with and without DP, ms
per step and their ratio (`--overhead-only`: just that; TVAE's loop only). `--engine
argn` trains TabularARGN instead (under DP with its own DP-SGD: synthpipe.train.argn),
as the config's `hyperparameters.engine`. Not asserted: tests hold the behaviour.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.real_tables import TABLES
from synthpipe.dataset_config import DatasetConfig
from synthpipe.evaluate.attacks import GATE_FIGURES as FIGURES
from synthpipe.layout import RunLayout
from synthpipe.sample_data import banksim_frame

SHORT = {
    "singling_out_risk": "single",
    "linkability_risk": "link",
    "attribute_inference_risk": "infer",
    "membership_inference_auc": "MIA-AUC",
}


def tables(names: list[str], rows: int, real_rows: int, seed: int) -> list[tuple[str, Any, str]]:
    """(name, frame, target) of BankSim and the named real tables, cut to size."""
    chosen = [("banksim", banksim_frame(rows, seed=seed), "fraud")]
    by_name = {t.name: t for t in TABLES}
    for name in names:
        table = by_name[name]
        frame = table.load()
        if len(frame) > real_rows:
            frame = frame.sample(real_rows, random_state=seed)
        chosen.append((name, frame, table.target))
    return chosen


def prepare_once(name: str, frame: Any, target: str | None, workdir: Path, seed: int) -> RunLayout:
    from synthpipe.runner import run_local

    csv = workdir / f"{name}.csv"
    frame.to_csv(csv, index=False)
    if target:
        config = workdir / "config" / f"{name}.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps({"target_column": target}), encoding="utf-8")
    result = run_local(csv, dataset=name, workdir=workdir, until="verify", seed=seed)
    if result.error:
        raise SystemExit(f"{name}: the pipeline stopped at {result.error.step}: {result.error}")
    return RunLayout(str(result.workdir), name, result.run_id)


def public_target(layout: RunLayout, target: str | None) -> dict[str, Any]:
    """The target's labels as public declarations: a data owner knows their classes."""
    if not target:
        return {}
    import pandas as pd

    from synthpipe.names import snake_case

    column = snake_case(target)
    labels = pd.read_parquet(layout.cleaned + "/data", columns=[column])[column]
    values = sorted({v.item() if hasattr(v, "item") else v for v in labels.dropna().unique()})
    return {"categories": {column: values}}


def train_generate_evaluate(
    layout: RunLayout,
    target: str | None,
    epsilon: float | None,
    root: Path,
    seed: int,
    engine: str = "tvae",
    dp_epochs: str | None = None,
) -> dict[str, Any]:
    from synthpipe.evaluate.step import evaluate_run
    from synthpipe.generate import generate
    from synthpipe.train import contract
    from synthpipe.train.contract import TrainingPaths

    config: dict[str, Any] = {"target_column": target} if target else {}
    config["hyperparameters"] = {"engine": engine}
    if epsilon is not None:
        config["privacy"] = {
            "epsilon": epsilon,
            "delta": "auto",
            "public": public_target(layout, target),
        }
    dataset_config = DatasetConfig.from_dict(config)
    hyperparameters = {"seed": str(seed)} | dataset_config.training_hyperparameters()
    if dp_epochs is not None and epsilon is not None:
        hyperparameters["dp_epochs"] = dp_epochs
    paths = TrainingPaths(root)
    paths.set_input(Path(layout.cleaned), hyperparameters)
    started = time.perf_counter()
    code = contract.run(root)
    train_seconds = time.perf_counter() - started
    if code != 0:
        return {"error": paths.failure.read_text("utf-8").strip(), "train_s": train_seconds}
    summary = json.loads((paths.model_dir / "training.json").read_text("utf-8"))
    staging = root / "staging"
    generate(model_dir=paths.model_dir, out_dir=str(staging), rows=None, seed=seed)
    report = evaluate_run(
        cleaned_dir=Path(layout.cleaned),
        model_dir=paths.model_dir,
        staging_dir=staging,
        target_column=dataset_config.target_column,
        thresholds=None,
        seed=seed,
        lineage={"dataset": layout.dataset, "run_id": layout.run_id},
    ).to_dict()
    figures = report["attacks"]["gate_figures"] if report.get("attacks") else {}
    privacy = summary["privacy"]
    steps = privacy["steps"] if privacy["mode"] == "dp" else off_steps(summary)
    return {
        "quality": report["quality"]["score"],
        "verdict": report["verdict"],
        "failed": [g["name"] for g in report["gates"] if not g["passed"]],
        **{k: figures.get(k) for k in FIGURES},
        "train_s": train_seconds,
        "steps": steps,
        "ms_per_step": 1000 * train_seconds / max(steps, 1),
        "epochs": privacy.get("epochs_taken", summary["epochs_trained"]),
        "history": [round(r["quality"], 3) for r in summary.get("history", []) if "quality" in r],
        "noise_multiplier": privacy.get("noise_multiplier"),
        "epsilon_spent_sgd": (privacy.get("sgd") or {}).get("epsilon_spent"),
    }


def step_overhead(layout: RunLayout, target: str | None, seed: int, epochs: int = 2) -> dict:
    """The same training loop on the same rows, `epochs` plain epochs without DP and
    `epochs` DP epochs (about as many steps): seconds per step of each, in this process.
    The pipeline runs above time whole trainings, whose evaluation rounds and step counts
    differ; this isolates DP-SGD's own cost (per-row gradients, clipping, noise)."""
    import torch

    from synthpipe.train import dp, fit
    from synthpipe.train.data import load_table, read_schema
    from synthpipe.train.hyperparameters import Hyperparameters
    from synthpipe.train.metadata import build_metadata, modelled_columns

    schema = read_schema(Path(layout.cleaned) / "schema.json")
    column = next((c.name for c in schema.columns if target and c.original_name == target), None)
    frame = load_table(Path(layout.cleaned) / "data", schema, columns=modelled_columns(schema))
    metadata = build_metadata(schema, column)
    params = Hyperparameters(min_epoch_rows=0, seed=seed)
    torch.set_num_threads(params.torch_threads)
    torch.set_flush_denormal(True)
    plan = dp.plan_budget(
        epsilon=3.0,
        delta="auto",
        rows=len(frame),
        batch_size=params.batch_size,
        epochs=epochs,
        max_grad_norm=params.dp_max_grad_norm,
    )
    timings = {}
    for label, privacy in (("off", None), ("dp", plan)):
        tvae = fit.ChunkedTVAE(metadata, params, False, privacy)
        tvae.prepare(frame)
        started = time.perf_counter()
        tvae.train_epochs(0, epochs)
        seconds = time.perf_counter() - started
        steps = tvae.dp.steps() if tvae.dp else epochs * math.ceil(len(frame) / params.batch_size)
        timings[label] = 1000 * seconds / steps
    return {
        "off_ms": timings["off"],
        "dp_ms": timings["dp"],
        "ratio": timings["dp"] / timings["off"],
    }


def off_steps(summary: dict[str, Any]) -> int:
    """Gradient steps of a run without DP: epochs of max(rows, min_epoch_rows) rows."""
    params = summary["hyperparameters"]
    rows = max(summary["rows"]["fit"], params["min_epoch_rows"])
    return summary["epochs_trained"] * math.ceil(rows / params["batch_size"])


def _f(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def print_table(results: list[dict[str, Any]]) -> None:
    head = (
        "| table | ε | quality | " + " | ".join(SHORT[k] for k in FIGURES) + " | verdict | "
        "train s | steps | ms/step | DP-SGD overhead (s, ms/step ratio) | noise mult. |"
    )
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for r in results:
        if "error" in r:
            print(f"| {r['table']} | {r['setting']} | refused: {r['error'][:160]} |")
            continue
        overhead = "–"
        if r.get("off_ms_per_step") and r["setting"] != "off":
            extra = r["train_s"] - r["off_train_s"]
            overhead = f"{extra:+.0f} s, {r['ms_per_step'] / r['off_ms_per_step']:.1f}x"
        print(
            f"| {r['table']} | {r['setting']} | {_f(r['quality'])} | "
            + " | ".join(_f(r[k]) for k in FIGURES)
            + f" | {r['verdict']}{' (' + ', '.join(r['failed']) + ')' if r['failed'] else ''}"
            f" | {r['train_s']:.0f} | {r['steps']} | {r['ms_per_step']:.1f} | {overhead} | "
            f"{_f(r['noise_multiplier'], 2)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=12_000, help="BankSim rows")
    parser.add_argument("--real-rows", type=int, default=10_000, help="rows per real table")
    parser.add_argument("--tables", default="flchain,diamonds")
    parser.add_argument("--epsilons", default="10,3,1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--json", default=None, help="write the results here too")
    parser.add_argument(
        "--overhead-only", action="store_true", help="only the per-step cost of DP-SGD"
    )
    parser.add_argument(
        "--skip-off", action="store_true", help="no training without DP (DP changes only)"
    )
    parser.add_argument("--engine", default="tvae", choices=("tvae", "argn"))
    parser.add_argument(
        "--dp-epochs", default=None, help="TVAE's dp_epochs hyperparameter (default: its default)"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="dp-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    settings: list[float | None] = [None] * (not args.skip_off)
    settings += [float(e) for e in args.epsilons.split(",")]
    results = []
    chosen = tables([t for t in args.tables.split(",") if t], args.rows, args.real_rows, args.seed)
    prepared = []
    for name, frame, target in chosen:
        layout = prepare_once(name, frame, target, workdir, args.seed)
        prepared.append((name, layout, target))
        if args.overhead_only:
            continue
        off: dict[str, Any] = {}
        for epsilon in settings:
            setting = "off" if epsilon is None else f"{epsilon:g}"
            print(f"{name}: training with ε {setting}", file=sys.stderr, flush=True)
            root = workdir / "dp" / name / setting
            result = train_generate_evaluate(
                layout, target, epsilon, root, args.seed, args.engine, args.dp_epochs
            )
            result |= {"table": name, "rows": len(frame), "setting": setting}
            if epsilon is None and "error" not in result:
                off = result
            result["off_train_s"] = off.get("train_s")
            result["off_ms_per_step"] = off.get("ms_per_step")
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    print_table(results)
    if args.engine == "tvae":
        print_overhead(prepared, results, args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


def print_overhead(prepared: list[tuple[str, RunLayout, Any]], results: list, seed: int) -> None:
    print("\nDP-SGD's own cost per step (same loop, same rows, same process):")
    for name, layout, target in prepared:
        cost = step_overhead(layout, target, seed)
        print(
            f"- {name}: {cost['off_ms']:.1f} ms per step without DP, {cost['dp_ms']:.1f} ms "
            f"with DP-SGD ({cost['ratio']:.1f}x)"
        )
        for r in results:
            if r["table"] == name:
                r["step_ms_off_dp"] = [cost["off_ms"], cost["dp_ms"]]


if __name__ == "__main__":
    main()
