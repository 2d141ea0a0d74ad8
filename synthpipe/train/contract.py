"""The SageMaker training contract, with any folder in place of `/opt/ml`.

In:  <root>/input/config/hyperparameters.json   (all values strings)
     <root>/input/data/train/schema.json         (from Prepare)
     <root>/input/data/train/data/*.parquet      (the cleaned rows)
Out: <root>/model/        synthesizer.pkl (TVAE) or argn/ (TabularARGN: training.json's
                          engine.name), metadata.json, training.json (with
                          `calendars`: where real dates and timestamps sit, which
                          generate keeps to; `tails`: the tails fitted beyond the
                          protection bounds, which generate draws from;
                          `orders`: the pairs of columns whose values every real
                          row holds in one order, which generate keeps;
                          `lookups`: the categories one column decides, which
                          generate sets from it),
                          holdout.parquet,
                          schema.json, categories.json (the real categories: generate
                          keeps to them); SageMaker tars this folder into model.tar.gz
     <root>/output/failure  one line: `synthpipe:<code>`, why training stopped, the fix
     <root>/checkpoints/  resumable state (SageMaker syncs it with S3 on spot instances)
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from synthpipe import lookups, storage
from synthpipe.calendars import calendars_of
from synthpipe.errors import PipelineError, StepFailed
from synthpipe.failure_codes import MARKER, code_line
from synthpipe.orders import find_orders, to_records
from synthpipe.protection import ValueProtection
from synthpipe.redact import redact
from synthpipe.schema import DatasetSchema
from synthpipe.tails import fit_tails
from synthpipe.train import dp, engines, fit
from synthpipe.train.argn import ArgnModel
from synthpipe.train.categories import code_columns, real_categories, write_categories
from synthpipe.train.checkpoint import CheckpointStore, resume_key
from synthpipe.train.data import ROWS_TOTAL, load_table, read_schema
from synthpipe.train.hyperparameters import Hyperparameters, load_hyperparameters
from synthpipe.train.metadata import build_metadata, metadata_dict, modelled_columns, sdtypes
from synthpipe.train.sampling import class_rates, rate_report, sample_rows

if TYPE_CHECKING:  # imported when DP is on: it loads diffprivlib and scikit-learn
    from synthpipe.train.dp_stats import DpStatistics

__all__ = ["Hyperparameters", "TrainingPaths", "run"]

log = logging.getLogger("synthpipe.train")

STEP = "train"
MIN_ROWS = 20
# The columns a model needs: the release gate's attacks split them (linkability) and guess
# one from the others (attribute inference).
MIN_FEATURES = 2
DISCRETE_TARGET_TYPES = ("categorical", "boolean", "integer")
# Rows sampled at the end to measure the achieved target rate.
RATE_CHECK_ROWS = 50_000


@dataclass(frozen=True)
class TrainingPaths:
    root: Path

    @property
    def hyperparameters(self) -> Path:
        return self.root / "input" / "config" / "hyperparameters.json"

    @property
    def train_channel(self) -> Path:
        return self.root / "input" / "data" / "train"

    @property
    def data_dir(self) -> Path:
        return self.train_channel / "data"

    @property
    def schema_json(self) -> Path:
        return self.train_channel / "schema.json"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def failure(self) -> Path:
        return self.root / "output" / "failure"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    def set_input(self, cleaned: Path, hyperparameters: dict[str, str]) -> None:
        """Locally: the train channel links to a cleaned/ run folder, as SageMaker would
        download it, and the hyperparameters are written as SageMaker writes them."""
        self.train_channel.parent.mkdir(parents=True, exist_ok=True)
        if not self.train_channel.exists():
            self.train_channel.symlink_to(Path(cleaned).resolve(), target_is_directory=True)
        storage.write_json(str(self.hyperparameters), hyperparameters)


def run(root: Path) -> int:
    """Run the training job under `root`; 0 on success, 1 on a reported failure."""
    paths = TrainingPaths(Path(root))
    paths.failure.unlink(missing_ok=True)  # a local re-run must not show an old reason
    try:
        train_job(paths)
        return 0
    except PipelineError as error:
        log.error("training failed [%s]: %s", error.code, redact(str(error)))
        write_failure(paths, str(error), code=error.code)
        return 1
    except Exception as error:  # SageMaker shows the failure file: always write it.
        # The exception's own text may quote data: only its type leaves the job.
        log.error("training failed unexpectedly: %s", redact(traceback.format_exc(), 4000))
        write_failure(
            paths,
            f"Training failed unexpectedly ({type(error).__name__}). Report it with the job's log.",
            code=f"{STEP}_failed",
        )
        return 2


def run_or_raise(root: Path, *, fix: str, step: str) -> TrainingPaths:
    """`run` in-process (the local runner, a local retrain): the failure file's reason
    becomes a StepFailed, as SageMaker shows it as the job's failure reason."""
    code = run(root)
    paths = TrainingPaths(Path(root))
    if code != 0:
        reason = paths.failure.read_text("utf-8").strip() if paths.failure.exists() else ""
        if reason.startswith(MARKER):  # the code token is for the state machine
            reason = reason.partition(" ")[2]
        raise StepFailed(
            code="training_failed",
            message=f"Training stopped: {reason or 'no reason was written'}",
            fix=fix,
            details={"exit_code": code, "folder": str(root)},
            step=step,
        )
    return paths


