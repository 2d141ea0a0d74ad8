"""The smoke test's parts that every step uses: its settings, its result, and
`Actions`, through which every command and AWS call goes (printed first; only printed
in a dry run)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
STORAGE, PIPELINE = "SynthpipeStorage", "SynthpipePipeline"
BOOTSTRAP_STACK = "CDKToolkit"
DATASET = "smoke"
SAMPLE_KEY = f"raw/{DATASET}/banksim.csv"
SAMPLE_CONFIG = {"target_column": "fraud"}  # as `synthpipe demo` has it
# What the smoke deploy sets unless -c says otherwise: nothing left after the destroy.
SMOKE_CONTEXT = {"retainData": "false"}
CDK = ("npx", "--no-install", "cdk")  # the CLI pinned in package.json


class SmokeError(Exception):
    """A step that stops the smoke test: what happened and what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True)
class SmokeOptions:
    region: str
    profile: str | None = None
    keep: bool = False
    dry_run: bool = False
    # -c key=value for `cdk deploy`, over SMOKE_CONTEXT and cdk.json.
    context: dict[str, str] = field(default_factory=dict)
    rows: int = 50_000
    timeout_minutes: int = 120
    poll_seconds: int = 30


@dataclass
class SmokeResult:
    status: str = "NOT_STARTED"  # the execution's: SUCCEEDED, FAILED, TIMED_OUT, ...
    execution_arn: str = ""
    run_id: str = ""
    failed_state: str = ""
    error: str = ""
    verdict: str = ""
    release_attempt: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    destroyed: bool = False
    problem: str = ""
    dry_run: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "SUCCEEDED" and self.verdict == "pass" and not self.problem


class Actions:
    """Commands and AWS calls, printed before they are made (and only printed in a dry
    run, where each call answers with the `dry` value its caller gives)."""

    def __init__(
        self,
        options: SmokeOptions,
        *,
        session: Any = None,
        clients: dict[str, Any] | None = None,
        out: Callable[[str], None] = print,
        run: Callable[..., Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options
        self.dry = options.dry_run
        self.out = out
        self._session = session
        self._clients: dict[str, Any] = dict(clients or {})
        self._run = run or subprocess.run
        self.sleep = (lambda _seconds: None) if self.dry else sleep
        self.clock = clock

    def client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                import boto3  # lazily, as everywhere in synthpipe

                self._session = boto3.Session(
                    profile_name=self.options.profile, region_name=self.options.region
                )
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    def call(self, service: str, operation: str, *, dry: Any = None, echo: bool = True, **params):
        if echo or self.dry:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
            self.out(f"  aws {service} {operation}({shown})")
        if self.dry:
            return {} if dry is None else dry
        return getattr(self.client(service), operation)(**params)

    def command(self, args: list[str], *, env: dict[str, str]) -> None:
        shown = "".join(f"{k}={v} " for k, v in env.items())
        self.out(f"  $ {shown}{' '.join(args)}")
        if self.dry:
            return
        done = self._run(args, cwd=REPO, env={**os.environ, **env}, check=False)
        if done.returncode != 0:
            raise SmokeError(
                f"`{' '.join(args[:4])} ...` exited with {done.returncode}.",
                fix="Read its output above; the README's 'First deploy' checklist lists "
                "what a first deploy needs.",
            )


def pages(
    actions: Actions, service: str, operation: str, items: str, token: str, dry: Any, **params
) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list call (`token` names its next-page member)."""
    following: str | None = None
    while True:
        page = actions.call(
            service, operation, **params, **({token: following} if following else {}), dry=dry
        )
        yield from page.get(items, [])
        following = page.get(token)
        if not following:
            return


def _short(value: Any) -> str:
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:197] + "..."
