"""Differentially private statistics for preprocessing under DP training (issue 14).

SDV's data processor and ctgan's `DataTransformer` learn from the rows they are fitted on:
min/max and rounding, category sets, null shares and one Gaussian mixture per number.
Fitted on real rows, that would spend privacy that no accountant counts. Under DP they
are fitted on a **proxy table** drawn from the DP marginals computed here (fitting on it
is post-processing, so free); the real rows are only transformed, row by row, after
`DpStatistics.restrict` has clipped them into the DP bounds and dropped rows whose
category is outside the kept set.

Decisions:
- Every modelled column gets an equal share of `epsilon` (the sum is the budget): its
  shape (histogram or category counts, with the null share) is private whatever is
  declared. A public declaration (config `bounds`/`categories`, or `{False, True}` for a
  boolean by its type) makes the bounds or the category set free: the column's whole
  share then goes to the counts, and a public set needs no threshold and no delta.
- Neighbouring tables differ by one row added or removed (as Opacus counts). A row
  falls into exactly one bin (or the null bucket) of a column's histogram, so one
  geometric noise per count at the column's epsilon covers all of them.
- Private category sets use the stability-based histogram: each label present gets a
  two-sided geometric noise and is kept only if its noisy count reaches a threshold
  set from epsilon and delta, so a label held by one row is released with probability
  at most delta. Missing values are a bucket of their own, always counted, never
  thresholded (whether a column may be missing is not private); a null count within
  the noise (`_noise_floor`) is taken as zero, so a column without nulls gets none.
- Private numeric bounds come from a DP histogram over data-independent coarse bins:
  quarter decades from 1e-6 to 1e15 on both sides of zero, calendar years 1678-2262 for
  datetimes (seconds since 1970). Among the bins whose noisy count stands out of the
  noise, the edges where the cumulative share passes 1% and 99% are the bounds: DP
  1%/99% quantiles at the grid's resolution (a factor of 1.78, or a year). Not
  diffprivlib's `quantile`: its exponential mechanism weighs each gap between values
  by its length, and the empty stretch to any data-independent outer bound (its
  `bounds`) outweighed the data: at 0.04 per quantile, a 2024 timestamp column of 10,000
  rows got a bound in the year 8387. Half of
  the column's share goes to the bounds, half to a histogram of 32 equal bins between
  them (integers: at most one bin per value).
- The proxy's columns are independent draws from these marginals: uniform within a bin,
  integers rounded, each bound and each kept category present at least once (so SDV
  learns the DP range and ctgan one-hot encodes every kept category).
- The input frame's dtypes are taken as public (the schema's): a numpy integer or bool
  column holds no nulls, so its proxy draws none. Whether a float column holds whole
  numbers is data, so it is said by the caller (`integers`), not detected.
- `columns` and `to_dict()` hold counts, epsilons and public bounds only: never a real
  label or value. DP bounds and labels stay in the object (`restrict`, the proxy,
  `kept_categories`).

diffprivlib 0.6.6 (the latest release) imports `DOUBLE` and `DTYPE` from
`sklearn.tree._tree` for its random forest; scikit-learn 1.9 removed both, so
`import diffprivlib` fails. `_diffprivlib()` sets the two names back (the values they
had, float64 and float32; no scikit-learn code reads them any more) before importing it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.dataset_config import PublicDeclarations
from synthpipe.errors import StepFailed
from synthpipe.train.sampling import MISSING, class_labels

STEP = "train"
CATEGORY_SDTYPES = ("categorical", "boolean")
NUMBER_SDTYPES = ("numerical", "datetime")
LOWER_QUANTILE, UPPER_QUANTILE = 0.01, 0.99
COARSE_STEP = 0.25  # decades per bin of the bounds' histogram
NOISE_BETA = 0.05  # chance that an empty bin's noisy count passes the noise floor
BINS = 32
BOUNDS_SHARE = 0.5  # of a numeric column's epsilon, when its bounds are not public
EPOCH = pd.Timestamp("1970-01-01")


@cache
def _diffprivlib() -> SimpleNamespace:
    """diffprivlib's tools, mechanisms and accountant, importable beside scikit-learn 1.9."""
    import sklearn.tree._tree as sk_tree

    for name, dtype in (("DOUBLE", np.float64), ("DTYPE", np.float32)):
        if not hasattr(sk_tree, name):
            setattr(sk_tree, name, dtype)
    from diffprivlib import mechanisms, tools
    from diffprivlib.accountant import BudgetAccountant

    return SimpleNamespace(tools=tools, mechanisms=mechanisms, BudgetAccountant=BudgetAccountant)