def write_failure(paths: TrainingPaths, reason: str, *, code: str) -> None:
    """One line, `synthpipe:<code> <reason>`: SageMaker shows it as the job's failure reason,
    and the state machine reads only the code from it (synthpipe.failure_codes)."""
    paths.failure.parent.mkdir(parents=True, exist_ok=True)
    one_line = " ".join(reason.split())
    paths.failure.write_text(f"{code_line(code)} {one_line}\n", encoding="utf-8")


def read_hyperparameters(paths: TrainingPaths) -> Hyperparameters:
    text = paths.hyperparameters.read_text("utf-8") if paths.hyperparameters.is_file() else None
    return load_hyperparameters(text)


def check_target(schema: DatasetSchema, target: str) -> None:
    if not target:
        return
    names = modelled_columns(schema)
    if target not in names:
        raise StepFailed(
            code="bad_hyperparameter",
            message=f"Hyperparameter target_column={target!r}: not a modelled column "
            f"(modelled: {', '.join(names)}).",
            fix="Name a feature column of schema.json, or leave target_column empty.",
            step=STEP,
        )
    if schema.column(target).type not in DISCRETE_TARGET_TYPES:
        raise StepFailed(
            code="bad_hyperparameter",
            message=f"Hyperparameter target_column={target!r}: its type "
            f"{schema.column(target).type!r} has no classes to keep the rate of.",
            fix="Name a categorical, boolean or integer column.",
            step=STEP,
        )


