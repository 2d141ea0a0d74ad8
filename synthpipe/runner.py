"""The local runner: the steps of DESIGN.md in order, on a folder shaped like the bucket.

`<workdir>/raw/<dataset>/<file>` stands for the S3 object; the object's version is the
sha256 of its bytes, so a run id is deterministic for one file content, and running the
same file again replaces that run's derived outputs (never raw/), its release first
(withdrawn as the re-run starts; see synthpipe.publish). Two runs of the same object at
once are one too many: the second stops with `run_in_progress` before it touches anything
(`synthpipe.run_lock`).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from synthpipe import lookups, storage
from synthpipe.dataset_config import DatasetConfig
from synthpipe.errors import InputRefused, PipelineError, StepFailed
from synthpipe.layout import RunLayout, run_id_for
from synthpipe.logs import get_logger, json_handler, log_event
from synthpipe.manifest import Manifest, SourceObject
from synthpipe.names import check_dataset_name, dataset_slug
from synthpipe.progress import Reporter, StepRecord, showing_log
from synthpipe.quarantine import quarantine
from synthpipe.run_lock import run_lock
from synthpipe.validate import InputLimits

STEPS = ("validate", "prepare", "verify", "train", "generate", "evaluate", "publish")
# Steps that exist today; the runner stops, and says so, before the first one that does not.
BUILT_STEPS = STEPS
LOCAL_BUCKET = "local"
# Failures that say the data is unfit move it to quarantine; later ones (training, the
# gate) keep their output where a user can read it.
QUARANTINED_STEPS = ("validate", "prepare", "verify")
# What Train imports (torch, SDV, SDMetrics, mostlyai-engine): 5 to 8 s on 2 cores, a
# fifth of a small table's run. The runner imports them in a background thread while
# Spark's JVM runs Prepare and the Python side mostly waits on it (`_preload`).
TRAINING_MODULES = ("synthpipe.train.contract", "mostlyai.engine")
# Where ingest writes a copy before linking it, whole, under raw/ (same file system).
INCOMING = ".incoming"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_BUILT = 3

log = get_logger("runner")
package_log = get_logger()


@dataclass
class RawObject:
    """The local stand-in for the S3 object that started a run."""

    path: Path
    key: str
    version_id: str
    sha256: str
    size_bytes: int
    created: datetime


@dataclass
class RunResult:
    dataset: str
    run_id: str
    workdir: Path
    status: str  # completed, stopped, refused, failed, incomplete
    exit_code: int
    message: str
    steps: list[StepRecord]
    error: PipelineError | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    release: str = ""  # which release of the run stands after this attempt, in one sentence


def last_built_step() -> str:
    return BUILT_STEPS[-1]


def ingest(file: Path, workdir: Path, dataset: str) -> RawObject:
    """Put the file under raw/<dataset>/ as an upload would; never overwrite another file.

    A file with the same name but other content is stored beside it with its hash in
    the name, as a new S3 object version would be kept beside the old one. The copy is
    written outside raw/ and then hard-linked in, which fails if the name exists: a raw
    file appears whole or not at all, and of two runs ingesting at once only one creates
    it (the other finds it, with the same bytes).
    """
    raw_dir = workdir / "raw" / dataset
    target = raw_dir / file.name
    if _same_file(file, target):
        return _raw_object(target, dataset, _sha256(target))
    existing = _stored(target, _sha256(file))  # a run of the same file again: no copy
    if existing is not None:
        return existing
    raw_dir.mkdir(parents=True, exist_ok=True)
    staged, digest = _staged_copy(file, workdir / INCOMING)
    try:
        for candidate in _raw_names(target, digest):
            if _link_new(staged, candidate) or _sha256(candidate) == digest:
                return _raw_object(candidate, dataset, digest)
    finally:
        staged.unlink()
    raise RuntimeError(f"every name for {file.name} under {raw_dir} holds other content")


def _raw_names(target: Path, digest: str) -> tuple[Path, ...]:
    """Where a file goes under raw/: its own name, else with its hash (short, then full)."""
    stem, suffix = target.stem, target.suffix
    return (
        target,
        target.with_name(f"{stem}.{digest[:8]}{suffix}"),
        target.with_name(f"{stem}.{digest}{suffix}"),
    )


def _stored(target: Path, digest: str) -> RawObject | None:
    """The raw file that already holds these bytes, if any."""
    dataset = target.parent.name
    for candidate in _raw_names(target, digest):
        if candidate.is_file() and _sha256(candidate) == digest:
            return _raw_object(candidate, dataset, digest)
    return None


def _staged_copy(file: Path, folder: Path) -> tuple[Path, str]:
    """Copy `file` into `folder` and hash the bytes copied (the file may be changing)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=".part")
    staged = Path(name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out, file.open("rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        shutil.copymode(file, staged)  # mkstemp's 0600 would make raw/ private to its owner
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged, digest.hexdigest()


def _link_new(staged: Path, name: Path) -> bool:
    """Create `name` as a link to `staged`; False if the name is taken (never replaced)."""
    try:
        os.link(staged, name)
    except FileExistsError:
        return False
    return True


def _raw_object(path: Path, dataset: str, digest: str) -> RawObject:
    stat = path.stat()
    return RawObject(
        path=path,
        key=f"raw/{dataset}/{path.name}",
        version_id=digest[:32],
        sha256=digest,
        size_bytes=stat.st_size,
        created=datetime.fromtimestamp(stat.st_mtime, UTC),
    )


def _same_file(a: Path, b: Path) -> bool:
    return b.exists() and a.resolve() == b.resolve()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_local(
    file: Path,
    *,
    dataset: str | None = None,
    workdir: Path = Path("runs"),
    until: str | None = None,
    seed: int = 0,
    max_bytes: int | None = None,
    max_columns: int | None = None,
    max_record_bytes: int | None = None,
    reporter: Reporter | None = None,
) -> RunResult:
    """Run the pipeline on one CSV. See `synthpipe run --help` for the user's view.

    The `max_*` limits default to validation's (`synthpipe.validate.InputLimits`).
    """
    reporter = reporter or Reporter()
    file = Path(file)
    dataset = check_dataset_name(dataset or dataset_slug(file.name))
    if until is not None and until not in STEPS:
        raise ValueError(f"--until must be one of {', '.join(STEPS)}, not {until!r}")
    if not file.is_file():
        raise InputRefused(
            code="file_missing",
            message=f"{file} does not exist or is not a file.",
            fix="Check the path and run again.",
            step="validate",
        )
    limits = _limits(
        max_bytes=max_bytes, max_columns=max_columns, max_record_bytes=max_record_bytes
    )
    workdir = Path(workdir).resolve()
    raw = ingest(file, workdir, dataset)
    run = _Run(raw, workdir, dataset, seed, limits, reporter)
    # Taken before the run clears its folders: a second run of the object stops here.
    with run_lock(workdir, dataset, run.layout.run_id):
        return run.execute(until or STEPS[-1])


def _limits(**given: int | None) -> InputLimits:
    """The limits given (None: validation's default); a value below 1 is a ValueError."""
    return InputLimits(**{name: value for name, value in given.items() if value is not None})


class _Run:
    """One run's state while its steps execute."""

    def __init__(self, raw, workdir, dataset, seed, limits: InputLimits, reporter) -> None:
        self.raw = raw
        self.workdir = workdir
        run_id = run_id_for(LOCAL_BUCKET, raw.key, raw.version_id, raw.created)
        self.layout = RunLayout(str(workdir), dataset, run_id)
        self.seed = seed
        self.limits = limits
        self.reporter = reporter
        self.records = [StepRecord(name) for name in STEPS]
        self.manifest = Manifest(
            dataset=dataset,
            run_id=run_id,
            seed=seed,
            source=SourceObject(
                bucket=LOCAL_BUCKET,
                key=raw.key,
                version_id=raw.version_id,
                sha256=raw.sha256,
                size_bytes=raw.size_bytes,
            ),
        )
        self.report = None
        self.config = DatasetConfig()

    def execute(self, until: str) -> RunResult:
        from synthpipe.publish import RERUN, withdraw

        layout = self.layout
        # Running the same file again replaces the run's outputs, its release first: an
        # earlier release must not outlive the lineage (cleaned/, staging/) it came from,
        # nor claim to be this attempt's result if this attempt fails or is killed.
        self.release = None
        self.until = until
        self.withdrawn = withdraw(
            layout, reason=RERUN, message="A re-run of the same object started."
        )
        for derived in (layout.cleaned, layout.staging, layout.quarantine, layout.models):
            storage.remove_tree(derived)
        handler = self._open_log()
        try:
            return self._steps(until)
        finally:
            package_log.removeHandler(handler)
            handler.close()

    def _open_log(self) -> logging.Handler:
        Path(self.layout.staging).mkdir(parents=True, exist_ok=True)
        handler = json_handler(f"{self.layout.staging}/run.log.jsonl")
        handler.setLevel(logging.INFO)
        package_log.addHandler(handler)
        package_log.setLevel(logging.INFO)
        log_event(
            log,
            "run.started",
            dataset=self.layout.dataset,
            run_id=self.layout.run_id,
            source_key=self.raw.key,
            sha256=self.raw.sha256,
        )
        return handler

    def _steps(self, until: str) -> RunResult:
        for record in self.records:
            if record.name not in BUILT_STEPS:
                record.status = "not built"
                message = (
                    f"Stopped before {record.name}: that step is not built yet. "
                    f"Results so far are under {self.layout.cleaned}."
                )
                return self._finish("incomplete", EXIT_NOT_BUILT, message)
            self.reporter.step_started(record)
            try:
                rows, note = getattr(self, f"_{record.name}")()
            except PipelineError as error:
                self.reporter.step_finished(record, "failed", note=error.code)
                return self._fail(record, error)
            except Exception as error:  # a bug: end the run as failed, keep the trace in the log
                log.exception("step.crashed", extra={"fields": {"step": record.name}})
                self.reporter.step_finished(record, "failed", note="step_crashed")
                return self._fail(record, _crashed(record.name, error))
            self.reporter.step_finished(record, "done", rows=rows, note=note)
            self.manifest.timings_s[record.name] = round(record.seconds, 3)
            self.manifest.write(self.layout.manifest_json)
            if record.name == until and until != STEPS[-1]:
                for later in self.records[self.records.index(record) + 1 :]:
                    later.status = "skipped" if later.name in BUILT_STEPS else "not built"
                return self._finish("stopped", EXIT_OK, f"Stopped after {until}, as asked.")
        return self._finish("completed", EXIT_OK, "Run completed.")

    def _quarantine(self, step: str, error: PipelineError) -> str:
        """Before verify, a copy of the input; from verify on, the run's cleaned output,
        moved out of cleaned/ so that no later step can read it."""
        if step not in QUARANTINED_STEPS:
            return ""  # later failures keep their output in place (staging/, models/)
        if step in ("validate", "prepare") or not Path(self.layout.cleaned).exists():
            raw = {f"input/{Path(self.raw.path).name}": str(self.raw.path)}
            return quarantine(self.layout, error, files=raw)
        where = quarantine(self.layout, error, folders={"cleaned": self.layout.cleaned})
        storage.remove_tree(self.layout.cleaned)
        return where

    def _fail(self, record: StepRecord, error: PipelineError) -> RunResult:
        from synthpipe.publish import ATTEMPT_FAILED, withdraw

        error.step = error.step or record.name
        where = self._quarantine(record.name, error)
        # A failed attempt leaves no release: this clears what a publish that stopped
        # half-way left (and withdraws its release, had it been marked before the error).
        self.release = None
        withdraw(
            self.layout,
            reason=ATTEMPT_FAILED,
            message=f"This attempt stopped at {record.name} ({error.code}).",
        )
        log_event(log, "run.failed", logging.WARNING, step=error.step, code=error.code)
        status = "refused" if isinstance(error, InputRefused) else "failed"
        kept = f"quarantined under {where}" if where else f"output kept under {self.layout.staging}"
        message = f"{record.name} {status} [{error.code}]: {error} ({kept})"
        if self.withdrawn is not None:
            message += f" The earlier release ({self.withdrawn.describe()}) was withdrawn."
        return self._finish(status, EXIT_FAILED, message, error=error, quarantined=bool(where))

    def _finish(
        self, status: str, code: int, message: str, error=None, quarantined: bool = False
    ) -> RunResult:
        from synthpipe.publish import standing_note

        # Only this attempt's release: `publish` returns it read back complete (each file's
        # size and hash checked), so it is not hashed a third time here.
        published = self.release
        note = standing_note(published, self.withdrawn)
        self.manifest.status = status
        self.manifest.release = {
            **(published.summary() if published else {"attempt": None}),
            "synthetic": published.prefix if published else None,
            "withdrawn": self.withdrawn.summary() if self.withdrawn else None,
            "note": note,
        }
        self.manifest.write(self.layout.manifest_json)
        log_event(
            log,
            "run.finished",
            status=status,
            exit_code=code,
            release=published.attempt if published else None,
            withdrawn=self.withdrawn.attempt if self.withdrawn else None,
        )
        outputs = {
            "manifest": self.layout.manifest_json,
            "log": f"{self.layout.staging}/run.log.jsonl",
        }
        if Path(self.layout.cleaned_data).exists():
            outputs["cleaned"] = self.layout.cleaned
        if quarantined:
            outputs["quarantine"] = self.layout.quarantine
        if Path(f"{self.layout.staging}/report.html").exists():
            outputs["report"] = f"{self.layout.staging}/report.html"
        if published is not None:
            outputs["synthetic"] = published.prefix
            outputs["report"] = published.path("report.html")
        return RunResult(
            dataset=self.layout.dataset,
            run_id=self.layout.run_id,
            workdir=self.workdir,
            status=status,
            exit_code=code,
            message=message,
            steps=self.records,
            error=error,
            outputs=outputs,
            release=note,
        )

    # Steps: each returns (rows, note) and records its facts in the manifest.

    def _validate(self) -> tuple[int, str]:
        from synthpipe.pinning import input_changed
        from synthpipe.validate import validate_file

        report = validate_file(self.raw.path, **self.limits.kwargs())
        if report.sha256 != self.raw.sha256:  # the file under raw/ was changed in place
            raise input_changed({"changed": "content"}, step="validate")
        self.report = report
        self.manifest.source.rows = report.data_rows
        self.manifest.record("validate", **report.to_dict())
        self.config = self._load_config()
        log_event(
            log,
            "validate.done",
            rows=report.data_rows,
            columns=report.columns,
            encoding=report.encoding,
            delimiter=report.delimiter,
        )
        sep = {"\t": "tab"}.get(report.delimiter, report.delimiter)
        return report.data_rows, f"{report.encoding}, '{sep}'-separated"

    def _load_config(self) -> DatasetConfig:
        from synthpipe.evaluate.gate import Thresholds

        path = self.layout.config_json
        if not Path(path).exists():
            return DatasetConfig()
        config = DatasetConfig.from_json(
            Path(path).read_text(), source=f"config/{self.layout.dataset}.json"
        )
        # The gate's rules (pii_hits is fixed at 0) refuse a bad threshold now, not after
        # training, as the start function does on AWS.
        Thresholds.from_settings(config.thresholds, step="config")
        return config

    def _prepare(self) -> tuple[int, str]:
        from synthpipe import spark as spark_session
        from synthpipe.pinning import discard_input, pin_input
        from synthpipe.prepare import CsvDialect, prepare

        # Spark reads the run's own copy of the validated bytes, never the raw name (a
        # Hadoop glob to Spark), as the Glue job does on AWS.
        pinned, report = pin_input(
            str(self.raw.path),
            layout=self.layout,
            expected_sha256=self.report.sha256,
            limits=self.limits,
        )
        if STEPS.index(self.until) >= STEPS.index("train"):
            _preload(TRAINING_MODULES)
        try:
            self.reporter.message("prepare: starting Spark")
            small = self.report.size_bytes <= spark_session.QUICK_START_MAX_BYTES
            spark = spark_session.local_session(quick_start=small)
            self.reporter.message("prepare: reading, profiling and writing Parquet")
            schema = prepare(
                spark,
                source=pinned,
                dialect=CsvDialect.from_report(report),
                layout=self.layout,
                config=self.config,
                seed=self.seed,
                expected_rows=self.report.data_rows,
            )
        finally:
            discard_input(pinned)
        dropped = [c.name for c in schema.columns if c.role == "dropped"]
        identifiers = [c.name for c in schema.columns if c.role == "identifier"]
        self.manifest.record(
            "prepare",
            rows=schema.rows,
            input_rows=schema.input_rows,
            duplicate_rows_dropped=schema.duplicate_rows_dropped,
            columns={
                c.name: {"type": c.type, "role": c.role, "reason": c.reason} for c in schema.columns
            },
            schema=self.layout.schema_json,
        )
        actions = storage.read_json(self.layout.pii_actions_json)
        self.manifest.steps["prepare"]["pii_actions"] = actions
        log_event(
            log,
            "prepare.done",
            rows=schema.rows,
            dropped=dropped,
            identifiers=identifiers,
            pii_actions={a["column"]: [a["action"], a["entity_types"]] for a in actions},
        )
        # Copies, a date's parts, sums and functions: not modelled, written from others.
        written = sum(1 for c in schema.columns if c.written_from_others())
        note = f"{len(schema.kept())} columns kept, {len(dropped) - written} dropped"
        if written:
            note += f", {written} written from others"
        return schema.rows, note

    def _verify(self) -> tuple[int, str]:
        from synthpipe.verify import verify_cleaned

        self.reporter.message("verify: scanning every value of the cleaned data")
        result = verify_cleaned(self.layout)
        self.manifest.record("verify", **result.to_dict())
        log_event(log, "verify.done", rows=result.rows, objects=result.files)
        return result.rows, "no personal data found (local scan; Macie on AWS)"

    def _train(self) -> tuple[int, str]:
        """The SageMaker entry point, in-process, on a folder shaped like /opt/ml."""
        from synthpipe.train import contract

        root = self._training_root()
        with showing_log(self.reporter, "train", "synthpipe.train"):
            paths = contract.run_or_raise(
                root,
                fix="See the reason; change the hyperparameters in config/<dataset>.json "
                "or the data, and run again.",
                step="train",
            )
        summary = storage.read_json(str(paths.model_dir / "training.json"))
        # The lookups' pairs are real categories: the manifest names their columns only.
        named = {"lookups": lookups.named(lookups.lookups_from(summary["lookups"]))}
        self.manifest.record(
            "train", model=str(paths.model_dir), **summary | (named if "lookups" in summary else {})
        )
        rows = summary["rows"]["train"]
        best = summary.get("best") or {}
        engine = summary.get("engine") or {}
        note = f"best epoch {summary.get('best_epoch')}"
        if engine.get("name") == "argn":
            note = "TabularARGN"
        if engine.get("setting") == "auto":
            note = f"auto chose {engine['name']}: {note}"
        if "quality" in best:
            note += f", quality {best['quality']:.2f}"
        return rows, note

    def _training_root(self) -> Path:
        """models/<dataset>/<run_id>/ with input/ (cleaned data, hyperparameters) and model/."""
        from synthpipe.train.contract import TrainingPaths

        root = Path(self.layout.models)
        hyperparameters = {"seed": str(self.seed)} | self.config.training_hyperparameters()
        TrainingPaths(root).set_input(Path(self.layout.cleaned), hyperparameters)
        return root

    def _generate(self) -> tuple[int, str]:
        from synthpipe.generate import generate

        self.reporter.message("generate: sampling synthetic rows")
        result = generate(
            model_dir=Path(self.layout.models) / "model",
            out_dir=self.layout.staging,
            rows=self.config.rows_to_generate,
            seed=self.seed,
            cleaned_dir=Path(self.layout.cleaned),
        )
        self.manifest.record("generate", **asdict(result))
        note = ""
        if result.target_column and result.target_rates and result.real_target_rates:
            label = min(result.real_target_rates, key=result.real_target_rates.get)  # rarest
            note = (
                f"{result.target_column}={label}: {result.target_rates.get(label, 0):.2%} "
                f"(real {result.real_target_rates[label]:.2%})"
            )
        if result.orders:
            pairs = result.orders["pairs"]
            kept = f"{pairs} column order{'s' if pairs > 1 else ''} kept"
            note = "; ".join(filter(None, (note, kept)))
        return result.rows, note

    def _evaluate(self) -> tuple[int, str]:
        from synthpipe.evaluate.gate import manifest_metrics
        from synthpipe.evaluate.step import evaluate_run

        self.reporter.message("evaluate: fidelity, privacy, utility")
        report = evaluate_run(
            cleaned_dir=Path(self.layout.cleaned),
            model_dir=Path(self.layout.models) / "model",
            staging_dir=Path(self.layout.staging),
            target_column=self.config.target_column,
            thresholds=self.config.thresholds,
            seed=self.seed,
            lineage=self._lineage(),
        )
        data = report.to_dict()
        self.manifest.record(
            "evaluate",
            verdict=data["verdict"],
            gates=data["gates"],
            quality=data["quality"]["score"],
            privacy={k: v for k, v in data["privacy"].items() if k != "dcr"},
            metrics=manifest_metrics(data),
            report=f"{self.layout.staging}/report.json",
            # Training's DP budget as the report has it ({"mode": "off"} without DP).
            differential_privacy=data.get("differential_privacy") or {"mode": "off"},
        )
        log_event(log, "evaluate.done", verdict=data["verdict"], failed=report.failed_gates)
        note = f"verdict {data['verdict']}, quality {data['quality']['score']:.2f}"
        return data["sample_sizes"]["synthetic_rows"], note

    def _lineage(self) -> dict:
        source = asdict(self.manifest.source)
        return {
            "dataset": self.layout.dataset,
            "run_id": self.layout.run_id,
            "source": source,
            "code_version": self.manifest.code_version,
            "seed": self.seed,
        }

    def _publish(self) -> tuple[int, str]:
        from synthpipe.publish import publish

        report = storage.read_json(f"{self.layout.staging}/report.json")
        self.manifest.status = "published"
        self.manifest.record("publish", synthetic=self.layout.synthetic)
        self.release = publish(self.layout, self.manifest.to_dict())
        self.manifest.record("publish", synthetic=self.layout.synthetic, **self.release.summary())
        note = f"verdict {report['verdict']}, release attempt {self.release.attempt}"
        return self.manifest.steps["generate"]["rows"], note


def _preload(modules: tuple[str, ...]) -> threading.Thread:
    """Import `modules` in a daemon thread. A module the main thread imports meanwhile
    waits for it (Python's per-module import lock); a failure is left for Train's own
    import to raise and report."""

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # reported where the module is used
                return

    thread = threading.Thread(target=load, name="preload-training", daemon=True)
    thread.start()
    return thread


def _crashed(step: str, error: Exception) -> StepFailed:
    return StepFailed(
        code="step_crashed",
        message=f"The {step} step stopped on an unexpected {type(error).__name__}.",
        fix="This is a bug in synthpipe: report it with the run's log (run.log.jsonl).",
        details={"exception": type(error).__name__},
        step=step,
    )
