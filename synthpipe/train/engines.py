"""The engine seam: TVAE, TabularARGN, or both (`engine: auto`) and keep the better.

Both engines give an object with the face `synthpipe.train.sampling` uses (`sample(rows)`
returning the modelled columns; seeding), so target quotas, training's summary and
generate work the same for either. What differs is written here once:

- fitting: TVAE through `contract.fit_model` (rounds, stop rule, checkpoints, privacy bar
  per round), ARGN through `synthpipe.train.argn` (its own stop rule, then one
  evaluation against the same privacy bar);
- saving and loading: `synthesizer.pkl` (SDV) or the `argn/` folder;
- `auto`: ARGN trains first, within min(argn_max_seconds, half of max_wall_seconds), and
  is scored on the holdout (rows it never saw): SDMetrics quality of a synthetic sample
  against the holdout, and the share of synthetic rows closer to training than to
  holdout rows. When it meets the privacy bar and the default quality gates (quality and
  quality / ceiling, the ceiling being the holdout's quality against the training rows)
  it is kept and TVAE is not trained: TVAE would double the time for a model the gate
  already accepts. Otherwise TVAE trains with what is left of max_wall_seconds, is
  scored the same way, and of the candidates within privacy_bar the higher quality is
  kept. training.json records the scores, the ceiling and the reason (a skipped TVAE
  says why).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from synthpipe.errors import StepFailed
from synthpipe.evaluate.gate import Thresholds
from synthpipe.train import fit
from synthpipe.train.argn import FOLDER, ArgnModel, ArgnSettings
from synthpipe.train.hyperparameters import Hyperparameters
from synthpipe.train.metadata import sdtypes

log = logging.getLogger("synthpipe.train")

STEP = "train"
SYNTHESIZER_FILE = "synthesizer.pkl"
ARGN_VERSIONS = ("mostlyai-engine", "torch")


@dataclass(frozen=True)
class Candidate:
    """One engine's model and its scores on the holdout (None: it did not pass, or was
    not trained: `skipped` says why)."""

    engine: str
    result: fit.TrainResult | None
    quality: float | None
    closer_to_training: float | None
    seconds: float
    failure: str = ""
    skipped: str = ""

    def passes(self, privacy_bar: float) -> bool:
        return (
            self.result is not None
            and self.closer_to_training is not None
            and self.closer_to_training <= privacy_bar
        )

    def summary(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["result"]
        return fields


# (candidate's synthesizer) -> (holdout quality, closer-to-training share).
Scorer = Callable[[Any], tuple[float, float]]


def choose(candidates: list[Candidate], privacy_bar: float) -> tuple[Candidate, str]:
    """The candidate that passes the privacy bar with the higher holdout quality."""
    passing = [c for c in candidates if c.passes(privacy_bar)]
    scores = "; ".join(_describe(c) for c in candidates)
    if not passing:
        raise StepFailed(
            code="privacy_bar_not_met",
            message=f"No engine met the privacy bar {privacy_bar} on the holdout ({scores}).",
            fix="Provide more rows, or choose one engine (engine=tvae or argn) to see its "
            "own reason; raising privacy_bar accepts more memorisation.",
            step=STEP,
        )
    best = max(passing, key=lambda c: c.quality if c.quality is not None else -math.inf)
    reason = f"{best.engine}: the higher holdout quality of those within the privacy bar ({scores})"
    return best, reason


def _describe(c: Candidate) -> str:
    if c.skipped:
        return f"{c.engine} not trained"
    if c.result is None:
        return f"{c.engine} failed: {c.failure}"
    return (
        f"{c.engine} quality {c.quality:.3f}, closer-to-training {c.closer_to_training:.3f}, "
        f"{c.seconds:.0f} s"
    )


def holdout_scorer(
    metadata: Any, train: pd.DataFrame, holdout: pd.DataFrame, params: Hyperparameters
) -> Scorer:
    """The auto choice's score: quality against the holdout, and memorisation."""

    def score(synthesizer: Any) -> tuple[float, float]:
        quality, _, _, closer, _ = fit.evaluate(
            synthesizer,
            metadata,
            train,
            holdout,
            params.eval_sample_rows,
            params.seed,
            params.target_column or None,
            against=holdout,
        )
        return quality, closer

    return score


def holdout_ceiling(
    metadata: Any, train: pd.DataFrame, holdout: pd.DataFrame, params: Hyperparameters
) -> float:
    """The ceiling as evaluate defines it (`synthpipe.evaluate.fidelity.ceiling`): the
    quality of real holdout rows against the training rows, here on samples of
    eval_sample_rows, the size the candidates' holdout quality is measured on."""
    rows = params.eval_sample_rows
    real = train.sample(min(rows, len(train)), random_state=params.seed % 2**32)
    unseen = holdout.sample(min(rows, len(holdout)), random_state=params.seed % 2**32)
    quality, _, _ = fit.quality_scores(real, unseen, metadata)
    return quality


def shortfall(argn: Candidate, ceiling: float, privacy_bar: float) -> str:
    """Why ARGN alone would not do ("" when it meets the privacy bar and the default
    quality gates on the holdout, so that TVAE need not train)."""
    if argn.result is None or argn.quality is None or argn.closer_to_training is None:
        return f"argn failed ({argn.failure})"
    if argn.closer_to_training > privacy_bar:
        return f"argn closer-to-training {argn.closer_to_training:.3f} > {privacy_bar}"
    gates = Thresholds()
    if argn.quality < gates.quality:
        return f"argn holdout quality {argn.quality:.3f} < {gates.quality}"
    ratio = argn.quality / ceiling if ceiling > 0 else math.nan
    if not ratio >= gates.quality_ratio:
        return f"argn quality / ceiling {ratio:.3f} < {gates.quality_ratio}"
    return ""