def train_job(paths: TrainingPaths) -> dict[str, Any]:
    """Read, split, train, write the model folder. Returns training.json's content."""
    started = time.monotonic()
    params, dp_choice = engines.dp_engine(read_hyperparameters(paths))
    schema = read_schema(paths.schema_json)
    target = params.target_column or None
    check_target(schema, params.target_column)
    columns = modelled_columns(schema)
    if len(columns) < MIN_FEATURES:
        # One column left (Ecdat's treering once `time` was dropped as a row number): the
        # linkability, attribute- and membership-inference attacks that gate a release
        # need two, so the run would end at the gate with "not measured", told as
        # memorisation, after a whole fit. Refused here, as validation refuses one column.
        raise StepFailed(
            code="too_few_features",
            message=f"Prepare left {len(columns)} column(s) to model {columns}; the privacy "
            f"attacks that decide a release need at least {MIN_FEATURES}. schema.json says "
            "why each other column was dropped.",
            fix="Keep another column as a feature (a column dropped as an identifier or a "
            "constant: set its role to feature in config/<dataset>.json, if it holds no "
            "personal data), or add columns to the file.",
            step=STEP,
        )
    # Enough rows for max_train_rows after the holdout is split off, and no more: the
    # whole cleaned table in pandas could exceed the instance's memory (ml.m5.xlarge:
    # 16 GiB); above the cap a seeded uniform sample is read (synthpipe.train.data).
    frame = load_table(
        paths.data_dir,
        schema,
        columns=columns,
        max_rows=math.ceil(params.max_train_rows / (1 - params.holdout_fraction)),
        seed=params.seed,
    )
    if len(frame) < MIN_ROWS:
        raise StepFailed(
            code="too_few_rows",
            message=f"The cleaned data has {len(frame)} rows; training needs {MIN_ROWS}.",
            fix="Provide more rows.",
            step=STEP,
        )
    metadata = build_metadata(schema, target)
    train_pool, holdout = fit.split_holdout(frame, params.holdout_fraction, params.seed, target)
    train = fit.cap_rows(train_pool, params.max_train_rows, params.seed, target)
    private = None
    if params.dp:
        # Refused here, before any preprocessing or training, when epsilon is out of reach.
        private = dp_preprocessing(train, metadata, params, target, schema)
        fit_rows = private.rows
    else:
        fit_rows = fit.rebalance(train, target, params.min_class_share, params.seed)
    # Under DP the fitted rows are the training rows less those outside the DP category
    # sets: an exact count no accountant saw, so neither the log nor training.json has it.
    log.info(
        "rows=%d train=%d holdout=%d columns=%d fit_rows=%s",
        len(frame),
        len(train),
        len(holdout),
        len(columns),
        "(dp)" if private else len(fit_rows),
    )
    result, engine = engines.fit_engine(
        lambda p: fit_model(
            fit_rows, train, holdout, metadata, p, paths.checkpoints, started, private
        ),
        train,
        holdout,
        metadata,
        params,
        started,
        private,
        rare_below=ValueProtection.from_dict(schema.value_protection).min_category_count,
    )
    summary = summarise(result, params, frame, train, holdout, target, private)
    summary["engine"] = engine | ({"setting": "auto", "reason": dp_choice} if dp_choice else {})
    if private is None:
        summary["rows"]["fit"] = len(fit_rows)
    summary["seconds"] = round(time.monotonic() - started, 1)
    if private is None:  # under DP, the real rows' spots would be a release no one counted
        kept = [c for c in schema.kept() if c.name in train]
        dates = [c.name for c in kept if c.type == "date"]
        stamps = [c.name for c in kept if c.type == "timestamp"]
        summary["calendars"] = calendars_of(frame, dates, stamps)
        found = lookups.find_lookups(
            frame,
            sdtypes(metadata),
            exclude=[target] if target else [],
            min_count=ValueProtection.from_dict(schema.value_protection).min_category_count,
        )
        # A number its lookup sets keeps its source's values: no tail is drawn past them.
        decided = {lookup.target for lookup in found}
        numerical = [
            n for n, t in sdtypes(metadata).items() if t == "numerical" and n not in decided
        ]
        summary["tails"] = fit_tails(frame, schema, numerical)
        summary["orders"] = to_records(find_orders(frame, sdtypes(metadata)))
        summary["lookups"] = lookups.to_records(found)
    write_model(paths, result, schema, holdout, summary, metadata_dict(schema, target))
    if private is None:
        categories = real_categories(frame, sdtypes(metadata), code_columns(schema))
    else:
        # The DP category sets: the real rows' own labels would be a release that no
        # accountant saw. Codes modelled as numbers are not checked under DP.
        categories = private.stats.kept_categories()
    write_categories(paths.model_dir, categories)
    return summary


@dataclass
class DpPreprocessing:
    """What DP training fits on: the budget, the DP statistics, and the training rows
    made to fit them (TVAE: restricted; TabularARGN: clipped, every row kept)."""

    plan: dp.DpPlan
    stats: DpStatistics
    rows: pd.DataFrame


def dp_preprocessing(
    train: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    target: str | None,
    schema: DatasetSchema,
) -> DpPreprocessing:
    """Plan the budget (refusing an unreachable epsilon), then spend its statistics share.

    No rebalancing under DP: repeated rows would count more than once in a batch, and the
    per-row sensitivity the accountant assumes would no longer hold.
    """
    from synthpipe.train.dp_stats import PublicDeclarations, dp_statistics

    # Each engine's own DP-SGD schedule: TVAE's (ours) or TabularARGN's.
    argn = params.engine == "argn"
    plan = dp.plan_budget(
        epsilon=params.dp_epsilon,
        delta=params.dp_delta,
        rows=len(train),
        batch_size=params.argn_dp_batch_size if argn else params.batch_size,
        epochs=params.argn_dp_epochs if argn else fit.epoch_budget(params),
        max_grad_norm=params.dp_max_grad_norm,
    )
    public = PublicDeclarations.from_dict(json.loads(params.dp_public or "{}"))
    modelled = sdtypes(metadata)
    check_public(public, modelled, schema)
    # Whether numbers are whole and dates are days comes from the schema, not the rows.
    numerical = [c.name for c in schema.columns if modelled.get(c.name) == "numerical"]
    datetimes = [c.name for c in schema.columns if modelled.get(c.name) == "datetime"]
    stats = dp_statistics(
        train,
        modelled,
        plan.stats_epsilon,
        plan.stats_delta,
        public,
        params.seed,
        target=target,
        integers=tuple(c for c in numerical if schema.column(c).type == "integer"),
        dates=tuple(c for c in datetimes if schema.column(c).type == "date"),
    )
    # TabularARGN keeps every row (a category outside the DP set becomes its unknown
    # token, never sampled): its DP-SGD samples batches from the rows it is given, so
    # the row count its accountant sees stays training's public one.
    rows = stats.clip(train) if argn else stats.restrict(train)[0]
    log.info(
        "dp epsilon=%g delta=%.3g noise_multiplier=%.4f max_grad_norm=%g epochs=%d steps=%d "
        "sample_rate=%.5f",
        plan.epsilon,
        plan.delta,
        plan.noise_multiplier,
        plan.max_grad_norm,
        plan.epochs,
        plan.steps,
        plan.sample_rate,
    )
    return DpPreprocessing(plan=plan, stats=stats, rows=rows)


