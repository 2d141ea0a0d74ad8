"""SDV 2.x metadata built from our schema.json, never re-detected.

SDV's own detection gets BankSim wrong (zip codes become faked `postcode` PII, the
4,000-value `customer` id is one-hot encoded: FIELD_NOTES), so the sdtypes come from the
types Prepare recorded.

Decisions:
- Only role=feature columns are modelled. Identifiers are never included: TVAE would
  one-hot encode them (memory, memorisation); the generate step makes fresh ones.
- `text` columns are excluded: TVAE cannot learn free text, and text is where personal
  data hides.
- Integers with few distinct values (<= SMALL_INTEGER_MAX_DISTINCT, e.g. a 0/1 `fraud`
  flag, a 1-5 rating) are categorical: a softmax reproduces a small set of codes exactly
  and keeps a rare class as its own output, where a Gaussian mixture would smear 0/1 into
  fractions and round them back. Wider integers (BankSim's `step`, 0-179) stay
  numerical: their order matters and one-hot would cost 180 outputs.
- Codes are categories. Prepare types whole numbers that are codes (states, regions,
  industries, year-like keys: `synthpipe.prepare._infer.code_reason`) as categorical,
  so their text is kept and rare codes are folded. SDV's own semantic detection is a
  second opinion here: an integer column whose input name SDV calls an administrative
  unit, a post code, a country code or a city (`Metadata.detect_from_dataframes`, which
  judges those by name) is modelled as a category too, up to MAX_CODE_VALUES values,
  unless the dataset config forced its type. A category can only come back as one of
  the categories the model was fitted on (and generate checks it).
- The target column, when configured, is categorical when it is an integer or boolean:
  its class rate is what the rare-class check measures and conditions on.
- Dates and timestamps are `datetime` without `datetime_format`: the cleaned Parquet
  holds real date/timestamp values, and SDV wants a format only for string dates (it
  warns otherwise). The raw format Prepare found stays in schema.json.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import pandas as pd
from sdv.metadata import Metadata

from synthpipe.schema import MAX_CODE_VALUES, ColumnSchema, DatasetSchema

TABLE = "table"
SMALL_INTEGER_MAX_DISTINCT = 10
MODELLED_TYPES = ("integer", "decimal", "boolean", "date", "timestamp", "categorical")
# SDV semantic sdtypes that mean "a code": its detection names them from the column name.
CODE_SEMANTICS = frozenset({"administrative_unit", "postcode", "country_code", "city"})


def is_modelled(column: ColumnSchema) -> bool:
    """A column the synthesizer learns: a feature of a type TVAE can model."""
    return column.role == "feature" and column.type in MODELLED_TYPES


def modelled_columns(schema: DatasetSchema) -> list[str]:
    """Names of the columns the model is trained on, in schema order."""
    return [c.name for c in schema.columns if is_modelled(c)]


@cache
def sdv_semantic_sdtypes(names: tuple[str, ...]) -> dict[str, str]:
    """SDV's semantic detection for these column names (sdv 2.0: the public
    `Metadata.detect_from_dataframes`; names such as `state` or `zipcode` are judged by
    name before any value, so one dummy row is enough and no data is passed)."""
    if not names:
        return {}
    frame = pd.DataFrame({name: [0] for name in names})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detected = Metadata.detect_from_dataframes({TABLE: frame}, infer_keys=None)
    columns = detected.to_dict()["tables"][TABLE]["columns"]
    return {name: spec["sdtype"] for name, spec in columns.items()}


def sdv_says_code(column: ColumnSchema) -> bool:
    """SDV's semantic detection calls the column's input name a code (a region, a post
    code, a country code): an integer column with a bounded number of values, whose type
    the dataset config did not force, is then modelled as a category."""
    # code_reason on an integer column: Prepare saw a code and kept it a number on
    # purpose (codes that fill their range); the name alone must not undo that.
    if column.type != "integer" or column.type_source == "config" or column.code_reason:
        return False
    if not 0 < column.distinct_count <= MAX_CODE_VALUES:
        return False
    name = column.original_name or column.name
    return sdv_semantic_sdtypes((name,)).get(name) in CODE_SEMANTICS


def column_metadata(column: ColumnSchema, target_column: str | None = None) -> dict[str, Any]:
    """The SDV column entry for one modelled column."""
    is_target = column.name == target_column
    if column.type == "categorical":
        return {"sdtype": "categorical"}
    if column.type == "boolean":
        return {"sdtype": "categorical"} if is_target else {"sdtype": "boolean"}
    if column.type == "integer":
        few_values = 0 < column.distinct_count <= SMALL_INTEGER_MAX_DISTINCT
        if is_target or few_values or sdv_says_code(column):
            return {"sdtype": "categorical"}
        # No `computer_representation`: sdv 2.0 deprecates and ignores it (it keeps
        # the training dtype and rounding instead).
        return {"sdtype": "numerical"}
    if column.type == "decimal":
        return {"sdtype": "numerical"}
    if column.type in ("date", "timestamp"):
        return {"sdtype": "datetime"}
    raise ValueError(f"column {column.name!r}: type {column.type!r} is not modelled")


def metadata_dict(schema: DatasetSchema, target_column: str | None = None) -> dict[str, Any]:
    """The metadata as SDV's V1 dict (also written next to the model)."""
    columns = {c.name: column_metadata(c, target_column) for c in schema.columns if is_modelled(c)}
    return {"METADATA_SPEC_VERSION": "V1", "tables": {TABLE: {"columns": columns}}}


def build_metadata(schema: DatasetSchema, target_column: str | None = None) -> Metadata:
    """SDV `Metadata` for the modelled columns of `schema`, validated by SDV."""
    metadata = Metadata.load_from_dict(metadata_dict(schema, target_column))
    metadata.validate()
    return metadata


def sdtypes(metadata: Metadata) -> dict[str, str]:
    """Column name -> sdtype of the single table."""
    columns = metadata.to_dict()["tables"][TABLE]["columns"]
    return {name: spec["sdtype"] for name, spec in columns.items()}
