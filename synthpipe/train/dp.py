"""Differential privacy for training: the budget, its refusal, and DP-SGD with Opacus.

A run with `privacy` in its dataset config trains with (epsilon, delta)-differential
privacy over the training rows (the rows training reads, after the holdout is split off):

- `STATS_SHARE` of epsilon and delta buys the statistics preprocessing needs (numeric
  bounds, category sets, class rates, the proxy rows the transformers are fitted on:
  `synthpipe.train.dp_stats`); the rest buys DP-SGD. The two add up (basic composition).
- DP-SGD (Opacus): per-row gradients clipped to `dp_max_grad_norm`, Gaussian noise of
  `noise_multiplier x dp_max_grad_norm`, batches drawn by Poisson sampling at rate
  `batch_size / rows`, a fixed budget of `dp_epochs x rows / batch_size` steps (dp_epochs
  "auto": fewer epochs at larger epsilon, `auto_epochs`), and the
  RDP accountant, Adam at `dp_learning_rate` (larger than without DP: the step budget
  is small; see Hyperparameters). The noise multiplier is the smallest that keeps the
  accountant's epsilon at or below DP-SGD's share for those steps (Opacus'
  `get_noise_multiplier`).
- Decoder's `sigma` (ctgan's per-column output scale) is a bare parameter with no batch
  dimension, which Opacus' hook grad samplers cannot give per-row gradients. Under DP it
  is learned through `RowSigma`, a bias-free linear layer on a constant input whose
  output is that scale repeated per row, with `row_loss` (ctgan's loss, sigma per row);
  its weight is copied into the decoder's `sigma` after each step, for sampling. Frozen
  at ctgan's start value (0.1) it cost 0.09 of quality (README, DP section). Everything
  else in ctgan's loss is a sum of per-row terms divided by the batch size, which is
  Opacus' "mean" reduction.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import torch
from opacus import GradSampleModule
from opacus.accountants import RDPAccountant
from opacus.accountants.utils import get_noise_multiplier
from opacus.optimizers import DPOptimizer
from torch import nn
from torch.nn.functional import cross_entropy

from synthpipe.errors import StepFailed

STEP = "train"
ACCOUNTANT = "rdp"
# Share of epsilon (and of delta) spent on preprocessing statistics; the rest on DP-SGD.
STATS_SHARE = 0.1
# Above this noise multiplier the gradient is mostly noise at our batch sizes (noise
# std per coordinate = multiplier x clip norm / batch): refused rather than trained.
MAX_NOISE_MULTIPLIER = 10.0
# delta "auto": well below 1/n, as the DP literature asks (a mechanism that releases one
# row in full meets delta = 1/n).
AUTO_DELTA_CAP = 1e-5


# dp_epochs "auto": AUTO_EPOCHS_AT_EPSILON_ONE epochs at epsilon 1, scaled by
# 1 / sqrt(epsilon), between 1 and AUTO_EPOCHS_MAX. Under DP quality peaks early and then
# falls, the earlier the less noise (the larger epsilon): Adam's steps grow as the noise
# shrinks. Only epsilon sets the count, never the rows' values (figures: Hyperparameters).
AUTO_EPOCHS_AT_EPSILON_ONE = 15
AUTO_EPOCHS_MAX = 30


def auto_epochs(epsilon: float) -> int:
    """dp_epochs "auto": round(15 / sqrt(epsilon)), at least 1, at most 30."""
    epochs = round(AUTO_EPOCHS_AT_EPSILON_ONE / math.sqrt(epsilon))
    return max(1, min(AUTO_EPOCHS_MAX, epochs))


def resolve_epochs(setting: int | str, epsilon: float) -> int:
    """The DP epoch budget: `auto_epochs(epsilon)` for "auto", else the number given."""
    return auto_epochs(epsilon) if setting == "auto" else int(setting)


def auto_delta(rows: int) -> float:
    """delta "auto": min(1e-5, 1 / (10 x training rows))."""
    return min(AUTO_DELTA_CAP, 1.0 / (10 * max(rows, 1)))


def resolve_delta(setting: str, rows: int) -> float:
    return auto_delta(rows) if setting == "auto" else float(setting)


@dataclass(frozen=True)
class DpPlan:
    """The privacy budget of one training run, fixed before any training starts."""

    epsilon: float
    delta: float
    stats_epsilon: float
    stats_delta: float
    sgd_epsilon: float
    sgd_delta: float
    rows: int
    batch_size: int
    sample_rate: float
    steps_per_epoch: int
    epochs: int
    steps: int
    noise_multiplier: float
    max_grad_norm: float
    accountant: str = ACCOUNTANT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _unreachable(problem: str, plan: dict[str, Any]) -> StepFailed:
    return StepFailed(
        code="dp_budget_unreachable",
        message=f"Differential privacy: {problem}",
        fix="Raise privacy.epsilon in config/<dataset>.json, provide more rows, or train "
        "fewer DP epochs (hyperparameter dp_epochs; argn_dp_epochs with engine argn).",
        details=plan,
        step=STEP,
    )


def plan_budget(
    *,
    epsilon: float,
    delta: str,
    rows: int,
    batch_size: int,
    epochs: int,
    max_grad_norm: float,
) -> DpPlan:
    """The split budget and the noise multiplier; `dp_budget_unreachable` when DP-SGD
    cannot meet its share of epsilon in `epochs` with noise at most MAX_NOISE_MULTIPLIER."""
    total_delta = resolve_delta(delta, rows)
    facts: dict[str, Any] = {"epsilon": epsilon, "delta": total_delta, "rows": rows}
    if not epsilon > 0 or not math.isfinite(epsilon):
        raise _unreachable(f"epsilon must be a positive number, not {epsilon!r}.", facts)
    if not 0 < total_delta < 1:
        raise _unreachable(f"delta must lie strictly between 0 and 1, not {total_delta}.", facts)
    sample_rate = min(1.0, batch_size / rows)
    steps_per_epoch = max(1, int(1 / sample_rate))
    steps = epochs * steps_per_epoch
    sgd_epsilon = epsilon * (1 - STATS_SHARE)
    sgd_delta = total_delta * (1 - STATS_SHARE)
    facts |= {"sample_rate": round(sample_rate, 6), "steps": steps, "epochs": epochs}
    noise = _noise_multiplier(sgd_epsilon, sgd_delta, sample_rate, steps)
    if noise is None or noise > MAX_NOISE_MULTIPLIER:
        needed = "more than 1e6" if noise is None else f"{noise:.2f}"
        raise _unreachable(
            f"epsilon {epsilon:g} (DP-SGD's share {sgd_epsilon:g}, delta {sgd_delta:.2g}) "
            f"over {rows} training rows, {steps} steps at sample rate {sample_rate:.4g} "
            f"needs a noise multiplier of {needed}; at most {MAX_NOISE_MULTIPLIER:g} "
            "still trains a useful model.",
            facts | {"noise_multiplier": needed},
        )
    return DpPlan(
        epsilon=epsilon,
        delta=total_delta,
        stats_epsilon=epsilon * STATS_SHARE,
        stats_delta=total_delta * STATS_SHARE,
        sgd_epsilon=sgd_epsilon,
        sgd_delta=sgd_delta,
        rows=rows,
        batch_size=batch_size,
        sample_rate=sample_rate,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        steps=steps,
        noise_multiplier=noise,
        max_grad_norm=max_grad_norm,
    )


def _noise_multiplier(epsilon: float, delta: float, sample_rate: float, steps: int) -> float | None:
    """Opacus' calibration; None when no multiplier up to its search limit is enough."""
    with warnings.catch_warnings():
        # "Optimal order is the largest alpha": the bound is valid, only not the tightest.
        warnings.simplefilter("ignore", UserWarning)
        try:
            return float(
                get_noise_multiplier(
                    target_epsilon=epsilon,
                    target_delta=delta,
                    sample_rate=sample_rate,
                    steps=steps,
                    accountant=ACCOUNTANT,
                )
            )
        except ValueError:  # "The privacy budget is too low."
            return None