def check_public(public: Any, modelled: dict[str, str], schema: DatasetSchema) -> None:
    """`bad_hyperparameter` when privacy.public declares bounds for a column training does
    not model as a number or date, or categories for one it does not model as a category
    (Prepare may have dropped or retyped it). Columns are named by position, as in every
    message: schema.json's order, or "absent"."""
    from synthpipe.train.dp_stats import CATEGORY_SDTYPES, NUMBER_SDTYPES

    names = [c.name for c in schema.columns]
    wrong = [n for n in public.bounds if modelled.get(n) not in NUMBER_SDTYPES]
    wrong += [n for n in public.categories if modelled.get(n) not in CATEGORY_SDTYPES]
    if not wrong:
        return
    where = [str(names.index(n) + 1) if n in names else "absent" for n in wrong]
    raise StepFailed(
        code="bad_hyperparameter",
        message=(
            f"privacy.public declares {len(wrong)} column(s) that training does not model "
            f"as it says (bounds: a number or date; categories: a category): schema.json "
            f"column positions {', '.join(where)}."
        ),
        fix="Correct privacy.public in config/<dataset>.json: bounds for number and date "
        "columns, categories for category columns, named as in schema.json (Prepare may "
        "have dropped, renamed or retyped a column).",
        details={"positions": where},
        step=STEP,
    )


def fit_model(
    fit_rows: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    checkpoint_dir: Path,
    started: float,
    private: DpPreprocessing | None = None,
) -> fit.TrainResult:
    """Train from scratch or from the checkpoint; the best decoder that meets the bar.

    The model is fitted on `fit_rows` (the training rows, rebalanced; under DP, restricted
    to the DP statistics) and judged against `train` (the training rows as they are) and
    `holdout`. Under DP the last weights are kept, whatever the evaluations say.
    """
    versions = fit.check_versions()
    gpu = fit.use_gpu(params.enable_gpu)
    store = CheckpointStore(checkpoint_dir, resume_key(params, fit.fingerprint(fit_rows)))
    tvae = fit.ChunkedTVAE(metadata, params, gpu, private.plan if private else None)
    checkpoint = store.load()
    if checkpoint is None:
        if private:
            tvae.prepare(fit_rows, proxy=private.stats.proxy)
        else:
            tvae.prepare(fit_rows)
        store.save_static(tvae)
        state, best = fit.RoundState(elapsed=time.monotonic() - started), None
        log.info("preprocessed in %.1f s", state.elapsed)
    else:
        tvae.restore(checkpoint.matrix, checkpoint.synthesizer)
        tvae.load_trainer_state(checkpoint.trainer)
        state, best = checkpoint.state, checkpoint.best_weights
        log.info("resumed from checkpoint at epoch %d", state.epoch)
    state, best = fit.train_rounds(tvae, state, best, train, holdout, store.save)
    if tvae.dp:
        last = fit.Evaluation(**state.history[-1]) if state.history else None
        privacy = {"epsilon_spent_sgd": tvae.dp.epsilon(), "steps_taken": tvae.dp.steps()}
        return fit.TrainResult(tvae.synthesizer, state, gpu, versions, last, privacy)
    if best is None:
        raise StepFailed(
            code="privacy_bar_not_met",
            message=f"No evaluated epoch kept the share of synthetic rows closer to "
            f"training than to holdout rows at or below {params.privacy_bar} "
            f"(lowest: {min(h['closer_to_training'] for h in state.history):.3f}).",
            fix="Provide more rows (on a few thousand rows the model soon fits the training "
            "sample itself), or evaluate more often (eval_every) to catch an earlier epoch; "
            "raising privacy_bar accepts more memorisation.",
            details={"history": state.history},
            step=STEP,
        )
    tvae.use_decoder_weights(best)
    best_eval = next(h for h in state.history if h["epoch"] == state.best_epoch)
    return fit.TrainResult(tvae.synthesizer, state, gpu, versions, fit.Evaluation(**best_eval))