@dataclass(frozen=True)
class _NumberStat:
    """A numeric or datetime column: bounds, a DP histogram between them, DP nulls."""

    bounds: tuple[float, float]
    edges: np.ndarray  # of the histogram's bins
    counts: np.ndarray  # per bin
    nulls: int  # noisy count of missing values (0 when the dtype cannot hold one)
    integer: bool
    datetime: bool


@dataclass(frozen=True)
class _CategoryStat:
    """A categorical or boolean column: the kept labels (real values) and their counts."""

    labels: tuple[Any, ...]
    counts: np.ndarray
    nulls: int  # noisy count of missing values; 0 means missing is not kept


@dataclass
class DpStatistics:
    """What DP preprocessing found and spent: fit SDV's processor and ctgan's transformer
    on `proxy`, transform only `restrict`ed real rows, report `to_dict()`."""

    epsilon: float  # spent by preprocessing
    delta: float  # spent by preprocessing (category thresholding needs delta)
    columns: list[dict]  # per column: counts, epsilons and public bounds only
    proxy: pd.DataFrame  # rows drawn from the DP marginals; the input's columns and dtypes
    target_rates: dict[str, float] | None  # DP class shares of the target (labels as text)
    _stats: dict[str, _NumberStat | _CategoryStat] = field(default_factory=dict, repr=False)

    def restrict(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """Real rows made to fit the DP statistics: numbers (and datetimes) clipped into
        the bounds, rows whose category is outside the kept set dropped. Returns (rows,
        dropped count). Per-row: spends no privacy. The count is exact, not DP: keep it
        out of anything published."""
        rows = self.clip(frame)
        keep = np.ones(len(rows), dtype=bool)
        for name, stat in self._stats.items():
            if isinstance(stat, _CategoryStat):
                keep &= _in_kept_set(rows[name], stat)
        return rows[keep], int((~keep).sum())

    def clip(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Real rows with numbers (and datetimes) clipped into the DP bounds, every row
        kept: for an engine that encodes a category outside the kept set as a token of
        its own and never samples it (TabularARGN's unknown token)."""
        rows = frame.copy()
        for name, stat in self._stats.items():
            if isinstance(stat, _NumberStat):
                rows[name] = _clip(rows[name], stat)
        return rows

    def kept_categories(self) -> dict[str, list[str]]:
        """Column -> kept labels as text (MISSING for missing values), as categories.json
        holds them: under DP, generate keeps to these, not to every real label."""
        kept = {}
        for name, stat in self._stats.items():
            if isinstance(stat, _CategoryStat):
                labels = class_labels(pd.Series(stat.labels, dtype=object)).tolist()
                kept[name] = sorted(labels + ([MISSING] if stat.nulls > 0 else []))
        return kept

    def to_dict(self) -> dict:
        """For report.json / training.json: no real label or value."""
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "proxy_rows": len(self.proxy),
            "target_classes": None if self.target_rates is None else len(self.target_rates),
            "columns": self.columns,
        }


def _clip(series: pd.Series, stat: _NumberStat) -> pd.Series:
    low, high = stat.bounds
    if stat.datetime:
        low_time, high_time = (EPOCH + pd.Timedelta(seconds=b) for b in (low, high))
        return series.clip(low_time, high_time)
    if stat.integer:
        low, high = math.ceil(low), math.floor(high)
    return series.clip(low, high)


def _in_kept_set(series: pd.Series, stat: _CategoryStat) -> np.ndarray:
    missing = series.isna().to_numpy()
    present = series.isin(list(stat.labels)).to_numpy() & ~missing
    return present | (missing & (stat.nulls > 0))


def dp_statistics(
    frame: pd.DataFrame,
    sdtypes: dict[str, str],
    epsilon: float,
    delta: float,
    public: PublicDeclarations,
    seed: int,
    target: str | None = None,
    proxy_rows: int = 5000,
    *,
    integers: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
) -> DpStatistics:
    """DP bounds, category sets and histograms of the modelled columns of `frame` (those
    in `sdtypes`), spending at most (`epsilon`, `delta`), and a proxy table drawn from
    them. `integers`: float columns that hold whole numbers (nullable integers); `dates`:
    datetime columns that hold calendar dates (the proxy's are whole days, so SDV learns
    a date). Both come from the schema: whether values are whole is data.

    Raises ValueError for arguments that do not fit together (a bug of the caller) and
    `StepFailed(dp_budget_unreachable)` when the statistics would be useless."""
    _check_arguments(frame, sdtypes, epsilon, delta, public, target, proxy_rows)
    wrong = [n for n in integers if sdtypes.get(n) != "numerical"]
    wrong += [n for n in dates if sdtypes.get(n) != "datetime"]
    if wrong:
        raise ValueError(f"columns {wrong}: integers must be numerical, dates datetime columns")
    dpl = _diffprivlib()
    ledger = dpl.BudgetAccountant()  # records each spend; no ceiling: the split is ours
    random_state = np.random.RandomState(seed)
    share = epsilon / len(sdtypes)
    private_sets = [
        n
        for n, s in sdtypes.items()
        if s in CATEGORY_SDTYPES and _public_labels(frame[n], n, s, public) is None
    ]
    if private_sets and delta <= 0:
        raise _unreachable(frame, private_sets[0], "a private category set needs delta > 0")
    column_delta = delta / len(private_sets) if private_sets else 0.0
    stats, columns = {}, []
    for name, sdtype in sdtypes.items():
        series = frame[name]
        try:
            if sdtype in NUMBER_SDTYPES:
                integer = _is_integer(series) or name in integers
                stat, info = _number_stat(
                    series, name, share, public, integer, random_state, ledger
                )
            else:
                labels = _public_labels(series, name, sdtype, public)
                stat, info = _category_stat(
                    series, name, share, column_delta, labels, random_state, ledger
                )
        except _Useless as useless:
            raise _unreachable(frame, useless.name, useless.why) from None
        stats[name] = stat
        columns.append({"name": name, "sdtype": sdtype, **info})
    rng = np.random.default_rng(seed)
    # Every kept category appears at least once, whatever proxy_rows says.
    rows = max(
        [proxy_rows] + [len(s.labels) + 1 for s in stats.values() if isinstance(s, _CategoryStat)]
    )
    proxy = pd.DataFrame(
        {name: _proxy_column(frame[name], stats[name], rows, rng) for name in sdtypes}
    )
    for name in dates:
        proxy[name] = proxy[name].dt.floor("D")
    spent_epsilon, spent_delta = ledger.total()
    return DpStatistics(
        epsilon=float(spent_epsilon),
        delta=float(spent_delta),
        columns=columns,
        proxy=proxy,
        target_rates=_target_rates(stats[target]) if target else None,
        _stats=stats,
    )


def _check_arguments(
    frame: pd.DataFrame,
    sdtypes: dict[str, str],
    epsilon: float,
    delta: float,
    public: PublicDeclarations,
    target: str | None,
    proxy_rows: int,
) -> None:
    if not sdtypes:
        raise ValueError("no columns to take DP statistics of")
    missing = sorted(set(sdtypes) - set(frame.columns))
    if missing:
        raise ValueError(f"columns {missing} are in sdtypes but not in the frame")
    unsupported = {n: s for n, s in sdtypes.items() if s not in CATEGORY_SDTYPES + NUMBER_SDTYPES}
    if unsupported:
        raise ValueError(
            f"sdtypes {unsupported} have no DP statistics here; model only numerical, "
            "datetime, categorical and boolean columns under DP"
        )
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("epsilon must be a positive finite number")
    if not 0 <= delta < 1:
        raise ValueError("delta must be in [0, 1)")
    if proxy_rows < 2:
        raise ValueError("proxy_rows must be at least 2")
    for name in public.bounds:
        if sdtypes.get(name) not in NUMBER_SDTYPES:
            raise ValueError(
                f"public bounds given for {name!r}, which is not a modelled number or date"
            )
    for name in public.categories:
        if sdtypes.get(name) not in CATEGORY_SDTYPES:
            raise ValueError(
                f"public categories given for {name!r}, which is not a modelled category"
            )
    if target is not None and sdtypes.get(target) not in CATEGORY_SDTYPES:
        raise ValueError(f"target {target!r} is not a modelled categorical or boolean column")


class _Useless(Exception):
    """A column whose DP statistics would be useless (raised inside, named by position
    outside: messages carry column positions, never a header)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(why)
        self.name, self.why = name, why


def _unreachable(frame: pd.DataFrame, name: str, why: str) -> StepFailed:
    position = list(frame.columns).index(name) + 1
    return StepFailed(
        code="dp_budget_unreachable",
        message=(
            f"Differential privacy: no useful statistics for training column {position} "
            f"(schema.json's column order): {why}."
        ),
        fix=(
            "Raise privacy.epsilon (or delta), declare the column's bounds or categories "
            "public in config, or leave the column out."
        ),
        details={"column_position": position},
        step=STEP,
    )


def _holds_nulls(series: pd.Series) -> bool:
    """Whether the dtype can hold a missing value (a numpy int or bool cannot)."""
    dtype = series.dtype
    return not (isinstance(dtype, np.dtype) and dtype.kind in "biu")


def _is_integer(series: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(series.dtype)


def _is_bool(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series.dtype)


def _public_labels(
    series: pd.Series, name: str, sdtype: str, public: PublicDeclarations
) -> tuple[Any, ...] | None:
    """The column's public category set as values of its dtype, or None when private."""
    if name in public.categories:
        return tuple(_as_value(series, name, label) for label in public.categories[name])
    if sdtype == "boolean" or _is_bool(series):
        return (False, True)  # public by type
    return None


def _as_value(series: pd.Series, name: str, label: str) -> Any:
    try:
        if _is_bool(series):
            return {"true": True, "false": False}[label.strip().lower()]
        if _is_integer(series):
            return int(label)
        if pd.api.types.is_float_dtype(series.dtype):
            return float(label)
    except (KeyError, ValueError) as error:
        raise ValueError(f"a public category of column {name!r} does not fit its type") from error
    return label


def _threshold(epsilon: float, delta: float) -> int:
    """Noisy count a private label needs to be kept: a label held by one row reaches it
    with probability at most delta. diffprivlib's two-sided geometric noise Z at epsilon
    has P(Z >= k) = a**k / (1 + a) for k >= 1, a = exp(-epsilon)."""
    alpha = math.exp(-epsilon)
    return 1 + math.ceil(math.log(1 / (delta * (1 + alpha))) / epsilon)


def _noisy_count(count: int, epsilon: float, random_state: np.random.RandomState) -> int:
    """A count with geometric noise, truncated at zero (as diffprivlib's histogram does)."""
    mechanism = _diffprivlib().mechanisms.GeometricTruncated(
        epsilon=epsilon,
        sensitivity=1,
        lower=0,
        upper=np.iinfo(np.int64).max,
        random_state=random_state,
    )
    return int(mechanism.randomise(int(count)))


def _noise_floor(epsilon: float, bins: int = 1) -> int:
    """A noisy count from which no empty bin of `bins` reaches with probability 1 - NOISE_BETA
    (a truncated geometric count of zero reaches k with probability a**k / (1 + a))."""
    return math.ceil(math.log(bins / NOISE_BETA) / epsilon)


def _noisy_nulls(
    series: pd.Series, nulls: int, epsilon: float, random_state: np.random.RandomState
) -> int:
    """The null bucket's noisy count; zero when the dtype holds no nulls, or when the count
    is within the noise (post-processing: else a column without nulls would get some)."""
    if not _holds_nulls(series):
        return 0
    noisy = _noisy_count(nulls, epsilon, random_state)
    return noisy if noisy >= _noise_floor(epsilon) else 0


def _category_stat(
    series: pd.Series,
    name: str,
    epsilon: float,
    delta: float,
    labels: tuple[Any, ...] | None,
    random_state: np.random.RandomState,
    ledger: Any,
) -> tuple[_CategoryStat, dict[str, Any]]:
    missing = series.isna()
    counts = series[~missing].value_counts()
    # The null bucket is one more bin of the same histogram: no extra epsilon.
    nulls = _noisy_nulls(series, int(missing.sum()), epsilon, random_state)
    if labels is not None:
        noisy = [_noisy_count(int(counts.get(label, 0)), epsilon, random_state) for label in labels]
        ledger.spend(epsilon, 0)
        info = {
            "source": "public",
            "epsilon": epsilon,
            "delta": 0.0,
            "categories_kept": len(labels),
        }
        return _CategoryStat(labels, np.array(noisy), nulls), info | {"missing_kept": nulls > 0}
    threshold = _threshold(epsilon, delta)
    geometric = _diffprivlib().mechanisms.Geometric(
        epsilon=epsilon, sensitivity=1, random_state=random_state
    )
    # A fixed order (by text), so the same seed gives the same noise per label.
    order = sorted(counts.index, key=str)
    noisy = {label: geometric.randomise(int(counts[label])) for label in order}
    kept = [label for label in order if noisy[label] >= threshold]
    ledger.spend(epsilon, delta)
    if not kept:
        raise _Useless(name, f"no category reaches the threshold of {threshold} noisy rows")
    info = {
        "source": "dp",
        "epsilon": epsilon,
        "delta": delta,
        "threshold": threshold,
        "categories_kept": len(kept),
        "missing_kept": nulls > 0,
    }
    return _CategoryStat(tuple(kept), np.array([noisy[k] for k in kept]), nulls), info


def _coarse_edges(datetime: bool) -> np.ndarray:
    """Data-independent bin edges wide enough for any column: quarter decades from 1e-6
    to 1e15 on both sides of zero, or calendar years 1678-2262 (seconds since 1970)."""
    if datetime:
        years = pd.date_range("1678-01-01", "2262-01-01", freq="YS")
        return ((years - EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
    positive = 10.0 ** np.arange(-6, 15 + COARSE_STEP / 2, COARSE_STEP)
    return np.concatenate([-positive[::-1], positive])


def _dp_bounds(
    present: np.ndarray,
    epsilon: float,
    datetime: bool,
    random_state: np.random.RandomState,
    ledger: Any,
) -> tuple[float, float]:
    """Bounds from a DP histogram over data-independent coarse bins: among the bins whose
    noisy count stands out of the noise (`_noise_floor`), the edges where the cumulative
    share passes 1% and 99%."""
    edges = _coarse_edges(datetime)
    counts, _ = _diffprivlib().tools.histogram(
        np.clip(present, edges[0], edges[-1]),
        epsilon=epsilon,
        bins=edges,
        range=(edges[0], edges[-1]),  # the edges are data-independent; says so to diffprivlib
        random_state=random_state,
        accountant=ledger,
    )
    counts = np.where(counts >= _noise_floor(epsilon, len(counts)), counts, 0)
    if counts.sum() == 0:
        return np.nan, np.nan
    share = np.cumsum(counts) / counts.sum()
    low_bin = int(np.searchsorted(share, LOWER_QUANTILE, side="right"))
    high_bin = int(np.searchsorted(share, UPPER_QUANTILE, side="left"))
    low, high = (float(edges[low_bin]), float(edges[high_bin + 1]))
    # The bin around zero is edged at +-1e-6: data that stops at zero stops at zero.
    return (0.0 if low == -1e-6 else low), (0.0 if high == 1e-6 else high)


def _as_numbers(series: pd.Series, datetime: bool) -> np.ndarray:
    """Floats with NaN for missing values; datetimes as seconds since 1970."""
    if datetime:
        times = pd.to_datetime(series)
        return ((times - EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)


def _number_stat(
    series: pd.Series,
    name: str,
    share: float,
    public: PublicDeclarations,
    integer: bool,
    random_state: np.random.RandomState,
    ledger: Any,
) -> tuple[_NumberStat, dict[str, Any]]:
    datetime = pd.api.types.is_datetime64_any_dtype(series.dtype)
    values = _as_numbers(series, datetime)
    present = values[~np.isnan(values)]
    if name in public.bounds:
        bounds, epsilon_bounds = public.bounds[name], 0.0
    else:
        epsilon_bounds = share * BOUNDS_SHARE
        bounds = _dp_bounds(present, epsilon_bounds, datetime, random_state, ledger)
        if np.isnan(bounds[0]):
            raise _Useless(name, "no range of values stands out of the noise")
        if integer:
            bounds = (
                float(math.ceil(bounds[0])),
                float(max(math.floor(bounds[1]), math.ceil(bounds[0]))),
            )
        if not bounds[1] > bounds[0] and not integer:
            bounds = (bounds[0], bounds[0] + 1.0)
    epsilon_histogram = share - epsilon_bounds
    low, high = bounds
    # Integers get bins edged at half-units, so a whole number never sits on an edge.
    span = (low - 0.5, high + 0.5) if integer else (low, high)
    bins = min(BINS, int(high - low) + 1) if integer else BINS
    counts, edges = _diffprivlib().tools.histogram(
        np.clip(present, *span),
        epsilon=epsilon_histogram,
        bins=bins,
        range=span,
        random_state=random_state,
        accountant=ledger,
    )
    nulls = _noisy_nulls(series, int(np.isnan(values).sum()), epsilon_histogram, random_state)
    if counts.sum() == 0:
        raise _Useless(name, "every bin of its histogram is empty after the noise")
    info: dict[str, Any] = {
        "source": "dp" if epsilon_bounds else "public",
        "epsilon": share,
        "epsilon_bounds": epsilon_bounds,
        "epsilon_histogram": epsilon_histogram,
        "delta": 0.0,
        "bins": bins,
        "integer": integer,
        "missing_kept": nulls > 0,
    }
    if not epsilon_bounds:
        info["bounds"] = [_bound_text(b) if datetime else b for b in bounds]
    return _NumberStat(bounds, edges, counts, nulls, integer, datetime), info


def _bound_text(seconds: float) -> str:
    return (EPOCH + pd.Timedelta(seconds=seconds)).isoformat()


def _proxy_column(
    series: pd.Series, stat: _NumberStat | _CategoryStat, rows: int, rng: np.random.Generator
) -> pd.Series:
    if isinstance(stat, _NumberStat):
        return _proxy_numbers(series, stat, rows, rng)
    return _proxy_categories(series, stat, rows, rng)


def _proxy_numbers(
    series: pd.Series, stat: _NumberStat, rows: int, rng: np.random.Generator
) -> pd.Series:
    """Both bounds once (SDV learns its min/max from them), the rest drawn from the
    histogram and the null share: a bin by its noisy count, then uniform within it."""
    low, high = stat.bounds
    if stat.integer:
        low, high = float(math.ceil(low)), float(max(math.floor(high), math.ceil(low)))
    weights = np.append(stat.counts, stat.nulls).astype(float)
    picks = rng.choice(len(weights), size=rows - 2, p=weights / weights.sum())
    bins = np.minimum(picks, len(stat.counts) - 1)
    values = rng.uniform(stat.edges[bins], stat.edges[bins + 1])
    values[picks == len(stat.counts)] = np.nan
    if stat.integer:
        values = np.round(values)
    values = rng.permutation(np.concatenate([[low, high], np.clip(values, low, high)]))
    if stat.datetime:
        times = EPOCH + pd.to_timedelta(np.round(values), unit="s")
        return pd.Series(times).astype(series.dtype)
    return pd.Series(values).astype(series.dtype)


def _proxy_categories(
    series: pd.Series, stat: _CategoryStat, rows: int, rng: np.random.Generator
) -> pd.Series:
    """Each kept label (and missing, when kept) once, the rest drawn by noisy count."""
    options = list(stat.labels) + ([None] if stat.nulls > 0 else [])
    weights = np.append(stat.counts, stat.nulls if stat.nulls > 0 else []).astype(float)
    weights = weights if weights.sum() > 0 else np.ones(len(options))
    picks = rng.choice(len(options), size=rows - len(options), p=weights / weights.sum())
    order = rng.permutation(np.concatenate([np.arange(len(options)), picks]))
    values = pd.Series([options[i] for i in order], dtype=object)
    if isinstance(series.dtype, pd.CategoricalDtype):
        # The input's categorical dtype lists every real label: the proxy's lists the kept.
        return values.astype(pd.CategoricalDtype(list(stat.labels)))
    return values if series.dtype == object else values.astype(series.dtype)


def _target_rates(stat: _NumberStat | _CategoryStat) -> dict[str, float] | None:
    """DP class shares of the target, labels as text (sampling.class_rates' convention)."""
    assert isinstance(stat, _CategoryStat)
    labels = class_labels(pd.Series(list(stat.labels), dtype=object)).tolist()
    counts = list(stat.counts)
    if stat.nulls > 0:
        labels, counts = [*labels, MISSING], [*counts, stat.nulls]
    total = float(sum(counts))
    if total <= 0:
        return None
    return {label: float(count) / total for label, count in zip(labels, counts, strict=True)}
