"""What Prepare does with each column that holds personal data or is an identifier.

Defaults: direct identifiers are dropped; free text is masked cell by cell; dates of birth
are generalised to age bands; identifier columns (high-cardinality keys) are dropped.
`config/<dataset>.json` may ask for another action per column (`pii_action`); `keep` is
never a default, only what a data owner writes down.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from synthpipe.dataset_config import DatasetConfig
from synthpipe.pii.entities import DATE_OF_BIRTH, ColumnFinding

DROP, PSEUDONYMISE, GENERALISE, MASK, KEEP = "drop", "pseudonymise", "generalise", "mask", "keep"


@dataclass
class ColumnAction:
    """One line of `pii_actions.json`: never a value, only names, types and reasons."""

    column: str
    action: str
    entity_types: list[str] = field(default_factory=list)
    confidence: float = 0.0
    evidence: str = ""
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_action(finding: ColumnFinding, *, dated: bool = True) -> str:
    """The action Prepare takes on a detected column when the config says nothing.
    `dated`: the column is typed as dates (an age band is counted from a date, so a
    date of birth written in a form Prepare does not read as one, '17 avril 1953', is
    dropped)."""
    if finding.free_text:
        return MASK
    if finding.entity_types == [DATE_OF_BIRTH]:
        return GENERALISE if dated else DROP
    return DROP


def decide_actions(
    findings: Iterable[ColumnFinding],
    *,
    identifiers: Iterable[str],
    config: DatasetConfig,
    dates: Collection[str] | None = None,
) -> dict[str, ColumnAction]:
    """Column name -> action, for every column with personal data, an id role or a config
    say. `dates`: the columns typed as dates or timestamps (None: all may be)."""
    actions: dict[str, ColumnAction] = {}
    for finding in findings:
        if finding.is_pii:
            dated = dates is None or finding.name in dates
            actions[finding.name] = ColumnAction(
                column=finding.name,
                action=default_action(finding, dated=dated),
                entity_types=list(finding.entity_types),
                confidence=round(finding.confidence, 3),
                evidence=finding.evidence,
                reason=f"personal data: {', '.join(finding.entity_types)}",
            )
    for name in identifiers:
        if name not in actions:
            actions[name] = ColumnAction(
                column=name,
                action=DROP,
                reason="identifier (high-cardinality key): dropped unless the config asks "
                "to pseudonymise it",
            )
    for name, column in config.columns.items():
        if column.pii_action is None:
            continue
        action = actions.get(name) or ColumnAction(column=name, action=column.pii_action)
        action.action = column.pii_action
        action.reason = (action.reason + "; " if action.reason else "") + (
            f"{column.pii_action} as config/<dataset>.json asks"
        )
        actions[name] = action
    return actions
