"""Hyperparameters of the training job: SageMaker passes every value as a JSON string."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from synthpipe.errors import InputRefused, PipelineError, StepFailed

STEP = "train"


@dataclass(frozen=True)
class Hyperparameters:
    """Defaults tuned on 50,000 BankSim-shaped rows (40k train rows, 2 busy cores):
    about 80 s end to end, quality 0.96 against the holdout, closer-to-training share
    0.50, fraud rate kept (benchmarks/train_bench.py; the runs compared are in the
    comments below). Quality follows the number of gradient steps (FIELD_NOTES), so
    the defaults buy steps per second and stop on a plateau after a warm-up.
    """

    # TVAE. epochs is a ceiling: the plateau rule stops first (50k rows: 80-90 epochs).
    epochs: int = 300
    # SDV's default is 500. Batches of 250 ran more steps per second on one thread and
    # reached the same quality per step (0.88 after 1,600 steps either way).
    batch_size: int = 250
    embedding_dim: int = 128
    compress_dims: tuple[int, ...] = (128, 128)
    decompress_dims: tuple[int, ...] = (128, 128)
    l2scale: float = 1e-5
    loss_factor: float = 2.0
    # Adam's step size (ctgan's TVAE uses Adam's default, 1e-3). 2e-3 was faster on one
    # 50k sample (62 s to quality 0.944) but on another it left `gender` collapsed
    # (column shape 0.67, quality 0.907 after 90 epochs) where 1e-3 reached 0.957.
    learning_rate: float = 1e-3
    # "auto": use a GPU when torch sees one.
    enable_gpu: str = "auto"
    seed: int = 20261123
    # CPU threads for torch, either engine; 0 keeps torch's default (one per core). The
    # layers are small (TVAE: batch 500 x 128): on 2 busy cores one thread ran a TVAE
    # layer 17x faster than two spinning threads, and a TabularARGN epoch 18x faster.
    torch_threads: int = 1
    # Rows never used for fitting, kept for the evaluation step.
    holdout_fraction: float = 0.2
    # Evaluate (fidelity, memorisation), checkpoint and maybe stop every k epochs. One
    # evaluation on 2,000 rows costs about a second.
    eval_every: int = 5
    eval_sample_rows: int = 2000
    max_wall_seconds: float = 3600.0
    # Stop after this many evaluations without a fidelity gain of at least min_delta,
    # counted from min_epochs on (quality wobbles before: see fit.record_round). With
    # min_epochs 30 and patience 3 one 50k run stopped at epoch 40 with quality 0.89;
    # 60 and 4 (20 epochs without gain) leave the flat phase time to end.
    patience: int = 4
    min_delta: float = 0.005
    min_epochs: int = 60
    # Highest share of synthetic rows closer to training than to holdout rows.
    privacy_bar: float = 0.55
    # Above this many training rows, train on a stratified subsample.
    max_train_rows: int = 100_000
    # An epoch covers at least this many rows (smaller data is cycled through). The
    # schedule above (eval_every, min_epochs, patience) was tuned at 40,000 training rows,
    # where it means about 160 gradient steps per epoch; quality follows steps (FIELD_NOTES),
    # and with plain epochs 4,000 rows got a tenth of the steps and stopped on a
    # "plateau" at quality 0.87.
    min_epoch_rows: int = 40_000
    # The data transformer (one Gaussian mixture per number) is fitted on this many rows
    # (plus one row per category). 5,000 rows: preprocessing 3-5 s instead of 31 s with
    # 20,000 (50k rows, lr 1e-3, batch 500: quality 0.945 vs 0.962 against the holdout,
    # column shapes 0.954 vs 0.973, but 127 s vs 187 s in all).
    transformer_sample_rows: int = 5_000
    # Column whose class rate must survive (e.g. `fraud`); "" for none.
    target_column: str = ""
    # Allowed relative deviation of the synthetic target rate from the real one.
    target_rate_tolerance: float = 0.2
    # Fit on rows where each target class is at least this share (rarer classes' rows
    # repeated); sampling quotas restore the real rates. 0 turns it off. On generated
    # BankSim (fraud about 1.1%): at 3,000 rows without it (and with plain epochs) the
    # model nearly stopped making fraud (rate off by 59%); six runs of 2,000-5,000 rows
    # with it all kept the rate. At 50,000 rows, same seed, 0.1 vs 0: quality 0.959 vs
    # 0.934, exact copies 0 vs 16 (the few fraud rows made were near-copies).
    min_class_share: float = 0.1
    # Which engine learns the rows: "tvae" (the chunked TVAE above), "argn" (TabularARGN,
    # synthpipe.train.argn) or "auto" (ARGN first; TVAE too only when ARGN misses the
    # privacy bar or the default quality gates, then the better: synthpipe.train.engines).
    # "auto": ARGN had the higher holdout quality on 5 of 6 real tables (README, "Engines");
    # under differential privacy it trains one engine chosen before any data is read,
    # TabularARGN (its DP beat DP-TVAE on 4 of 5 runs; synthpipe.train.engines.dp_engine),
    # since choosing between two DP models by their scores would spend privacy.
    engine: str = "auto"
    # TabularARGN's own limits: it stops at the first of these, or earlier on its
    # validation loss. Three minutes: within the 1-4 minute budgets at which it beat TVAE
    # on five real tables (issue 13). An epoch is about 100-130 steps from ~16k to ~250k
    # rows (mostlyai-engine sizes batches as rows / 64; fewer rows get batches of at
    # least 128, synthpipe.train.argn.MIN_BATCH, so fewer steps), so its cost grows with
    # rows x columns as the recipe's TVAE epochs do, and an epoch cap keeps small tables
    # short whatever their shape. 20: on slid (4,752 rows, one thread) the validation loss
    # fell 12.46 -> 12.03 over the first 9 epochs and to its best, 11.98, at epoch 23;
    # the engine's own early stop came at epoch 28 (189 s on busy cores) with 100.
    argn_max_seconds: float = 180.0
    argn_max_epochs: int = 20
    # Differential privacy (synthpipe.train.dp), set from the dataset config's `privacy`:
    # dp_epsilon 0 is off. Under DP training runs exactly dp_epochs epochs of
    # 1 / sample rate steps (no plateau stop, no checkpoint choice, no rebalancing, no
    # min_epoch_rows cycling: each would spend privacy the accountant does not see).
    dp_epsilon: float = 0.0
    # "auto" (min(1e-5, 1 / (10 x training rows))) or a number in (0, 1).
    dp_delta: str = "auto"
    # The config's `privacy.public` declarations as compact JSON ("" for none).
    dp_public: str = ""
    # "auto" (round(15 / sqrt(epsilon)) epochs, 1 to 30: 15 at epsilon 1, 9 at 3, 5 at
    # 10; synthpipe.train.dp.auto_epochs) or a whole number. Fewer epochs need less noise
    # for the same epsilon, and under DP quality peaks early, the earlier the larger
    # epsilon. 12,000 BankSim rows, epsilon 10 / 3 / 1: 30 epochs 0.683 / 0.765 / 0.797,
    # 15 0.718 / 0.791 / 0.820, 8 0.760 / 0.796 / 0.795, 5 0.777 / 0.803 / 0.784; auto
    # 0.777 / 0.794 / 0.820. On flchain and diamonds it is mixed (at epsilon 10 it lost
    # 0.03-0.04 against 30 epochs; at 3 and 1 it lost at most 0.01 or gained); summed
    # over the 8 table-epsilon pairs it scored best of 5, 15, 30 and auto (README, "DP
    # epochs").
    dp_epochs: int | str = "auto"
    # Per-row gradient clipping norm. With Adam the norm hardly matters (every row is
    # clipped; Adam rescales): 10,000 BankSim rows, 400 DP steps at epsilon 10, clip 1.0
    # quality 0.556, clip 20 0.556.
    dp_max_grad_norm: float = 1.0
    # Adam's learning rate under DP (learning_rate without). DP gets a fixed, small step
    # budget (30 epochs, the default when this was measured: 750-1,140 steps, against
    # 12,800+ without DP); at 1e-3 quality was still climbing when it ended, and a larger
    # rate gets further in those steps (so far that fewer epochs now do better: dp_epochs
    # above). 10,000 BankSim rows, 800 DP steps at epsilon 10, sigma learned: lr 1e-3
    # 0.574, 3e-3 0.650, 1e-2 0.713 (clip 5 instead of 1 at 3e-3: 0.651).
    dp_learning_rate: float = 1e-2
    # TabularARGN under DP (engine argn, synthpipe.train.argn): its own DP-SGD runs at
    # most this many epochs of batches of this many rows (Poisson sampled), at the noise
    # that spends DP-SGD's share of epsilon in exactly those epochs; its learning rate is
    # its own heuristic. BankSim 12k at epsilon 3, 2 busy cores: batches of 1,000 ran
    # about 3x the rows per second of batches of 250 (per-row gradients), and 5 epochs
    # fit in about 3 minutes; quality 0.875 (README, "TabularARGN under DP").
    argn_dp_epochs: int = 5
    argn_dp_batch_size: int = 1000

    @property
    def dp(self) -> bool:
        return self.dp_epsilon > 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# name -> (kind, low, high): the allowed range, inclusive.
_RULES: dict[str, tuple[str, float, float]] = {
    "epochs": ("int", 1, 100_000),
    "batch_size": ("int", 2, 1_000_000),
    "embedding_dim": ("int", 1, 4096),
    "compress_dims": ("dims", 1, 8192),
    "decompress_dims": ("dims", 1, 8192),
    "l2scale": ("float", 0.0, 1.0),
    "loss_factor": ("float", 1e-6, 1000.0),
    "learning_rate": ("float", 1e-6, 1.0),
    "enable_gpu": ("choice", 0, 0),
    "seed": ("int", 0, 2**32 - 1),
    "torch_threads": ("int", 0, 1024),
    "holdout_fraction": ("float", 0.05, 0.5),
    "eval_every": ("int", 1, 100_000),
    "eval_sample_rows": ("int", 100, 1_000_000),
    "max_wall_seconds": ("float", 10.0, 5 * 24 * 3600.0),
    "patience": ("int", 1, 1000),
    "min_epochs": ("int", 0, 100_000),
    "min_delta": ("float", 0.0, 1.0),
    "privacy_bar": ("float", 0.5, 1.0),
    "max_train_rows": ("int", 100, 100_000_000),
    "min_epoch_rows": ("int", 0, 100_000_000),
    "transformer_sample_rows": ("int", 100, 100_000_000),
    "target_column": ("str", 0, 0),
    "target_rate_tolerance": ("float", 0.0, 10.0),
    "min_class_share": ("float", 0.0, 0.5),
    "engine": ("choice", 0, 0),
    "argn_max_seconds": ("float", 1.0, 5 * 24 * 3600.0),
    "argn_max_epochs": ("int", 1, 100_000),
    "dp_epsilon": ("float", 0.0, 1000.0),
    "dp_delta": ("delta", 0, 1),
    "dp_public": ("json", 0, 0),
    "dp_epochs": ("epochs", 1, 100_000),
    "dp_max_grad_norm": ("float", 1e-6, 1e6),
    "dp_learning_rate": ("float", 1e-6, 1.0),
    "argn_dp_epochs": ("int", 1, 100_000),
    "argn_dp_batch_size": ("int", 2, 1_000_000),
}
ENGINES = ("tvae", "argn", "auto")
# The allowed values of the "choice" hyperparameters (compared in lower case).
_CHOICES = {"enable_gpu": ("auto", "true", "false"), "engine": ENGINES}


def _invalid(key: str, value: Any, problem: str) -> StepFailed:
    return StepFailed(
        code="bad_hyperparameter",
        message=f"Hyperparameter {key}={value!r}: {problem}.",
        fix="Fix it in the training job's hyperparameters.",
        details={"key": key},
        step=STEP,
    )


def _number(text: str) -> float:
    """`text` as a float; NaN when it is not a number (every range check then fails)."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _parse_value(key: str, raw: Any) -> Any:
    kind, low, high = _RULES[key]
    text = raw if isinstance(raw, str) else json.dumps(raw)
    text = text.strip()
    if kind == "str":
        return text
    if kind in ("delta", "epochs") and text == "auto":
        return text
    if kind == "delta":
        if not 0 < _number(text) < 1:
            raise _invalid(key, raw, 'expected "auto" or a number strictly between 0 and 1')
        return text
    if kind == "epochs":
        epochs = _number(text)
        if not (math.isfinite(epochs) and epochs == int(epochs) and low <= epochs <= high):
            raise _invalid(key, raw, f'expected "auto" or a whole number in [{low:g}, {high:g}]')
        return int(epochs)
    if kind == "json":
        try:
            parsed = json.loads(text) if text else {}
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise _invalid(key, raw, "expected a JSON object")
        return text
    if kind == "choice":
        lowered = text.lower()
        if lowered not in _CHOICES[key]:
            raise _invalid(key, raw, f"expected one of {', '.join(_CHOICES[key])}")
        return lowered
    if kind == "dims":
        parts = text.strip("[]()").replace(" ", "").split(",")
        try:
            dims = tuple(int(p) for p in parts if p)
        except ValueError:
            raise _invalid(key, raw, "expected a list of layer sizes such as 128,128") from None
        if not dims or any(not low <= d <= high for d in dims):
            raise _invalid(key, raw, f"expected 1 or more sizes, each in [{low}, {high}]")
        return dims
    try:
        number = float(text)
    except ValueError:
        raise _invalid(key, raw, f"expected a number in [{low:g}, {high:g}]") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise _invalid(key, raw, f"out of range, expected a number in [{low:g}, {high:g}]")
    if kind == "int":
        if number != int(number):
            raise _invalid(key, raw, f"expected a whole number in [{low:g}, {high:g}]")
        return int(number)
    return number


