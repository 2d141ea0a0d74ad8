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
  holdout rows. When it is above the privacy bar, or below it by less than one standard
  error of the share (the retry then replaces it when within the bar and lower), ARGN
  trains once more with its Small network (within argn_max_seconds and what is left of
  half of max_wall_seconds): a network with less capacity memorises less, and where ARGN
  missed the bar narrowly it kept most of ARGN's quality, far above TVAE's (README,
  "Engines"). When that is above the bar too, the Small network trains once more for
  half the epochs it ran: fewer epochs memorise less again (bfi). When the first ARGN
  within the privacy bar (a first set aside is not) meets the default quality gates
  (quality and quality / ceiling, the ceiling being the holdout's quality against the
  training rows) and the association gate (the largest difference of a pair's
  association, synthetic against a training sample, as the release gate reads it) it is
  kept and TVAE is not trained: TVAE would double the time for a model the gate already
  accepts. So it is when ARGN is under the quality gate only because the data is hard,
  at NEAR_CEILING of the ceiling or above (TVAE scored lower on every such table).
  Otherwise TVAE trains with what is left of max_wall_seconds, is scored the same way,
  and of the candidates within privacy_bar the higher quality is kept, one within the
  association gate first (on Ecdat/Treatment ARGN lost the 0.84 Spearman of two years'
  earnings, gap 0.62, and the run was refused; TVAE kept it, gap 0.37, quality 0.942).
  training.json records the scores, the ceiling and the reason (a retried ARGN and a
  skipped TVAE say why).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from synthpipe.errors import StepFailed
from synthpipe.evaluate.fidelity import association_gap, associations
from synthpipe.evaluate.gate import Thresholds
from synthpipe.train import fit
from synthpipe.train.argn import (
    FOLDER,
    MEDIUM,
    RARE_BELOW,
    SMALL,
    ArgnModel,
    ArgnPrivacy,
    ArgnSettings,
)
from synthpipe.train.hyperparameters import Hyperparameters
from synthpipe.train.metadata import sdtypes

if TYPE_CHECKING:  # contract imports this module
    from synthpipe.train.contract import DpPreprocessing

log = logging.getLogger("synthpipe.train")

STEP = "train"
SYNTHESIZER_FILE = "synthesizer.pkl"
ARGN_VERSIONS = ("mostlyai-engine", "torch")
# What a retried ARGN is told apart by (training.json, the report).
ARGN_RETRY = "small network"
# The second retry: memorisation grows with the epochs as well as the network. On bfi
# (1,792 training rows, 28 columns; `benchmarks/argn_variants.py`, three seeds, each its
# own split) the Small network read 0.554, 0.579 and 0.548 closer-to-training at the
# gate, and with half its epochs 0.545, 0.544 and 0.526, at holdout quality 0.882,
# 0.888 and 0.864 (Medium: 0.911, 0.906, 0.890); TVAE, trained after, scored 0.730.
ARGN_SHORTER = "small network, half the epochs"
# ARGN at this share of the holdout's own quality (the ceiling) but under the quality
# gate means hard data, not a weak model: TVAE is not trained for it. Where TVAE trained
# after such an ARGN it always scored lower and doubled the time (bundesliga 0.665
# against 0.880, flights_jan 0.765 against 0.845, bfi 0.732 against 0.896; README,
# "Engines"). The release gates still judge the output.
NEAR_CEILING = 0.95


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
    variant: str = ""  # "" for an engine's defaults, else how it was trained (ARGN_RETRY)
    # The release gate's association gap (`synthpipe.evaluate.fidelity.association_gap`)
    # of its holdout sample against the training rows; None when not measured.
    association_gap: float | None = None

    def keeps_associations(self) -> bool:
        gap = self.association_gap
        return gap is None or gap <= Thresholds().association_gap

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


# (candidate's synthesizer) -> (holdout quality, closer-to-training share, association gap).
Scorer = Callable[[Any], tuple[float, float, float]]


def choose(candidates: list[Candidate], privacy_bar: float) -> tuple[Candidate, str]:
    """The candidate that passes the privacy bar with the higher holdout quality, one
    within the association gate before one that loses a relationship."""
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
    best = max(
        passing,
        key=lambda c: (c.keeps_associations(), c.quality if c.quality is not None else -math.inf),
    )
    within = "the privacy bar"
    gap = Thresholds().association_gap
    if not best.keeps_associations():
        within = f"the privacy bar (none within the association gap {gap})"
    elif not all(c.keeps_associations() for c in passing):
        within = f"the privacy bar and the association gap {gap}"
    reason = f"{_name(best)}: the higher holdout quality of those within {within} ({scores})"
    return best, reason


