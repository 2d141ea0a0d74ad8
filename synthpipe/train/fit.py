"""TVAE trained k epochs at a time, evaluated between rounds, stopped when it should.

SDV 2.x's `TVAESynthesizer.fit` runs all epochs in one call, with no callback, and
ctgan's `TVAE.fit` keeps its encoder and optimizer in local variables, so training cannot
be paused and continued through the public API. This module therefore:

1. preprocesses once with the public `TVAESynthesizer.preprocess` (SDV's data processor);
2. fits ctgan's `DataTransformer` (one Gaussian mixture per number: the slow part) on a
   sample that contains every category, then transforms all training rows;
3. builds ctgan's `Encoder`/`Decoder` and the Adam optimizer itself and runs the body of
   `TVAE.fit`'s epoch loop for k epochs per round (same loss, same clamp of sigma);
4. hands the fitted pieces back to the synthesizer so that SDV's `sample`, `save` and
   `load_synthesizer` work as after a normal `fit`.

Private pieces relied on (checked against the versions in PINNED, which requirements
pin; `check_versions` refuses to run on others):
- sdv: `TVAESynthesizer._model_kwargs`, `._model`, `._fitted`, `._fitted_date`,
  `._fitted_sdv_version`, `._data_processor._hyper_transformer.field_transformers`,
  `._data_processor.transform` (under DP), `sdv.single_table.utils.detect_discrete_columns`;
- ctgan: `TVAE` attributes `transformer`, `decoder`, `loss_values`; `Encoder`, `Decoder`,
  `_loss_function` from `ctgan.synthesizers.tvae` (and its body, per row, in
  `synthpipe.train.dp.row_loss`); `DataTransformer` and its
  `_column_transform_info_list`.

Reproducibility: every round reseeds python, numpy and torch from `seed + first epoch of
the round`, so a run resumed from a checkpoint trains exactly like an uninterrupted one.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from typing import Any

import joblib
import numpy as np
import pandas as pd
import torch
from ctgan.data_transformer import DataTransformer
from ctgan.synthesizers.tvae import TVAE, Decoder, Encoder, _loss_function
from opacus.data_loader import DPDataLoader
from sdmetrics.reports import QualityReport
from sdv.metadata import Metadata
from sdv.single_table import TVAESynthesizer
from sdv.single_table.utils import detect_discrete_columns
from torch.optim import Adam
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from synthpipe.errors import StepFailed
from synthpipe.train.distance import closer_to_training_share
from synthpipe.train.dp import DpPlan, DpSgd, RowSigma, VaeStep, resolve_epochs, row_loss
from synthpipe.train.hyperparameters import Hyperparameters
from synthpipe.train.metadata import TABLE, sdtypes
from synthpipe.train.sampling import class_labels, class_rates, sample_rows

log = logging.getLogger("synthpipe.train")

STEP = "train"
PINNED = {"sdv": "2.0.0", "ctgan": "0.12.1", "rdt": "2.0.0", "sdmetrics": "0.32.0"}


def check_versions() -> dict[str, str]:
    """Refuse to train on versions whose private pieces were not checked (see above)."""
    found = {name: version(name) for name in PINNED}
    wrong = {name: v for name, v in found.items() if v != PINNED[name]}
    if wrong:
        raise StepFailed(
            code="unsupported_versions",
            message=f"Training relies on pinned library versions {PINNED}, found {wrong}.",
            fix="Install training/requirements.txt, or re-check synthpipe/train/fit.py.",
            step=STEP,
        )
    return found


def set_seeds(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def set_threads(threads: int) -> None:
    """CPU threads for either engine (0 keeps torch's default, one per core), and subnormal
    floats flushed to zero.

    Both engines' layers are small: on 2 busy cores, two spinning threads ran a TVAE layer
    17 times slower than one, and a TabularARGN epoch (slid, 4,752 rows) took 62.5 s
    instead of 3.5 s. As the loss falls, weights and gradients reach subnormal floats,
    which x86 CPUs compute many times slower: TVAE epochs grew from 1.7 s to 7 s over 100
    epochs without the flush.
    """
    if threads:
        torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


def use_gpu(setting: str) -> bool:
    if setting == "auto":
        return torch.cuda.is_available()
    return setting == "true"


# ---------------------------------------------------------------------------------------
# Rows: holdout and row cap, stratified on the target when there is one.


def _per_class_positions(frame: pd.DataFrame, target: str | None) -> list[np.ndarray]:
    if not target:
        return [np.arange(len(frame))]
    labels = frame[target].astype("string").fillna("\0missing").to_numpy()
    return [np.flatnonzero(labels == value) for value in sorted(set(labels))]


def take_fraction(
    frame: pd.DataFrame, fraction: float, seed: int, target: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off `fraction` of the rows of each class: (rest, taken). Index kept."""
    rng = np.random.default_rng(seed)
    taken: list[np.ndarray] = []
    for positions in _per_class_positions(frame, target):
        count = round(len(positions) * fraction)
        taken.append(rng.permutation(positions)[:count])
    chosen = np.sort(np.concatenate(taken)) if taken else np.array([], dtype=int)
    mask = np.zeros(len(frame), dtype=bool)
    mask[chosen] = True
    return frame[~mask], frame[mask]


def split_holdout(
    frame: pd.DataFrame, fraction: float, seed: int, target: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, holdout): the holdout is never used for fitting."""
    return take_fraction(frame, fraction, seed, target)


def cap_rows(frame: pd.DataFrame, max_rows: int, seed: int, target: str | None) -> pd.DataFrame:
    """At most about `max_rows` rows, drawn per class so class rates are kept."""
    if len(frame) <= max_rows:
        return frame
    _, kept = take_fraction(frame, max_rows / len(frame), seed + 1, target)
    return kept


def rebalance(frame: pd.DataFrame, target: str | None, min_share: float, seed: int) -> pd.DataFrame:
    """The rows to fit on: each class of `target` at least about `min_share` of them.

    Rows of rarer classes are repeated (drawn with replacement, seeded; index labels kept,
    so they still point at their original rows). TVAE fitted on a few dozen fraud rows
    among thousands can stop producing the class at all, and quotas cannot sample what the
    model never makes; sampling's quotas bring the real rates back.
    """
    if not target or min_share <= 0:
        return frame
    labels = class_labels(frame[target]).to_numpy()
    needed = math.ceil(min_share * len(frame))
    rng = np.random.default_rng(seed + 2)
    extra = []
    for label in sorted(set(labels)):
        positions = np.flatnonzero(labels == label)
        if len(positions) < needed:
            extra.append(rng.choice(positions, needed - len(positions), replace=True))
    if not extra:
        return frame
    return pd.concat([frame, frame.iloc[np.concatenate(extra)]])


def fingerprint(frame: pd.DataFrame) -> str:
    """Identifies the training rows, so a checkpoint is never resumed on other data."""
    hashes = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    digest = hashlib.sha256(hashes.tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------------
# Evaluation


@dataclass
class Evaluation:
    epoch: int
    loss: float
    quality: float
    column_shapes: float
    pair_trends: float
    closer_to_training: float
    elapsed: float
    remaining: float = 0.0

    def log_line(self) -> str:
        """One line that SageMaker metric definitions parse, e.g. `quality=([0-9.]+)`.
        An engine that reports no loss (TabularARGN) logs none: `loss=nan` read as a
        diverged model."""
        loss = "" if math.isnan(self.loss) else f" loss={self.loss:.4f}"
        return (
            f"epoch={self.epoch}{loss} quality={self.quality:.4f} "
            f"column_shapes={self.column_shapes:.4f} pair_trends={self.pair_trends:.4f} "
            f"closer_to_training={self.closer_to_training:.4f} "
            f"elapsed={self.elapsed:.1f} remaining={self.remaining:.1f}"
        )


def sample_table(synthesizer: TVAESynthesizer, rows: int) -> pd.DataFrame:
    sampled = synthesizer.sample(rows)
    return sampled[TABLE] if isinstance(sampled, dict) else sampled


def quality_scores(
    real: pd.DataFrame, synthetic: pd.DataFrame, metadata: Metadata
) -> tuple[float, float, float]:
    """(overall, column shapes, pair trends) from SDMetrics' quality report.

    Pair trends are NaN when no pair of real columns carries a trend above SDMetrics'
    thresholds; the overall score then is the column-shapes score.
    """
    report = QualityReport()
    report.generate({TABLE: real}, {TABLE: synthetic}, metadata.to_dict(), verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return (
        float(report.get_score()),
        float(props.get("Column Shapes", math.nan)),
        float(props.get("Column Pair Trends", math.nan)),
    )


def evaluate(
    synthesizer: TVAESynthesizer,
    metadata: Metadata,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    rows: int,
    seed: int,
    target: str | None = None,
    against: pd.DataFrame | None = None,
) -> tuple[float, float, float, float, pd.DataFrame]:
    """Fidelity and memorisation of the current model on samples of `rows` rows.

    Quality is against `train`, or `against` (e.g. the holdout, for `engine: auto`'s
    choice). With a target, the synthetic rows are sampled as Generate samples them (each
    class at its rate in `train`), so the figures judge what will be delivered.
    """
    # Fixed-seed sampling: the figures depend on the weights only, not on history.
    if target:
        synthetic = sample_rows(synthesizer, rows, seed, target, class_rates(train[target]))
    else:
        synthesizer.reset_sampling()
        synthetic = sample_table(synthesizer, rows)
    reference = train if against is None else against
    real = reference.sample(min(rows, len(reference)), random_state=seed % 2**32)
    quality, shapes, trends = quality_scores(real, synthetic, metadata)
    closer = closer_to_training_share(synthetic, train, holdout, sdtypes(metadata), rows, seed)
    return quality, shapes, trends, closer, synthetic


# ---------------------------------------------------------------------------------------
# Chunked TVAE


class ChunkedTVAE:
    """An SDV `TVAESynthesizer` whose torch modules are trained k epochs at a time."""

    def __init__(
        self, metadata: Metadata, params: Hyperparameters, gpu: bool, dp: DpPlan | None = None
    ) -> None:
        self.params = params
        self.dp = DpSgd(dp) if dp else None
        self.synthesizer = TVAESynthesizer(
            metadata,
            epochs=params.epochs,
            batch_size=params.batch_size,
            embedding_dim=params.embedding_dim,
            compress_dims=params.compress_dims,
            decompress_dims=params.decompress_dims,
            l2scale=params.l2scale,
            loss_factor=params.loss_factor,
            enable_gpu=gpu,
        )
        self.matrix: np.ndarray | None = None
        self.encoder: Encoder | None = None
        self.optimizer: Adam | None = None
        # Under DP: the decoder's sigma as a per-row layer (synthpipe.train.dp.RowSigma).
        self.sigma: RowSigma | None = None
        self.losses: list[dict[str, float]] = []

    @property
    def model(self) -> TVAE:
        return self.synthesizer._model

    def prepare(self, train: pd.DataFrame, proxy: pd.DataFrame | None = None) -> None:
        """Preprocess once: SDV's data processor, then ctgan's transformer on a sample.

        With `proxy` (under DP: rows drawn from DP statistics, synthpipe.train.dp_stats)
        both are fitted on the proxy rows alone, and the real rows are only transformed:
        what the transformers learn (ranges, categories, mixture modes) then costs no
        privacy beyond the statistics'.
        """
        set_seeds(self.params.seed)
        fit_on = train if proxy is None else proxy
        processed_fit = self.synthesizer.preprocess({TABLE: fit_on.copy()})[TABLE]
        transformers = self.synthesizer._data_processor._hyper_transformer.field_transformers
        discrete = detect_discrete_columns(self.synthesizer.metadata, processed_fit, transformers)
        model = TVAE(**self.synthesizer._model_kwargs)
        model.transformer = DataTransformer()
        sample = _transformer_sample(
            processed_fit, discrete, self.params.transformer_sample_rows, self.params.seed
        )
        model.transformer.fit(sample, discrete)
        for info in model.transformer._column_transform_info_list:
            # rdt draws each value's mixture component at random; a seeded state per
            # column makes the matrix repeatable.
            info.transform.reset_randomization()
        processed = processed_fit
        if proxy is not None:
            processed = self.synthesizer._data_processor.transform(train.copy())
        # ctgan transforms columns in joblib worker processes above 500 rows: starting
        # them cost more than the work here (16 s for 1,600 rows on 2 busy cores), and
        # the workers' random draws escape our seeds. One process it is.
        with joblib.parallel_config(backend="sequential"):
            self.matrix = model.transformer.transform(processed).astype(np.float32)
        self.synthesizer._model = model
        self._build_modules()

    def restore(self, matrix: np.ndarray, synthesizer: TVAESynthesizer) -> None:
        """Continue from a checkpoint's preprocessed matrix and fitted synthesizer."""
        self.matrix = matrix
        self.synthesizer = synthesizer
        self._build_modules()

    def _build_modules(self) -> None:
        model = self.model
        data_dim = model.transformer.output_dimensions
        device = model._device
        set_seeds(self.params.seed)
        self.encoder = Encoder(data_dim, model.compress_dims, model.embedding_dim).to(device)
        model.decoder = Decoder(model.embedding_dim, model.decompress_dims, data_dim).to(device)
        trainable = list(self.encoder.parameters())
        if self.dp:
            # A bare parameter with no batch dimension has no per-row gradient: RowSigma
            # learns it instead and hands its values back after each step.
            model.decoder.sigma.requires_grad_(False)
            self.sigma = RowSigma(model.decoder.sigma).to(device)
            trainable += list(self.sigma.parameters())
        trainable += [p for p in model.decoder.parameters() if p.requires_grad]
        # torch's fused kernel updates every tensor in one call (16% less time a step in
        # our TVAE's shape; ARGN's fits took a fifth less: `argn._fused_adamw`). Not
        # under DP: Opacus' optimizer wraps this one.
        self.optimizer = Adam(
            trainable,
            lr=self.params.dp_learning_rate if self.dp else self.params.learning_rate,
            weight_decay=model.l2scale,
            fused=not self.dp,
        )
        self._mark_fitted()

    def _mark_fitted(self) -> None:
        # What `fit_processed_data` records after `_fit`; SDV's `sample` checks `_fitted`.
        synth = self.synthesizer
        synth._fitted = True
        synth._fitted_date = datetime.datetime.today().strftime("%Y-%m-%d")
        synth._fitted_sdv_version = PINNED["sdv"]

    def train_epochs(self, first_epoch: int, count: int) -> float:
        """Train `count` more epochs; returns the mean loss of the last one."""
        assert self.matrix is not None and self.encoder is not None and self.optimizer
        model = self.model
        set_seeds(self.params.seed + first_epoch)
        data = TensorDataset(torch.from_numpy(self.matrix).to(model._device))
        step = VaeStep(self.encoder, model.decoder, self.sigma)
        optimizer: Any = self.optimizer
        if self.dp:
            # Poisson sampling at the plan's rate: what the accountant assumes. No cycling
            # of small data (min_epoch_rows): an epoch is 1 / sample rate steps.
            loader: Any = DPDataLoader(data, sample_rate=self.dp.plan.sample_rate)
            step, optimizer = self.dp.attach(step, self.optimizer)
        else:
            # Small data is cycled through (a fresh shuffle each pass) so that an epoch is
            # at least min_epoch_rows rows: the epoch-based schedule then means the same
            # number of gradient steps at any size.
            rows = max(len(data), self.params.min_epoch_rows)
            sampler = RandomSampler(data, num_samples=rows)
            loader = DataLoader(data, batch_size=model.batch_size, sampler=sampler)
        self.encoder.train()
        model.decoder.train()
        epoch_loss = math.nan
        try:
            for epoch in range(first_epoch, first_epoch + count):
                losses = [self._train_batch(step, optimizer, real) for (real,) in loader]
                epoch_loss = float(np.nanmean(losses)) if losses else math.nan
                self.losses.append({"Epoch": epoch, "Loss": epoch_loss})
        finally:
            if self.dp:
                self.dp.detach(step)
        # What SDV's `get_loss_values()` returns (one row per epoch here, not per batch).
        model.loss_values = pd.DataFrame(self.losses, columns=["Epoch", "Loss"])
        self._mark_fitted()
        return epoch_loss

    def _train_batch(self, step: Any, optimizer: Any, real: torch.Tensor) -> float:
        """The body of ctgan 0.12.1 TVAE.fit's batch loop; NaN for an empty batch."""
        model = self.model
        optimizer.zero_grad()
        if len(real) == 0:
            # Poisson sampling may draw no row; ctgan's loss divides by the batch size.
            return math.nan
        rec, sigmas, mu, logvar = step(real)
        loss_function = row_loss if self.sigma is not None else _loss_function
        loss_1, loss_2 = loss_function(
            rec,
            real,
            sigmas,
            mu,
            logvar,
            model.transformer.output_info_list,
            model.loss_factor,
        )
        loss = loss_1 + loss_2
        loss.backward()
        optimizer.step()
        if self.sigma is not None:  # under DP: clamp the learned scales, then hand them over
            self.sigma.linear.weight.data.clamp_(0.01, 1.0)
            model.decoder.sigma.data.copy_(self.sigma.values())
        else:
            model.decoder.sigma.data.clamp_(0.01, 1.0)
        return float(loss.detach().cpu().item())

    def trainer_state(self) -> dict[str, Any]:
        assert self.encoder is not None and self.optimizer is not None
        return {
            "encoder": self.encoder.state_dict(),
            "decoder": self.model.decoder.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "losses": self.losses,
            "accountant": self.dp.state_dict() if self.dp else None,
        }

    def load_trainer_state(self, state: dict[str, Any]) -> None:
        assert self.encoder is not None and self.optimizer is not None
        self.encoder.load_state_dict(state["encoder"])
        self.model.decoder.load_state_dict(state["decoder"])
        if self.sigma is not None:
            self.sigma.load(self.model.decoder.sigma)
        self.optimizer.load_state_dict(state["optimizer"])
        self.losses = list(state["losses"])
        if self.dp:
            self.dp.load_state_dict(state["accountant"])
        self.model.loss_values = pd.DataFrame(self.losses, columns=["Epoch", "Loss"])

    def decoder_weights(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in self.model.decoder.state_dict().items()}

    def use_decoder_weights(self, weights: dict[str, torch.Tensor]) -> None:
        self.model.decoder.load_state_dict(weights)


def _transformer_sample(
    processed: pd.DataFrame, discrete: list[str], rows: int, seed: int
) -> pd.DataFrame:
    """A random sample plus one row per category, so no category is unknown later."""
    if len(processed) <= rows:
        return processed
    parts = [processed.sample(rows, random_state=seed % 2**32)]
    parts += [processed.drop_duplicates(subset=[column]) for column in discrete]
    sample = pd.concat(parts)
    return sample[~sample.index.duplicated()]


# ---------------------------------------------------------------------------------------
# Rounds


@dataclass
class RoundState:
    """Where training stands; saved with every checkpoint."""

    epoch: int = 0
    elapsed: float = 0.0
    last_round_seconds: float = 0.0
    best_epoch: int | None = None
    best_quality: float | None = None
    top_quality: float = -1.0
    rounds_without_gain: int = 0
    rounds_over_bar: int = 0
    stop_reason: str = ""
    history: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoundState:
        return cls(**data)


def epoch_budget(params: Hyperparameters) -> int:
    """Epochs to train: a ceiling, or under DP the fixed budget the accountant planned."""
    return resolve_epochs(params.dp_epochs, params.dp_epsilon) if params.dp else params.epochs


def stop_reason(state: RoundState, params: Hyperparameters) -> str:
    """Why training should stop before the next round; '' to go on.

    Under DP no rule reads the real rows (a plateau or the privacy bar would make the
    released weights depend on them outside the accountant): only the budgets stop it.
    """
    if state.epoch >= epoch_budget(params):
        return "epoch_budget"
    if not params.dp and state.rounds_without_gain >= params.patience:
        return "fidelity_plateau"
    if not params.dp and state.rounds_over_bar >= params.patience:
        return "privacy_bar"
    if state.elapsed + state.last_round_seconds > params.max_wall_seconds:
        return "wall_clock_budget"
    return ""


def record_round(state: RoundState, result: Evaluation, params: Hyperparameters) -> bool:
    """Update the state with one evaluation; True when it is the new best checkpoint.

    Before `min_epochs` (warm-up) quality wobbles: at 50k BankSim rows it rose to 0.90
    by epoch 15 (on a 2,000-row sample), then sat at 0.88-0.89 until epoch 40 and rose
    again to 0.94 later. So warm-up rounds neither count towards a plateau nor set the
    quality to beat, and the first round after warm-up that meets the privacy bar
    replaces a warm-up checkpoint whatever its sampled quality.
    """
    state.history.append(asdict(result))
    warm_up = result.epoch < params.min_epochs
    gained = result.quality >= state.top_quality + params.min_delta
    if gained or warm_up:
        state.rounds_without_gain = 0
    else:
        state.rounds_without_gain += 1
    if not warm_up:
        state.top_quality = max(state.top_quality, result.quality)
    private = result.closer_to_training <= params.privacy_bar
    state.rounds_over_bar = 0 if private else state.rounds_over_bar + 1
    best_is_warm_up = state.best_epoch is not None and state.best_epoch < params.min_epochs
    better = (
        state.best_quality is None
        or result.quality > state.best_quality
        or (best_is_warm_up and not warm_up)
    )
    if private and better:
        state.best_epoch = result.epoch
        state.best_quality = result.quality
        return True
    return False


@dataclass
class TrainResult:
    synthesizer: TVAESynthesizer
    state: RoundState
    gpu: bool
    versions: dict[str, str]
    best: Evaluation | None = None
    # Under DP: the accountant's epsilon for DP-SGD and the steps it counted.
    privacy: dict[str, Any] | None = None


# Saves a checkpoint: (tvae, state, best decoder weights) -> None. Injected so that
# fit.py knows nothing of file layouts and tests can simulate an interruption.
SaveCheckpoint = Callable[[ChunkedTVAE, RoundState, dict[str, torch.Tensor] | None], None]


def train_rounds(
    tvae: ChunkedTVAE,
    state: RoundState,
    best_weights: dict[str, torch.Tensor] | None,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    save: SaveCheckpoint,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[RoundState, dict[str, torch.Tensor] | None]:
    """Train round after round until `stop_reason` says stop; returns the best weights.

    Under DP there is no choice of checkpoint: the evaluations are logged for progress,
    the last weights are kept (best weights stay None) and `best_epoch` is the last epoch.
    """
    params = tvae.params
    metadata = tvae.synthesizer.metadata
    while not (reason := stop_reason(state, params)):
        started = clock()
        count = min(params.eval_every, epoch_budget(params) - state.epoch)
        loss = tvae.train_epochs(state.epoch, count)
        state.epoch += count
        quality, shapes, trends, closer, _ = evaluate(
            tvae.synthesizer,
            metadata,
            train,
            holdout,
            params.eval_sample_rows,
            params.seed,
            params.target_column or None,
        )
        state.last_round_seconds = clock() - started
        state.elapsed += state.last_round_seconds
        result = Evaluation(
            epoch=state.epoch,
            loss=loss,
            quality=quality,
            column_shapes=shapes,
            pair_trends=trends,
            closer_to_training=closer,
            elapsed=state.elapsed,
            remaining=_remaining(state, params, count),
        )
        if tvae.dp:
            state.history.append(asdict(result))
            state.best_epoch, state.best_quality = state.epoch, quality
            log.info("dp epsilon_spent=%.4f steps=%d", tvae.dp.epsilon(), tvae.dp.steps())
        elif record_round(state, result, params):
            best_weights = tvae.decoder_weights()
        log.info(result.log_line(), extra={"metrics": asdict(result)})
        save(tvae, state, best_weights)
    state.stop_reason = reason
    log.info("stop=%s epoch=%d best_epoch=%s", reason, state.epoch, state.best_epoch)
    return state, best_weights


def _remaining(state: RoundState, params: Hyperparameters, count: int) -> float:
    per_epoch = state.last_round_seconds / max(count, 1)
    by_epochs = per_epoch * (epoch_budget(params) - state.epoch)
    return max(0.0, min(by_epochs, params.max_wall_seconds - state.elapsed))