def parse_hyperparameters(raw: dict[str, Any]) -> Hyperparameters:
    """Validate SageMaker's string-valued hyperparameters into `Hyperparameters`.

    Unknown keys are refused (a typo would silently fall back to a default), except the
    `sagemaker_*` keys that SageMaker's framework estimators add.
    """
    if not isinstance(raw, dict):
        raise _invalid("(all)", raw, "expected a JSON object of name -> value")
    known = {f.name for f in fields(Hyperparameters)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key.startswith("sagemaker_"):
            continue
        if key not in known:
            raise _invalid(key, value, f"unknown hyperparameter; known: {', '.join(sorted(known))}")
        values[key] = _parse_value(key, value)
    params = Hyperparameters(**values)
    if params.eval_every > params.epochs:
        raise _invalid("eval_every", params.eval_every, f"must not exceed epochs ({params.epochs})")
    return params


def refuse_bad_hyperparameters(values: dict[str, Any], *, fix: str, step: str) -> Hyperparameters:
    """`parse_hyperparameters` for values a person wrote before any training starts: a
    problem is an InputRefused with the fix that fits where they wrote them."""
    try:
        return parse_hyperparameters(values)
    except PipelineError as error:
        raise InputRefused(
            code="bad_hyperparameter",
            message=error.message,
            fix=fix,
            details=error.details,
            step=step,
        ) from None


def load_hyperparameters(text: str | None) -> Hyperparameters:
    """From the text of hyperparameters.json; None (no file) gives the defaults."""
    if text is None or not text.strip():
        return Hyperparameters()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise StepFailed(
            code="bad_hyperparameter",
            message=f"hyperparameters.json is not valid JSON: {error}.",
            fix="Pass hyperparameters as a JSON object of strings.",
            step=STEP,
        ) from error
    return parse_hyperparameters(raw)