def _describe(c: Candidate) -> str:
    name = _name(c)
    if c.skipped:
        return f"{name} not trained"
    if c.result is None and c.quality is not None:
        return (
            f"{name} quality {c.quality:.3f}, closer-to-training {c.closer_to_training:.3f}, "
            f"{c.failure}"
        )
    if c.result is None:
        return f"{name} failed: {c.failure}"
    gap = "" if c.association_gap is None else f", association gap {c.association_gap:.3f}"
    return (
        f"{name} quality {c.quality:.3f}, closer-to-training {c.closer_to_training:.3f}"
        f"{gap}, {c.seconds:.0f} s"
    )


def _name(c: Candidate) -> str:
    return f"{c.engine} ({c.variant})" if c.variant else c.engine


def holdout_scorer(
    metadata: Any,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    params: Hyperparameters,
    rare_below: int = RARE_BELOW,
) -> Scorer:
    """The auto choice's score: quality against the holdout, memorisation, and the
    association gap of the synthetic rows against a training sample, as the release
    gate reads it, with Prepare's k (an ARGN that lost a strong relationship makes TVAE
    train)."""
    rows = params.eval_sample_rows
    real = train.sample(min(rows, len(train)), random_state=params.seed % 2**32)
    types = sdtypes(metadata)

    def score(synthesizer: Any) -> tuple[float, float, float]:
        quality, _, _, closer, synthetic = fit.evaluate(
            synthesizer,
            metadata,
            train,
            holdout,
            params.eval_sample_rows,
            params.seed,
            params.target_column or None,
            against=holdout,
        )
        gap = association_gap(associations(real, synthetic, types, rare_below))["value"]
        return quality, closer, gap

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
    name = _name(argn)
    if argn.result is None or argn.quality is None or argn.closer_to_training is None:
        return f"{name} failed ({argn.failure})"
    if argn.closer_to_training > privacy_bar:
        return f"{name} closer-to-training {argn.closer_to_training:.3f} > {privacy_bar}"
    gates = Thresholds()
    ratio = argn.quality / ceiling if ceiling > 0 else math.nan
    if argn.quality < gates.quality and not ratio >= NEAR_CEILING:
        return f"{name} holdout quality {argn.quality:.3f} < {gates.quality}"
    if not ratio >= gates.quality_ratio:
        return f"{name} quality / ceiling {ratio:.3f} < {gates.quality_ratio}"
    if not argn.keeps_associations():
        return f"{name} association gap {argn.association_gap:.3f} > {gates.association_gap}"
    return ""


def skip_reason(argn: Candidate, ceiling: float) -> str:
    """Why TVAE does not train when ARGN has no `shortfall`."""
    assert argn.quality is not None
    name, gate = _name(argn), Thresholds().quality
    if argn.quality >= gate:
        return (
            f"{name} met the privacy bar and the default quality gates on the holdout, "
            "and the association gate"
        )
    return (
        f"{name} met the privacy bar and scored {argn.quality / ceiling:.3f} of the ceiling "
        f"{ceiling:.3f} (the real holdout's own quality): the data, not the model, keeps "
        f"it under the quality gate {gate}"
    )


def accept_argn(
    result: fit.TrainResult, params: Hyperparameters, private: DpPreprocessing | None
) -> fit.TrainResult:
    """A `train_argn` result, refused above the privacy bar as TVAE's rounds are.

    Under DP (`private`): on the rows clipped into the DP bounds, with ARGN's own
    DP-SGD at the plan's noise multiplier, for at most the plan's epochs
    (`synthpipe.train.argn`); as TVAE's under DP, the model is kept whatever the
    evaluation says (refusing it would be a decision on real rows no accountant saw),
    once the epsilon it spent is checked.
    """
    assert result.best is not None
    closer = result.best.closer_to_training
    if private:
        check_spent(result.privacy or {}, private.plan.sgd_epsilon)
    elif closer > params.privacy_bar:
        raise StepFailed(
            code="privacy_bar_not_met",
            message=f"TabularARGN's share of synthetic rows closer to training than to "
            f"holdout rows is {closer:.3f}, above {params.privacy_bar}.",
            fix="Provide more rows, lower argn_max_seconds or argn_max_epochs, or try "
            "engine=tvae; raising privacy_bar accepts more memorisation.",
            details={"history": result.state.history},
            step=STEP,
        )
    return result


