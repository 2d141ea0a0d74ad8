"""Privacy: memorisation of training rows, and personal data in the synthetic output.

Figures:

- closer_to_training_share: share of synthetic rows whose closest training row is closer
  than their closest holdout row (ties count one half), on equal-size random samples.
  0.5: the model is no closer to the rows it saw than to rows it never saw. It is the
  measure training uses to pick its checkpoint (`synthpipe.train.distance`).
- dcr: distance to closest record percentiles, synthetic -> training, synthetic ->
  holdout, and real holdout -> training (the baseline: how close a genuinely new real
  row is to the training data). Distances are in [0, 1], each column weighing the same.
- exact_copies: synthetic rows equal to a training row on every evaluated column; and
  exact_copies_beyond_chance, the gate figure. On coarse data, rows repeat by chance:
  on 50,000 BankSim-shaped rows (amounts in cents, 180 steps, few categories), 22 of
  10,000 *real* holdout rows equal a training row and so do 25 of 10,000 rows of an
  independent draw. A gate of "no copy at all" would then fail good data, so the chance
  rate is measured on the real data (holdout rows equal to a training row, and training
  rows with a twin in the training data) and copies are counted beyond
  expected + 3 x sqrt(expected) (a Poisson upper bound). Where rows never repeat by
  chance (expected = 0) any copy fails the gate. Prepare drops exact duplicate rows
  before the holdout is split, so the rows evaluated here can no longer show how often a
  real row repeats another: the share of input rows Prepare dropped as duplicates
  (schema.json) is added to the chance rate. On slid (5 columns, 5,940 rows, 814 of them
  duplicates) the deduplicated rows gave a chance rate of 1%, the rows as uploaded 22%,
  and an ARGN model's 564 copies of 5,126 rows (11%) failed the gate as memorisation.
  Where fewer than 1% of real rows repeat by chance, generate has already replaced every
  sampled row equal to a real row (`synthpipe.evaluate.copies`), so the count reads 0.
- pii_hits: columns of the synthetic output flagged by a full scan with the same
  detectors Prepare and verify use (`synthpipe.pii.scan_columns`); dates that spread
  like births are judged on the real column the model learnt (`pii_rescan`).

Our share versus SDMetrics' DCROverfittingProtection (0.32). Both take, per synthetic
row, the distance to the closest training and the closest holdout row, and both weigh
every column equally (a category counts 0 or 1, a missing value 1). They differ in:

1. Numeric scale. SDMetrics divides |a - b| by the range (max - min) of the reference
   set, computed separately for the training and for the holdout sample, so the two
   distances are on different scales, and one extreme value decides the scale of a
   heavy-tailed column. We use mid-ranks of the pooled samples: one percentile weighs
   the same everywhere and for both sets. Measured on BankSim-shaped data, an
   independent draw (which should score 0.5): four pairs of 1,000-row samples gave 0.49
   to 0.51 with ours and 0.42 to 0.70 with SDMetrics', following which sample held the
   larger amount range (training 2,197 vs holdout 648 gave 0.70, a false alarm); in
   tests/test_evaluate.py one training amount set to 8,000 moves SDMetrics' share from
   0.36 to 0.65 and ours not at all (0.46).
2. Ties. SDMetrics counts a tie as closer to holdout (strict `<`); we count one half.
   Ties are frequent on coarse data (few categories, rounded numbers): on the BankSim
   columns age, gender, category and fraud alone, an independent draw scores 0.50 with
   ours and 0.04 with SDMetrics', which would also hide copying there.
3. Reported figure. SDMetrics reports score = min(1, 2 x (1 - share)); the share itself
   is in its breakdown (`closer_to_training`). A share of 0.55 is a score of 0.90.
4. Sampling. SDMetrics subsamples with an unseeded `DataFrame.sample`; ours is seeded,
   so a report can be reproduced, and the gate reads the mean of DRAWS draws (each one
   is listed in the report's `dcr.closer_to_training_draws`).
Both flag copies of training rows (share > 0.95 when every synthetic row copies a row of
the training sample). Both are diluted when the training sample is a fraction of the
training rows: see `memorisation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from synthpipe.evaluate.copies import allowed_by_chance, chance_rate, row_keys
from synthpipe.pii import DATE_OF_BIRTH, ColumnFinding, scan_columns, scan_values
from synthpipe.train.distance import DRAWS, nearest_distances, paired_draws

PERCENTILES = (1, 5, 25, 50, 75, 95)


def memorisation(
    *,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    sdtypes: dict[str, str],
    reference_rows: int,
    query_rows: int,
    seed: int,
    draws: int = DRAWS,
) -> dict[str, Any]:
    """closer_to_training_share (the mean of `draws` draws, each listed in the dcr) and
    DCR percentiles (of the first draw).

    `query_rows` synthetic rows are measured against equal-size samples of up to
    `reference_rows` training and holdout rows. The reference samples should be as large
    as the holdout: only copies of sampled training rows can be closer to training, so
    pure copies score 0.5 + 0.5 x sample / len(train) (`max_share_for_pure_copies`).
    """
    columns = list(sdtypes)
    frames = synthetic[columns], train[columns], holdout[columns]
    runs = paired_draws(*frames, sdtypes, reference_rows, seed, draws, query_rows)
    shares = [run.closer_to_training_share for run in runs]
    distances = runs[0]
    # The holdout sample is in random order: its first rows are a random subsample.
    baseline_queries = distances.holdout_sample.iloc[:query_rows]
    baseline = nearest_distances(baseline_queries, distances.train_sample, distances.space)
    return {
        "closer_to_training_share": float(np.mean(shares)),
        "dcr": {
            "closer_to_training_draws": [round(share, 6) for share in shares],
            "reference_rows": distances.rows,
            "synthetic_rows": len(distances.synthetic_to_train),
            "baseline_rows": len(baseline),
            "max_share_for_pure_copies": 0.5 + 0.5 * distances.rows / len(train),
            "percentiles": list(PERCENTILES),
            "synthetic_to_train": _percentiles(distances.synthetic_to_train),
            "synthetic_to_holdout": _percentiles(distances.synthetic_to_holdout),
            "holdout_to_train": _percentiles(baseline),
            "share_at_zero": {
                "synthetic_to_train": float(np.mean(distances.synthetic_to_train == 0)),
                "synthetic_to_holdout": float(np.mean(distances.synthetic_to_holdout == 0)),
                "holdout_to_train": float(np.mean(baseline == 0)),
            },
        },
    }


def _percentiles(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in np.percentile(values, PERCENTILES)]


def exact_copies(
    *,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    sdtypes: dict[str, str],
    duplicate_share: float = 0.0,
) -> dict[str, Any]:
    """Synthetic rows equal to a training row, and how many chance explains (see module).

    `duplicate_share`: the share of input rows that Prepare dropped as exact duplicates
    of another row; repeats the (deduplicated) frames here cannot show.
    """
    train_keys = row_keys(train, sdtypes)
    chance = chance_rate(train_keys, row_keys(holdout, sdtypes), duplicate_share)
    copies = int(np.isin(row_keys(synthetic, sdtypes), train_keys).sum())
    expected = chance.rate * len(synthetic)
    allowed = allowed_by_chance(expected)
    return {
        "exact_copies": copies,
        "exact_copies_share": copies / max(1, len(synthetic)),
        "exact_copies_expected_by_chance": round(expected, 3),
        "exact_copies_allowed_by_chance": allowed,
        "exact_copies_beyond_chance": max(0, copies - allowed),
        "chance_rate": chance.rate,
        "holdout_rows_equal_to_training": chance.holdout_rows_equal_to_training,
        "training_rows_with_twin": chance.training_rows_with_twin,
        "input_duplicate_share": duplicate_share,
    }


def pii_rescan(synthetic: pd.DataFrame, real: list[pd.DataFrame]) -> dict[str, Any]:
    """Full scan of every column and value of the synthetic output; names and types only.

    Dates of birth are the one type the detectors see in a column's spread, not in its
    values: a model's dates for a monthly series fall on any day, and so spread like
    births. Such a column is judged on every real row (`real`: the training and holdout
    frames, the whole cleaned column, as a calendar shows only whole): when they are no
    dates of birth (Prepare and verify found none there either), it is listed under
    pii_dates_judged_on_real, not flagged."""
    columns = {name: _arrow(synthetic[name]) for name in synthetic.columns}
    findings = [f for f in scan_columns(columns) if f.is_pii]
    on_real = [f.name for f in findings if _births_only_in_spread(f) and _no_births(real, f.name)]
    flagged = {f.name: list(f.entity_types) for f in findings if f.name not in on_real}
    return {
        "pii_hits": len(flagged),
        "pii_columns": flagged,
        "pii_dates_judged_on_real": on_real,
        "pii_rows_scanned": len(synthetic),
        "pii_columns_scanned": len(columns),
    }


def _births_only_in_spread(finding: ColumnFinding) -> bool:
    return finding.entity_types == [DATE_OF_BIRTH] and finding.evidence == "values"


def _no_births(real: list[pd.DataFrame], name: str) -> bool:
    if not all(name in frame.columns for frame in real):
        return False
    column = pd.concat([frame[name] for frame in real], ignore_index=True)
    return not scan_values(name, _arrow(column)).is_pii


def _arrow(series: pd.Series) -> pa.Array:
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed Python objects: scan their text.
        return pa.array(series.astype("string"), from_pandas=True)
