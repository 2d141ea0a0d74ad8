"""The categories of the real data: no synthetic row may carry one the real data lacks.

Training writes `categories.json` into the model folder: per column modelled as a
category (sdtype categorical or boolean, codes included) and per code modelled as a
number (many codes filling their range), every label of the cleaned
rows (training and holdout), as text, and whether the real rows have missing values.
Generate checks every sampled row against it and replaces any row that carries another
label (`synthpipe.generate`). TVAE's one-hot outputs can only produce the categories it
was fitted on, so replacements are expected to be zero: the check makes it a guarantee,
whatever the engine.

The file lies in models/, beside the holdout rows (real data either way); the report
prints only labels seen at least k times (`synthpipe.evaluate.disclosure`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.schema import DatasetSchema
from synthpipe.train.sampling import MISSING, class_labels

FILE_NAME = "categories.json"
CATEGORY_SDTYPES = ("categorical", "boolean")


def real_categories(
    frame: pd.DataFrame, sdtypes: dict[str, str], codes: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Column -> sorted labels of the real rows (MISSING when some are missing), for the
    columns modelled as categories and the `codes` modelled as numbers."""
    columns = [c for c, sdtype in sdtypes.items() if sdtype in CATEGORY_SDTYPES or c in codes]
    return {c: sorted(set(class_labels(frame[c]))) for c in columns if c in frame}


def code_columns(schema: DatasetSchema) -> tuple[str, ...]:
    """Columns Prepare found to be codes (schema.json's code_reason), whatever their type."""
    return tuple(c.name for c in schema.columns if c.code_reason)


def write_categories(model_dir: Path, categories: dict[str, list[str]]) -> None:
    text = json.dumps({"columns": categories, "missing_label": MISSING}, indent=1)
    (model_dir / FILE_NAME).write_text(text, encoding="utf-8")


def read_categories(model_dir: Path) -> dict[str, list[str]] | None:
    """The model folder's categories; None for a model trained before they were kept."""
    path = model_dir / FILE_NAME
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data["columns"]


def unknown_rows(frame: pd.DataFrame, categories: dict[str, list[str]]) -> np.ndarray:
    """True for each row carrying a label (or a missing value) the real rows lack."""
    unknown = np.zeros(len(frame), dtype=bool)
    for column, labels in categories.items():
        if column in frame:
            unknown |= ~class_labels(frame[column]).isin(labels).to_numpy()
    return unknown


def unknown_counts(frame: pd.DataFrame, categories: dict[str, list[str]]) -> dict[str, int]:
    """Per column: rows carrying a label the real rows lack."""
    return {
        column: int((~class_labels(frame[column]).isin(labels)).sum())
        for column, labels in categories.items()
        if column in frame
    }