def spent_epsilon(accountant: RDPAccountant, delta: float) -> float:
    """The accountant's epsilon for the steps taken so far (0 before the first)."""
    if not accountant.history:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(accountant.get_epsilon(delta))


class RowSigma(nn.Module):
    """Decoder's sigma as a layer with a batch dimension: `weight` (columns x 1) times a
    column of ones gives each row the same scales, and Opacus' linear grad sampler gives
    each row its own gradient of them."""

    def __init__(self, sigma: torch.Tensor) -> None:
        super().__init__()
        self.linear = nn.Linear(1, len(sigma), bias=False)
        self.load(sigma)

    def load(self, sigma: torch.Tensor) -> None:
        with torch.no_grad():
            self.linear.weight.copy_(sigma.detach().reshape(-1, 1))

    def values(self) -> torch.Tensor:
        return self.linear.weight.detach().reshape(-1)

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return self.linear(rows.new_ones(len(rows), 1))


def row_loss(
    recon_x: torch.Tensor,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    output_info: list,
    factor: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ctgan 0.12.1's `_loss_function` with `sigmas` of shape (rows, columns): the same
    value when every row holds the same scales, but each row's term reads its own copy."""
    start = 0
    loss = []
    for column_info in output_info:
        for span_info in column_info:
            end = start + span_info.dim
            if span_info.activation_fn != "softmax":
                std = sigmas[:, start]
                eq = x[:, start] - torch.tanh(recon_x[:, start])
                loss.append((eq**2 / 2 / (std**2)).sum())
                loss.append(torch.log(std).sum())
            else:
                target = torch.argmax(x[:, start:end], dim=-1)
                loss.append(cross_entropy(recon_x[:, start:end], target, reduction="sum"))
            start = end
    assert start == recon_x.size()[1]
    kld = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp())
    return sum(loss) * factor / x.size()[0], kld / x.size()[0]


