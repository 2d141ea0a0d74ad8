"""`evaluate`: fidelity, privacy and utility of one synthetic data set, and the gate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from synthpipe.errors import StepFailed
from synthpipe.evaluate import fidelity, privacy, utility
from synthpipe.evaluate.attacks import AttackLimits, attack_risks
from synthpipe.evaluate.disclosure import QUANTILES, Disclosure
from synthpipe.evaluate.frames import sample, with_datetimes
from synthpipe.evaluate.gate import STEP, Thresholds, check, verdict
from synthpipe.evaluate.report import Privacy, Quality, Report, SampleSizes, jsonable
from synthpipe.lookups import lookups_from
from synthpipe.orders import orders_from
from synthpipe.protection import ValueProtection
from synthpipe.schema import DatasetSchema
from synthpipe.tails import clip_to_bounds
from synthpipe.train.categories import code_columns
from synthpipe.train.metadata import TABLE, metadata_dict, modelled_columns

# Subsample sizes; 50,000 rows evaluate in well under 60 s on 2 cores with these.
QUALITY_ROWS = 20_000
# Synthetic rows measured, and the most training and holdout rows they are measured
# against (as many as the holdout, up to this: see privacy.memorisation).
PRIVACY_ROWS = 3_000
PRIVACY_REFERENCE_ROWS = 20_000
UTILITY_ROWS = 50_000
PREPARE_KEYS = ("column", "action", "entity_types", "reason")


def evaluate(
    *,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: DatasetSchema,
    target_column: str | None,
    thresholds: Thresholds,
    seed: int = 0,
    lineage: dict[str, Any],
    prepare_summary: list[dict[str, Any]],
    quality_rows: int = QUALITY_ROWS,
    privacy_rows: int = PRIVACY_ROWS,
    privacy_reference_rows: int = PRIVACY_REFERENCE_ROWS,
    utility_rows: int = UTILITY_ROWS,
    attack_limits: AttackLimits | None = None,
    differential_privacy: dict[str, Any] | None = None,
    tails: dict[str, Any] | None = None,
    orders: list[dict[str, str]] | None = None,
    lookups: list[dict[str, Any]] | None = None,
) -> Report:
    """Evaluate `synthetic` against the real `train` rows (what the model saw) and the
    `holdout` rows (what it never saw), and apply the release gate.

    Columns evaluated: the modelled columns of `schema` (features TVAE learns, with the
    sdtypes training used). The PII rescan reads every column of `synthetic`.
    `prepare_summary` is Prepare's list of {column, action, entity_types, reason};
    `lineage` is any JSON object (source, versions, run id) copied into the report.
    The report prints only what schema.json's `value_protection` allows (its k; defaults
    when absent): see `disclosure`. `attack_limits` bounds the attack-based privacy
    measures (`attacks`). `differential_privacy` is training.json's `privacy`, copied.
    `tails` is training.json's `tails`: fidelity compares the synthetic rows clipped back
    to those bounds with the cleaned rows (what the model made against what it saw);
    privacy reads the rows as released. `orders` is training.json's `orders`: the
    diagnostic counts the synthetic rows, as released, that break one; `lookups`
    (training.json's `lookups`) likewise.
    Raises StepFailed when the frames cannot be evaluated (missing columns, no rows).
    """
    metadata, sdtypes = _metadata(schema, target_column, train, holdout, synthetic)
    protection = _protection(schema)
    train, holdout, synthetic = (with_datetimes(f, sdtypes) for f in (train, holdout, synthetic))
    columns = list(sdtypes)
    real, synth = train[columns], clip_to_bounds(synthetic[columns], tails or {})
    # Which labels the report may print: counted on every real row the evaluation reads.
    disclosure = Disclosure.from_real(
        [real, holdout[columns]], sdtypes, protection.min_category_count
    )
    timings: dict[str, float] = {}
    timed = _timer(timings)

    real_q = sample(real, quality_rows, seed)
    synth_q = sample(synth, quality_rows, seed + 1)
    scores = timed("quality", lambda: fidelity.quality(real_q, synth_q, metadata))
    # The ceiling: real rows the model never saw, scored the same way against the same
    # training sample.
    holdout_q = sample(holdout[columns], quality_rows, seed + 2)
    ceiling_scores = timed("quality_ceiling", lambda: fidelity.quality(real_q, holdout_q, metadata))
    diagnostic = timed("diagnostic", lambda: fidelity.diagnostic(real, synth, metadata))
    diagnostic["unknown_categories"] = timed(
        "unknown_categories",
        lambda: fidelity.unknown_categories(
            pd.concat([real, holdout[columns]], ignore_index=True),
            synth,
            sdtypes,
            code_columns(schema),
        ),
    )
    diagnostic["orders"] = fidelity.broken_orders(synthetic[columns], orders_from(orders))
    diagnostic["lookups"] = fidelity.broken_lookups(synthetic[columns], lookups_from(lookups))
    summaries = timed(
        "summaries", lambda: fidelity.column_summaries(real, synth, sdtypes, disclosure)
    )
    plots = timed("plots", lambda: _plots(real_q, synth_q, sdtypes, disclosure))
    memo = timed(
        "closer_to_training",
        lambda: privacy.memorisation(
            train=train,
            holdout=holdout,
            synthetic=synthetic,
            sdtypes=sdtypes,
            reference_rows=privacy_reference_rows,
            query_rows=privacy_rows,
            seed=seed,
        ),
    )
    copies = timed(
        "exact_copies",
        lambda: privacy.exact_copies(
            train=train,
            holdout=holdout,
            synthetic=synthetic,
            sdtypes=sdtypes,
            duplicate_share=schema.duplicate_rows_dropped / max(1, schema.input_rows),
        ),
    )
    pii = timed("pii_rescan", lambda: privacy.pii_rescan(synthetic, [train, holdout]))
    attacks = timed(
        "attacks",
        lambda: attack_risks(
            train=train,
            holdout=holdout,
            synthetic=synthetic,
            sdtypes=sdtypes,
            seed=seed,
            limits=attack_limits or AttackLimits(),
            associations=plots["associations"],
        ),
    )
    rate, useful = None, None
    if target_column:
        all_real = pd.concat([train[[target_column]], holdout[[target_column]]])
        rate = utility.target_rate(
            all_real, synthetic, target_column, thresholds.target_rate, disclosure
        )
        useful = timed(
            "utility",
            lambda: utility.utility(
                train=train,
                holdout=holdout,
                synthetic=synthetic,
                sdtypes=sdtypes,
                target=target_column,
                rows=utility_rows,
                seed=seed,
                disclosure=disclosure,
            ),
        )

    quality = _quality(scores, summaries, plots["associations"])
    quality.ceiling = fidelity.ceiling(
        quality.score, ceiling_scores["score"], len(holdout_q), len(synth_q)
    )
    ratio = quality.ceiling["ratio"]
    private = Privacy(
        closer_to_training_share=memo["closer_to_training_share"],
        exact_copies=copies["exact_copies"],
        exact_copies_beyond_chance=copies["exact_copies_beyond_chance"],
        exact_copies_expected_by_chance=copies["exact_copies_expected_by_chance"],
        pii_hits=pii["pii_hits"],
        pii_columns=pii["pii_columns"],
        pii_dates_judged_on_real=pii["pii_dates_judged_on_real"],
        dcr=memo["dcr"],
        copies=copies,
    )
    gates = [
        check("quality", quality.score if quality.score is not None else float("nan"), thresholds),
        check("quality_ratio", ratio if ratio is not None else float("nan"), thresholds),
        check("association_gap", quality.association_gap["value"], thresholds),
        check("closer_to_training_share", private.closer_to_training_share, thresholds),
        check("exact_copies_beyond_chance", private.exact_copies_beyond_chance, thresholds),
        check("pii_hits", private.pii_hits, thresholds),
        *(check(name, value, thresholds) for name, value in attacks["gate_figures"].items()),
    ]
    if rate is not None:
        gates.append(check("target_rate", rate["max_relative_deviation"], thresholds))
    sizes = SampleSizes(
        train_rows=len(train),
        holdout_rows=len(holdout),
        synthetic_rows=len(synthetic),
        quality_rows=min(len(real_q), len(synth_q)),
        privacy_rows=memo["dcr"]["synthetic_rows"],
        privacy_reference_rows=memo["dcr"]["reference_rows"],
        utility_rows=None if useful is None else useful["training_rows"],
        full_scan_rows=len(synthetic),
    )
    return Report(
        dataset=schema.dataset,
        run_id=schema.run_id,
        verdict=verdict(gates),
        gates=gates,
        thresholds=thresholds.to_dict(),
        quality=quality,
        privacy=private,
        utility=useful,
        target_rate=rate,
        diagnostic=diagnostic,
        sample_sizes=sizes,
        prepare=[{k: item.get(k) for k in PREPARE_KEYS} for item in prepare_summary],
        value_protection=_protection_record(schema, protection),
        lineage=jsonable(dict(lineage)),
        plots=plots,
        seed=seed,
        timings=timings,
        attacks=attacks,
        differential_privacy=jsonable(differential_privacy or {"mode": "off"}),
    )


def _timer(timings: dict[str, float]) -> Callable[[str, Callable[[], Any]], Any]:
    def timed(name: str, work: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = work()
        timings[name] = round(time.monotonic() - started, 3)
        return result

    return timed


def _metadata(
    schema: DatasetSchema,
    target: str | None,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
) -> tuple[dict[str, Any], dict[str, str]]:
    """SDV metadata and sdtypes of the evaluated columns; refuses frames that do not fit."""
    columns = [c for c in modelled_columns(schema) if c in train.columns]
    if not columns:
        raise _refuse("no_columns", "No modelled column of schema.json is in the training rows.")
    for name, frame in (("holdout", holdout), ("synthetic", synthetic)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise _refuse("missing_columns", f"The {name} rows lack columns {missing}.")
        if len(frame) == 0:
            raise _refuse("no_rows", f"The {name} rows are empty.")
    if len(train) == 0:
        raise _refuse("no_rows", "The training rows are empty.")
    if target and target not in columns:
        raise _refuse("bad_target", f"Target column {target!r} is not an evaluated column.")
    full = metadata_dict(schema, target)
    kept = {c: full["tables"][TABLE]["columns"][c] for c in columns}
    metadata = {**full, "tables": {TABLE: {"columns": kept}}}
    return metadata, {c: spec["sdtype"] for c, spec in kept.items()}


def _refuse(code: str, message: str) -> StepFailed:
    return StepFailed(
        code=code,
        message=message,
        fix="Evaluate the synthetic output of the model trained on this schema.json.",
        step=STEP,
    )


def _protection(schema: DatasetSchema) -> ValueProtection:
    """The run's value protection as Prepare recorded it (defaults when it recorded none)."""
    try:
        return ValueProtection.from_dict(schema.value_protection)
    except (TypeError, ValueError) as error:
        raise _refuse("bad_value_protection", f"schema.json's value_protection: {error}") from None


def _protection_record(schema: DatasetSchema, protection: ValueProtection) -> dict[str, Any]:
    """What report.json records: the settings, and Prepare's counts per column (no values)."""
    return {
        "applied_by_prepare": bool(schema.value_protection),
        "settings": protection.to_dict(),
        "counted": schema.value_protection.get("counted", "rows"),
        "report_quantiles": list(QUANTILES),
        "columns": {c.name: dict(c.protection) for c in schema.columns if c.protection},
    }


def _plots(
    real: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: dict[str, str], disclosure: Disclosure
) -> dict:
    return {
        "columns": fidelity.column_plots(real, synthetic, sdtypes, disclosure),
        "associations": fidelity.associations(real, synthetic, sdtypes, disclosure.min_count),
    }


def _quality(
    scores: dict[str, Any], summaries: dict[str, dict[str, Any]], associations: dict[str, Any]
) -> Quality:
    """SDMetrics scores with each column's summary statistics next to its score."""
    columns = {
        name: {**summary, **scores["columns"].get(name, {"metric": None, "score": None})}
        for name, summary in summaries.items()
    }
    return Quality(
        score=scores["score"],
        column_shapes=scores["column_shapes"],
        column_pair_trends=scores["column_pair_trends"],
        columns=columns,
        pairs=scores["pairs"],
        association_gap=fidelity.association_gap(associations),
    )
