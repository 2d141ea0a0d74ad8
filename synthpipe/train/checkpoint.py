"""Checkpoints in `<root>/checkpoints/`, which SageMaker syncs with S3 for spot training.

Files:
- `matrix.npy`: the preprocessed training matrix (written once; preprocessing is not
  repeated on resume, and rdt's component draws would differ if it were);
- `synthesizer.pkl`: the synthesizer with its fitted data processor and transformer
  (written once);
- `checkpoint.pt`: round state, encoder, decoder, optimizer and best decoder weights, in
  one file replaced atomically, so an interruption never leaves a half-written round;
- `state.json`: the round state again, for people.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sdv.single_table import TVAESynthesizer
from sdv.utils import load_synthesizer

from synthpipe.train.fit import ChunkedTVAE, RoundState
from synthpipe.train.hyperparameters import Hyperparameters

log = logging.getLogger("synthpipe.train")

FORMAT_VERSION = 1
# Hyperparameters that shape the model or the rows: a checkpoint written with other
# values is not resumed. The others (epochs, budgets, patience) may change on resume.
RESUME_KEYS = (
    "batch_size",
    "embedding_dim",
    "compress_dims",
    "decompress_dims",
    "l2scale",
    "loss_factor",
    "learning_rate",
    "seed",
    "holdout_fraction",
    "max_train_rows",
    "transformer_sample_rows",
    "target_column",
    "eval_sample_rows",
    # Under DP the noise multiplier and the preprocessing statistics follow from these.
    "dp_epsilon",
    "dp_delta",
    "dp_public",
    "dp_epochs",
    "dp_max_grad_norm",
    "dp_learning_rate",
)


def resume_key(params: Hyperparameters, data_fingerprint: str) -> dict[str, Any]:
    key = {name: getattr(params, name) for name in RESUME_KEYS}
    key["compress_dims"] = list(params.compress_dims)
    key["decompress_dims"] = list(params.decompress_dims)
    key["data"] = data_fingerprint
    return key


@dataclass
class Checkpoint:
    matrix: np.ndarray
    synthesizer: TVAESynthesizer
    trainer: dict[str, Any]
    state: RoundState
    best_weights: dict[str, torch.Tensor] | None


class CheckpointStore:
    def __init__(self, folder: Path, key: dict[str, Any]) -> None:
        self.folder = folder
        self.key = key

    @property
    def checkpoint_pt(self) -> Path:
        return self.folder / "checkpoint.pt"

    def save_static(self, tvae: ChunkedTVAE) -> None:
        """The parts that do not change between rounds."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.checkpoint_pt.unlink(missing_ok=True)  # a stale round would not match
        assert tvae.matrix is not None
        _atomic(self.folder / "matrix.npy", lambda p: np.save(p, tvae.matrix))
        _atomic(self.folder / "synthesizer.pkl", lambda p: tvae.synthesizer.save(str(p)))

    def save(
        self,
        tvae: ChunkedTVAE,
        state: RoundState,
        best_weights: dict[str, torch.Tensor] | None,
    ) -> None:
        payload = {
            "format": FORMAT_VERSION,
            "key": self.key,
            "state": state.to_dict(),
            "trainer": tvae.trainer_state(),
            "best_weights": best_weights,
        }
        _atomic(self.checkpoint_pt, lambda p: torch.save(payload, p))
        text = json.dumps(state.to_dict(), indent=2)
        _atomic(self.folder / "state.json", lambda p: p.write_text(text, encoding="utf-8"))

    def load(self) -> Checkpoint | None:
        """The latest checkpoint when it matches this run; None to start afresh."""
        if not self.checkpoint_pt.is_file():
            return None
        payload = torch.load(self.checkpoint_pt, map_location="cpu", weights_only=True)
        if payload.get("format") != FORMAT_VERSION or payload.get("key") != self.key:
            log.warning(
                "checkpoint in %s is for other data or settings: starting afresh", self.folder
            )
            return None
        return Checkpoint(
            matrix=np.load(self.folder / "matrix.npy"),
            synthesizer=load_synthesizer(str(self.folder / "synthesizer.pkl")),
            trainer=payload["trainer"],
            state=RoundState.from_dict(payload["state"]),
            best_weights=payload["best_weights"],
        )


def _atomic(path: Path, write: Any) -> None:
    """Write through a temporary file then rename: readers never see half a file."""
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".npy":
        tmp = path.with_name(path.stem + ".tmp.npy")  # np.save appends .npy otherwise
    write(tmp)
    os.replace(tmp, path)