def fit_argn(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    max_seconds: float,
) -> fit.TrainResult:
    """TabularARGN on the training rows (not rebalanced: quotas at sampling keep class
    rates, and repeated rare rows are what a model copies), judged as TVAE's rounds are."""
    versions = fit.check_versions() | {name: version(name) for name in ARGN_VERSIONS}
    gpu = fit.use_gpu(params.enable_gpu)
    settings = ArgnSettings(
        max_seconds=max_seconds, max_epochs=params.argn_max_epochs, seed=params.seed, gpu=gpu
    )
    model, seconds = ArgnModel.fit(train, sdtypes(metadata), settings)
    quality, shapes, trends, closer, _ = fit.evaluate(
        model,
        metadata,
        train,
        holdout,
        params.eval_sample_rows,
        params.seed,
        params.target_column or None,
    )
    evaluation = fit.Evaluation(
        epoch=0,
        loss=math.nan,
        quality=quality,
        column_shapes=shapes,
        pair_trends=trends,
        closer_to_training=closer,
        elapsed=seconds,
    )
    log.info("engine=argn %s", evaluation.log_line())
    state = fit.RoundState(
        elapsed=seconds, stop_reason="argn_stopped", history=[asdict(evaluation)]
    )
    if closer > params.privacy_bar:
        raise StepFailed(
            code="privacy_bar_not_met",
            message=f"TabularARGN's share of synthetic rows closer to training than to "
            f"holdout rows is {closer:.3f}, above {params.privacy_bar}.",
            fix="Provide more rows, lower argn_max_seconds or argn_max_epochs, or try "
            "engine=tvae; raising privacy_bar accepts more memorisation.",
            details={"history": state.history},
            step=STEP,
        )
    return fit.TrainResult(model, state, gpu, versions, evaluation)


def fit_engine(
    fit_tvae: Callable[[Hyperparameters], fit.TrainResult],
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    started: float,
) -> tuple[fit.TrainResult, dict[str, Any]]:
    """The model of `params.engine`, and training.json's `engine` record."""
    fit.set_threads(params.torch_threads)
    if params.engine == "tvae":
        return fit_tvae(params), {"name": "tvae", "setting": "tvae"}
    if params.dp:  # auto: one model, since a second would spend the privacy budget again
        reason = "differential privacy: auto trains TVAE only, one model on the budget"
        return fit_tvae(params), {"name": "tvae", "setting": "auto", "reason": reason}
    if params.engine == "argn":
        budget = min(params.argn_max_seconds, params.max_wall_seconds)
        result = fit_argn(train, holdout, metadata, params, budget)
        return result, {"name": "argn", "setting": "argn"}
    score = holdout_scorer(metadata, train, holdout, params)
    argn_budget = min(params.argn_max_seconds, params.max_wall_seconds / 2)
    argn = _candidate(
        "argn", lambda: fit_argn(train, holdout, metadata, params, argn_budget), score
    )
    ceiling = holdout_ceiling(metadata, train, holdout, params)
    short = shortfall(argn, ceiling, params.privacy_bar)
    if short:
        # TVAE's wall clock counts from the job's start: it gets what ARGN left.
        candidates = [argn, _candidate("tvae", lambda: fit_tvae(params), score)]
        chosen, reason = choose(candidates, params.privacy_bar)
        reason = f"{reason}; tvae trained because {short}"
    else:
        skipped = "argn met the privacy bar and the default quality gates on the holdout"
        candidates = [argn, Candidate("tvae", None, None, None, 0.0, skipped=skipped)]
        chosen = argn
        reason = (
            f"argn: within the privacy bar, holdout quality {argn.quality:.3f} and "
            f"{argn.quality / ceiling:.3f} of the ceiling {ceiling:.3f} meet the default "
            f"gates; tvae not trained"
        )
    log.info("engine=auto chose %s", chosen.engine)
    assert chosen.result is not None
    record = {
        "name": chosen.engine,
        "setting": "auto",
        "reason": reason,
        "ceiling": round(ceiling, 4),
        "candidates": [c.summary() for c in candidates],
        "seconds_total": round(time.monotonic() - started, 1),
    }
    return chosen.result, record


def _candidate(engine: str, train_it: Callable[[], fit.TrainResult], score: Scorer) -> Candidate:
    started = time.monotonic()
    try:
        result = train_it()
    except StepFailed as error:  # the other engine may still pass
        log.warning("engine=%s did not pass [%s]", engine, error.code)
        return Candidate(engine, None, None, None, time.monotonic() - started, error.code)
    except ImportError:  # mostlyai-engine not installed (requirements-argn.txt)
        log.warning("engine=%s is not installed", engine)
        return Candidate(engine, None, None, None, 0.0, "not_installed")
    seconds = time.monotonic() - started
    quality, closer = score(result.synthesizer)
    log.info("engine=%s holdout_quality=%.4f closer_to_training=%.4f", engine, quality, closer)
    return Candidate(engine, result, quality, closer, round(seconds, 1))


def save(synthesizer: Any, model_dir: Path) -> None:
    if isinstance(synthesizer, ArgnModel):
        synthesizer.save(model_dir / FOLDER)
    else:
        synthesizer.save(str(model_dir / SYNTHESIZER_FILE))


def model_files(engine: str) -> tuple[str, ...]:
    """What the model folder must hold for `engine` (besides schema.json, training.json)."""
    return (FOLDER,) if engine == "argn" else (SYNTHESIZER_FILE,)


def load(model_dir: Path, engine: str) -> Any:
    if engine == "argn":
        return ArgnModel.load(model_dir / FOLDER)
    from sdv.utils import load_synthesizer

    return load_synthesizer(str(model_dir / SYNTHESIZER_FILE))
