"""How a step running on AWS tells the state machine why it failed: a code, never text.

Our steps raise `PipelineError` with a stable code. The services carry a failed step's
last words back to the state machine (a processing job's ExitMessage, a training job's
FailureReason, a Glue job's ErrorMessage, a Lambda's errorMessage), and those words end
up in the task's Cause. So a step writes `synthpipe:<code>` there, optionally followed by
a JSON object of facts that our own code produced (column positions, entity types), and
never a message that could quote data. `code_in` and `facts_in` read them back;
`synthpipe.cloud.failure_error` turns them into the reason a user sees.

A service may put its own words around ours (Glue prefixes an error category, SageMaker
"AlgorithmError: "), so the marker is searched for, not expected first.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from synthpipe.errors import PipelineError
from synthpipe.redact import redact

MARKER = "synthpipe:"
# SageMaker keeps the first 1 KB of a processing job's message file (ExitMessage).
MAX_BYTES = 1024
UNCODED = "uncoded_error"
_CODE = re.compile(r"synthpipe:([a-z][a-z0-9_]{1,62})(?![a-z0-9_])")


def code_line(code: str, facts: dict[str, Any] | None = None) -> str:
    """`synthpipe:<code>`, with `facts` as compact JSON when it all fits in 1 KB."""
    if not _CODE.fullmatch(MARKER + code):
        code = UNCODED  # a failure path must not fail: no code is still no free text
    line = MARKER + code
    if facts:
        with_facts = f"{line} {json.dumps(facts, separators=(',', ':'), sort_keys=True)}"
        if len(with_facts.encode()) <= MAX_BYTES:
            return with_facts
    return line


def code_in(text: Any) -> str | None:
    """The first `synthpipe:<code>` in `text`, or None."""
    match = _CODE.search(text) if isinstance(text, str) else None
    return match.group(1) if match else None


def facts_in(text: Any) -> dict[str, Any]:
    """The JSON object right after the first code in `text` ({} when there is none)."""
    match = _CODE.search(text) if isinstance(text, str) else None
    if not match:
        return {}
    rest = text[match.end() :].lstrip()
    try:
        facts, _ = json.JSONDecoder().raw_decode(rest)
    except ValueError:
        return {}
    return facts if isinstance(facts, dict) else {}


class CodedFailure(Exception):
    """A failure as it leaves a step for a service: `synthpipe:<code>` and nothing else."""


@contextmanager
def coded_failures(step: str, log: logging.Logger) -> Iterator[None]:
    """Around a step whose exceptions a service reports (a Glue job, a Lambda handler):
    any error is logged, redacted, and re-raised as `CodedFailure("synthpipe:<code>")`,
    the PipelineError's code or `<step>_failed`. The original is not chained: Glue and
    Lambda would print its text too."""
    try:
        yield
    except PipelineError as error:
        code, text = error.code, str(error)
    except Exception:  # a bug or a service error: only its redacted trace is kept
        code, text = f"{step}_failed", traceback.format_exc()
    else:
        return
    log.error("%s failed [%s]: %s", step, code, redact(text, 4000))
    raise CodedFailure(code_line(code)) from None