class VaeStep(nn.Module):
    """ctgan TVAE's forward pass (encode, reparameterise, decode) as one module, so that
    Opacus sees every trainable layer that a row's loss goes through. With `sigma` (under
    DP) the scales come per row from it, not from the decoder's bare parameter."""

    def __init__(
        self, encoder: nn.Module, decoder: nn.Module, sigma: RowSigma | None = None
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.sigma = sigma

    def forward(self, real: torch.Tensor) -> tuple[torch.Tensor, ...]:
        mu, std, logvar = self.encoder(real)
        eps = torch.randn_like(std)
        rec, sigmas = self.decoder(eps * std + mu)
        if self.sigma is not None:
            sigmas = self.sigma(real)
        return rec, sigmas, mu, logvar


class DpSgd:
    """Opacus' pieces around our own modules and Adam, attached for one round at a time.

    The grad-sample hooks are removed after each round, so that the synthesizer pickles
    (checkpoints, the model) hold plain ctgan modules; the accountant's history lives on.
    """

    def __init__(self, plan: DpPlan) -> None:
        self.plan = plan
        self.accountant = RDPAccountant()

    def attach(self, step: VaeStep, optimizer: torch.optim.Optimizer) -> tuple[nn.Module, Any]:
        # Opacus' backward hooks warn that the input rows need no gradient: true, harmless.
        warnings.filterwarnings("ignore", "Full backward hook is firing", UserWarning)
        module = GradSampleModule(step, loss_reduction="mean")
        dp_optimizer = DPOptimizer(
            optimizer,
            noise_multiplier=self.plan.noise_multiplier,
            max_grad_norm=self.plan.max_grad_norm,
            expected_batch_size=self.plan.batch_size,
            loss_reduction="mean",
        )
        dp_optimizer.attach_step_hook(
            self.accountant.get_optimizer_hook_fn(sample_rate=self.plan.sample_rate)
        )
        return module, dp_optimizer

    @staticmethod
    def detach(module: nn.Module) -> None:
        module._close()  # removes the hooks and the per-row gradients from the parameters

    def epsilon(self) -> float:
        """Epsilon of DP-SGD so far, at DP-SGD's share of delta."""
        return spent_epsilon(self.accountant, self.plan.sgd_delta)

    def steps(self) -> int:
        """Steps taken so far, as the accountant counted them."""
        return sum(count for _, _, count in self.accountant.history)

    def state_dict(self) -> dict[str, Any]:
        return {"history": list(self.accountant.history)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.accountant.history = [tuple(entry) for entry in state["history"]]
