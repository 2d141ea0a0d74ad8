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
  the real data lacks (generate refuses such rows).
- Only the model store is kept (`<model>/argn/ModelStore`): the engine's workspace also
  holds a copy of the training rows (OriginalData), which the model folder must not.
  Sampling writes into a temporary workspace.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

log = logging.getLogger("synthpipe.train")

FOLDER = "argn"
MODEL_STORE = "ModelStore"
# Training state that sampling never reads: left out of the model folder.
TRAINING_ONLY = ("optimizer.pt", "lr-scheduler.pt")
ENCODING = {
    "categorical": "TABULAR_CATEGORICAL",
    "boolean": "TABULAR_CATEGORICAL",
    "numerical": "TABULAR_NUMERIC_AUTO",
    "datetime": "TABULAR_DATETIME",
}
DTYPES_FILE = "dtypes.json"


@dataclass(frozen=True)
class ArgnSettings:
    """What the fit is given; ARGN stops itself at max_seconds or on its validation loss."""

    max_seconds: float
    max_epochs: float
    seed: int
    gpu: bool


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

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, sdtypes: dict[str, str], settings: ArgnSettings
    ) -> tuple[ArgnModel, float]:
        """Fit on `frame` (the training rows); returns the model and the seconds taken."""
        from mostlyai.engine import TabularARGN

        started = time.monotonic()
        temp = tempfile.TemporaryDirectory(prefix="synthpipe-argn-")
        workspace = Path(temp.name)
        engine = TabularARGN(
            max_training_time=settings.max_seconds / 60,  # minutes
            max_epochs=settings.max_epochs,
            value_protection=False,
            tgt_encoding_types={c: ENCODING[sdtypes[c]] for c in frame.columns},
            device="cuda" if settings.gpu else "cpu",
            workspace_dir=workspace,
            random_state=settings.seed % 2**32,
            verbose=0,
        )
        engine.fit(frame)
        model = cls(workspace, {c: str(t) for c, t in frame.dtypes.items()})
        model._temp = temp
        seconds = time.monotonic() - started
        log.info("argn fitted in %.1f s on %d rows", seconds, len(frame))
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
