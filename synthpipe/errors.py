"""Errors that stop a run. Each carries a stable code, a message and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PipelineError(Exception):
    """A run stopped for a reason the user can act on.

    `code` is stable (tests and notifications key on it), `message` says what is wrong,
    `fix` says what to do, `details` holds machine-readable facts (never personal data).
    """

    code: str
    message: str
    fix: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    step: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()

    def to_reason(self) -> dict[str, Any]:
        """The body of `reason.json` in quarantine."""
        return {
            "step": self.step,
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "details": self.details,
        }


class InputRefused(PipelineError):
    """The raw file is not a CSV the pipeline can read."""


class StepFailed(PipelineError):
    """A step could not finish on valid input."""