def train_argn(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    max_seconds: float,
    private: DpPreprocessing | None = None,
    size: str = MEDIUM,
    rare_below: int = RARE_BELOW,
    max_epochs: float | None = None,
) -> fit.TrainResult:
    """TabularARGN on the training rows (not rebalanced: quotas at sampling keep class
    rates, and repeated rare rows are what a model copies), evaluated as TVAE's rounds
    are; `size`: its network (argn.MEDIUM, the default, or argn.SMALL); `rare_below`:
    Prepare's k (`ArgnSettings.rare_below`); `max_epochs`: fewer than argn_max_epochs.
    The result's state holds the epochs it ran (rounded up)."""
    versions = fit.check_versions() | {name: version(name) for name in ARGN_VERSIONS}
    gpu = fit.use_gpu(params.enable_gpu)
    epochs = private.plan.epochs if private else (max_epochs or params.argn_max_epochs)
    settings = ArgnSettings(
        max_seconds=max_seconds,
        max_epochs=epochs,
        seed=params.seed,
        gpu=gpu,
        size=size,
        rare_below=rare_below,
    )
    rows = private.rows if private else train
    model, seconds = ArgnModel.fit(rows, sdtypes(metadata), settings, argn_privacy(private))
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
        epoch=math.ceil(model.epochs),
        loss=math.nan,
        quality=quality,
        column_shapes=shapes,
        pair_trends=trends,
        closer_to_training=closer,
        elapsed=seconds,
    )
    log.info("engine=argn %s", evaluation.log_line())
    state = fit.RoundState(
        epoch=math.ceil(model.epochs),
        elapsed=seconds,
        stop_reason="argn_stopped",
        history=[asdict(evaluation)],
    )
    return fit.TrainResult(model, state, gpu, versions, evaluation, model.privacy)


def argn_privacy(private: DpPreprocessing | None) -> ArgnPrivacy | None:
    """ARGN's DP settings from the plan: DP-SGD's share of epsilon and delta."""
    if private is None:
        return None
    plan = private.plan
    return ArgnPrivacy(
        epsilon=plan.sgd_epsilon,
        delta=plan.sgd_delta,
        noise_multiplier=plan.noise_multiplier,
        max_grad_norm=plan.max_grad_norm,
        batch_size=plan.batch_size,
        rows=plan.rows,
        proxy=private.stats.proxy,
    )


def check_spent(spent: dict[str, float], sgd_epsilon: float) -> None:
    """ARGN keeps its first model even when that one is above max_epsilon: not released."""
    epsilon = spent.get("epsilon_spent_sgd", math.inf)
    if epsilon > sgd_epsilon:
        raise StepFailed(
            code="dp_budget_unreachable",
            message=f"Differential privacy: TabularARGN's first checkpoint spent epsilon "
            f"{epsilon:.3g}, above DP-SGD's share {sgd_epsilon:.3g}.",
            fix="Raise privacy.epsilon in config/<dataset>.json, provide more rows, or "
            "train fewer DP epochs (hyperparameter argn_dp_epochs).",
            details=spent,
            step=STEP,
        )


def argn_installed() -> bool:
    """Whether mostlyai-engine is installed (requirements-argn.txt), without importing it:
    a broken import of an installed engine must fail loudly, not read as absent."""
    # A submodule's find_spec imports its parent, and raises when that is missing.
    if importlib.util.find_spec("mostlyai") is None:
        return False
    return importlib.util.find_spec("mostlyai.engine") is not None