def summarise(
    result: fit.TrainResult,
    params: Hyperparameters,
    frame: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    target: str | None,
    private: DpPreprocessing | None = None,
) -> dict[str, Any]:
    """training.json: what the evaluation step and the manifest need."""
    state = result.state
    summary: dict[str, Any] = {
        "hyperparameters": {**params.to_dict(), "enable_gpu_resolved": result.gpu},
        "seeds": {
            "seed": params.seed,
            "rule": "python, numpy and torch reseeded with seed + first epoch of each round",
        },
        "versions": result.versions,
        "rows": {
            # Every row of the cleaned data (generate's default row count), and the rows
            # read: a seeded sample of them above the load cap.
            "cleaned": int(frame.attrs.get(ROWS_TOTAL, len(frame))),
            "read": len(frame),
            "train": len(train),
            "holdout": len(holdout),
        },
        "columns": list(frame.columns),
        "epochs_trained": state.epoch,
        "best_epoch": state.best_epoch,
        "best": None if result.best is None else result.best.__dict__,
        "stop_reason": state.stop_reason,
        "history": state.history,
        "target": None,
        "privacy": privacy_summary(result, private),
    }
    if target:
        # Under DP the quotas follow the DP class rates: the real ones were not accounted.
        real = private.stats.target_rates if private else class_rates(frame[target])
        rows = min(len(frame), RATE_CHECK_ROWS)
        plain = sample_rows(result.synthesizer, rows, params.seed)
        kept = sample_rows(result.synthesizer, rows, params.seed, target, real)
        summary["target"] = {
            "column": target,
            "sampled_rows": rows,
            "unconditioned": rate_report(
                real, class_rates(plain[target]), params.target_rate_tolerance
            ),
            "with_quotas": rate_report(
                real, class_rates(kept[target]), params.target_rate_tolerance
            ),
        }
    return summary


def privacy_summary(result: fit.TrainResult, private: DpPreprocessing | None) -> dict[str, Any]:
    """training.json's `privacy`: {"mode": "off"}, or the DP budget and how it was spent."""
    if private is None:
        return {"mode": "off"}
    plan = private.plan
    spent = result.privacy or {}
    return {
        "mode": "dp",
        # Whose DP-SGD: ours (TVAE, synthpipe.train.dp) or TabularARGN's own.
        "engine": "argn" if isinstance(result.synthesizer, ArgnModel) else "tvae",
        "epsilon": plan.epsilon,
        "delta": plan.delta,
        "accountant": plan.accountant,
        "noise_multiplier": plan.noise_multiplier,
        "max_grad_norm": plan.max_grad_norm,
        "sample_rate": plan.sample_rate,
        "steps": spent.get("steps_taken", plan.steps),
        "steps_planned": plan.steps,
        "epochs": plan.epochs,
        # Fewer when the time budget ran out first (TabularARGN stops itself).
        "epochs_taken": spent.get("epochs_taken", plan.epochs),
        "rows": plan.rows,
        "sgd": {
            "epsilon": plan.sgd_epsilon,
            "delta": plan.sgd_delta,
            "epsilon_spent": spent.get("epsilon_spent_sgd"),
        },
        "statistics": {"epsilon": plan.stats_epsilon, "delta": plan.stats_delta},
        "preprocessing": private.stats.to_dict(),
    }


def write_model(
    paths: TrainingPaths,
    result: fit.TrainResult,
    schema: DatasetSchema,
    holdout: pd.DataFrame,
    summary: dict[str, Any],
    sdv_metadata: dict[str, Any],
) -> None:
    model = paths.model_dir
    model.mkdir(parents=True, exist_ok=True)
    engines.save(result.synthesizer, model)
    holdout.to_parquet(model / "holdout.parquet", index=True)
    shutil.copyfile(paths.schema_json, model / "schema.json")
    (model / "metadata.json").write_text(json.dumps(sdv_metadata, indent=2), encoding="utf-8")
    text = json.dumps(_jsonable(summary), indent=2, allow_nan=False)
    (model / "training.json").write_text(text, encoding="utf-8")


def _jsonable(value: Any) -> Any:
    """NaN (e.g. pair trends with no trend to measure) becomes null: valid JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def configure_logging(level: int = logging.INFO) -> None:
    """Plain lines on stdout: what SageMaker ships to CloudWatch and its metric regexes."""
    logging.basicConfig(
        level=level, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # SDV and RDT log every instance, fit and sample at INFO: noise on this channel.
    for name in ("SingleTableSynthesizer", "sdv", "rdt", "copulas"):
        logging.getLogger(name).setLevel(logging.WARNING)