def dp_engine(params: Hyperparameters) -> tuple[Hyperparameters, str]:
    """Under DP, `auto` as one engine chosen before any row is read, and why ("" when
    nothing was resolved). Choosing between two DP models by their scores on real rows
    would spend privacy no accountant counts, so auto does not compare: it takes
    TabularARGN, whose DP beat DP-TVAE on 4 of 5 runs (README, "TabularARGN under DP"),
    or TVAE where mostlyai-engine is not installed."""
    if not (params.dp and params.engine == "auto"):
        return params, ""
    if not argn_installed():
        chosen, why = "tvae", "mostlyai-engine is not installed"
    else:
        chosen, why = "argn", "its DP beat DP-TVAE on 4 of 5 measured runs"
    reason = (
        f"differential privacy: auto trains one engine chosen before reading the data, "
        f"{chosen} ({why})"
    )
    return replace(params, engine=chosen), reason


def fit_engine(
    fit_tvae: Callable[[Hyperparameters], fit.TrainResult],
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    started: float,
    private: DpPreprocessing | None = None,
    rare_below: int = RARE_BELOW,
) -> tuple[fit.TrainResult, dict[str, Any]]:
    """The model of `params.engine`, and training.json's `engine` record (`private`:
    the DP plan and statistics; under DP `auto` was resolved by `dp_engine` first;
    `rare_below`: Prepare's k, for ARGN's encodings)."""
    fit.set_threads(params.torch_threads)
    if params.engine == "tvae":
        return fit_tvae(params), {"name": "tvae", "setting": "tvae"}
    if params.engine == "argn":
        # Under DP the plan fixes the epochs (the noise spends the budget in exactly
        # those): only the job's wall clock may cut them short.
        budget = min(params.argn_max_seconds, params.max_wall_seconds)
        if private:
            budget = params.max_wall_seconds
        result = train_argn(
            train, holdout, metadata, params, budget, private, rare_below=rare_below
        )
        return accept_argn(result, params, private), {"name": "argn", "setting": "argn"}
    score = holdout_scorer(metadata, train, holdout, params, rare_below)
    if argn_installed():
        argns, retried = argn_candidates(train, holdout, metadata, params, score, rare_below)
    else:
        log.warning("engine=argn is not installed")
        argns, retried = [Candidate("argn", None, None, None, 0.0, "not_installed")], ""
    # The first ARGN within the privacy bar (a first set aside is not); else the last,
    # the retry when there was one, to say why TVAE trains.
    within = [c for c in argns if c.passes(params.privacy_bar)]
    argn = within[0] if within else argns[-1]
    ceiling = holdout_ceiling(metadata, train, holdout, params)
    short = shortfall(argn, ceiling, params.privacy_bar)
    if short:
        # TVAE's wall clock counts from the job's start: it gets what ARGN left.
        candidates = [*argns, _candidate("tvae", lambda: fit_tvae(params), score)]
        chosen, reason = choose(candidates, params.privacy_bar)
        reason = f"{reason}; tvae trained because {short}"
    else:
        skipped = skip_reason(argn, ceiling)
        candidates = [*argns, Candidate("tvae", None, None, None, 0.0, skipped=skipped)]
        chosen = argn
        reason = (
            f"{_name(argn)}: within the privacy bar, holdout quality {argn.quality:.3f} and "
            f"{argn.quality / ceiling:.3f} of the ceiling {ceiling:.3f}; tvae not trained: "
            f"{skipped}"
        )
    if retried:
        reason = f"{reason}; {retried}"
    log.info("engine=auto chose %s", _name(chosen))
    assert chosen.result is not None
    record = {
        "name": chosen.engine,
        "setting": "auto",
        "variant": chosen.variant,
        "reason": reason,
        "ceiling": round(ceiling, 4),
        "candidates": [c.summary() for c in candidates],
        "seconds_total": round(time.monotonic() - started, 1),
    }
    return chosen.result, record


def argn_candidates(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Any,
    params: Hyperparameters,
    score: Scorer,
    rare_below: int = RARE_BELOW,
) -> tuple[list[Candidate], str]:
    """ARGN with its defaults and, when it is above the privacy bar or within one
    standard error below it (`share_doubt`), once more with its Small network; when that
    is above the bar too, once more with the Small network and half the epochs it ran
    (`ARGN_SHORTER`); and why it was retried or not ("" when it was clearly within the
    bar). A first ARGN within the bar only by less than that error is set aside when the
    retry is within the bar and reads lower: on bfi, ARGN read 0.549 in training and
    0.555-0.596 in the benchmark's own draws.

    Each ARGN fit stops at argn_max_seconds, and all of them together stay within half
    of max_wall_seconds, so TVAE's half is never spent on them."""
    half = params.max_wall_seconds / 2

    def fit_argn(variant: str, size: str, max_epochs: float | None, spent: float) -> Candidate:
        budget = min(params.argn_max_seconds, half - spent)
        return _candidate(
            "argn",
            lambda: train_argn(
                train,
                holdout,
                metadata,
                params,
                budget,
                size=size,
                rare_below=rare_below,
                max_epochs=max_epochs,
            ),
            score,
            variant=variant,
        )

    first = fit_argn("", MEDIUM, None, 0.0)
    closer, bar = first.closer_to_training, params.privacy_bar
    doubt = share_doubt(min(params.eval_sample_rows, len(train), len(holdout)))
    if closer is None or closer <= bar - doubt:
        return [first], ""
    if closer > bar:
        why = f"argn closer-to-training {closer:.3f} > {bar}"
    else:
        why = (
            f"argn closer-to-training {closer:.3f} is within one standard error "
            f"({doubt:.3f}) of the privacy bar {bar}"
        )
    if half - first.seconds < 1:
        return [first], f"argn not retried with its {ARGN_RETRY} ({why}): its time was spent"
    retry = fit_argn(ARGN_RETRY, SMALL, None, first.seconds)
    closer_retry = retry.closer_to_training
    # A retry that loses a relationship the first keeps does not replace it (Ecdat/SumHes:
    # association gap 0.355, the retry's 0.677; the release was refused on it).
    keeps = retry.keeps_associations() or not first.keeps_associations()
    # Nor does one under the quality gate that the first meets: the release gate would
    # refuse it, where it judges the first's privacy again on the whole holdout (survival's
    # logan, 670 training rows: 0.916 at 0.518 set aside for 0.896 at 0.480, refused).
    gate = Thresholds().quality
    meets = retry.quality is not None and (retry.quality >= gate or first.quality < gate)
    closer_now = closer_retry is not None and closer_retry < closer
    if closer <= bar and retry.passes(bar) and closer_now and keeps and meets:
        aside = (
            f"set aside: within one standard error of the privacy bar, its {ARGN_RETRY} "
            "within it and closer to the holdout"
        )
        first = replace(first, result=None, failure=aside)
    reason = f"argn retried with its {ARGN_RETRY} because {why}"
    shorter = shorter_epochs(retry)
    if first.passes(bar) or retry.passes(bar) or shorter is None:
        return [first, retry], reason
    spent = first.seconds + retry.seconds
    if half - spent < 1:
        return [first, retry], f"{reason}; not with {ARGN_SHORTER}: its time was spent"
    shortest = fit_argn(ARGN_SHORTER, SMALL, shorter, spent)
    again = f"{_name(retry)} closer-to-training {closer_retry:.3f} > {bar}"
    return [first, retry, shortest], f"{reason}; and with {ARGN_SHORTER} because {again}"


def shorter_epochs(retry: Candidate) -> float | None:
    """Half the epochs the Small network ran, None when there is nothing to halve (it
    failed, or ran under two epochs)."""
    if retry.result is None or retry.result.state.epoch < 2:
        return None
    return retry.result.state.epoch / 2


def share_doubt(rows: int) -> float:
    """One standard error of a closer-to-training share near 0.5 measured on `rows`
    reference rows a side (0 when there are none): 0.024 at bfi's 448 holdout rows,
    0.011 at the 2,000 rows evaluation samples."""
    return 0.5 / math.sqrt(rows) if rows > 0 else 0.0


def _candidate(
    engine: str, train_it: Callable[[], fit.TrainResult], score: Scorer, variant: str = ""
) -> Candidate:
    started = time.monotonic()
    try:
        result = train_it()
    except StepFailed as error:  # the other engine may still pass
        log.warning("engine=%s did not pass [%s]", engine, error.code)
        seconds = time.monotonic() - started
        return Candidate(engine, None, None, None, seconds, error.code, variant=variant)
    seconds = time.monotonic() - started
    quality, closer, gap = score(result.synthesizer)
    log.info(
        "engine=%s%s holdout_quality=%.4f closer_to_training=%.4f association_gap=%.4f",
        engine,
        f" ({variant})" if variant else "",
        quality,
        closer,
        gap,
    )
    return Candidate(
        engine, result, quality, closer, round(seconds, 1), variant=variant, association_gap=gap
    )


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
