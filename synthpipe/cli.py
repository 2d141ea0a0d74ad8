"""`synthpipe`: run the pipeline locally, on a file or on the bundled sample."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from synthpipe import __version__
from synthpipe.errors import PipelineError
from synthpipe.evaluate.gate import places_apart
from synthpipe.runner import STEPS, RunResult, last_built_step, run_local
from synthpipe.validate import DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_BYTES

DEFAULT_WORKDIR = Path("runs")
DEMO_ROWS = 50_000
DEMO_CONFIG = {"target_column": "fraud"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synthpipe",
        description="Privacy-preserving synthetic data: the pipeline's steps on one machine, "
        "on a folder laid out like the S3 bucket (raw/, cleaned/, quarantine/, ...).",
    )
    parser.add_argument("--version", action="version", version=f"synthpipe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the pipeline on a CSV file",
        description="Copy FILE to <workdir>/raw/<dataset>/ and run the steps in order: "
        + ", ".join(STEPS)
        + ". Exit 0 when the run reached its last step, 1 when the input was refused or a "
        "step failed (the reason is on stderr, the file is in quarantine/), 3 when the run "
        "stopped before a step that is not built yet.",
    )
    run.add_argument("file", type=Path, metavar="FILE", help="the CSV file to process")
    run.add_argument("--dataset", help="dataset name (default: a slug of the file name)")
    _common(run)
    run.add_argument(
        "--max-bytes", type=int, default=None, help="refuse files larger than this (default 5 GiB)"
    )
    run.add_argument(
        "--max-columns",
        type=_positive,
        default=None,
        help=f"refuse files with more columns than this (default {DEFAULT_MAX_COLUMNS:,})",
    )
    run.add_argument(
        "--max-record-bytes",
        type=_positive,
        default=None,
        help="refuse a record (a row, with its quoted line breaks) longer than this many "
        f"bytes (default {DEFAULT_MAX_RECORD_BYTES:,}, 1 MiB)",
    )

    demo = commands.add_parser(
        "demo",
        help="run the pipeline on the bundled BankSim-shaped sample",
        description="Write the bundled sample (BankSim-shaped card transactions) to "
        "<workdir>/raw/banksim/, with config/banksim.json naming `fraud` as the target "
        "column, and run the pipeline on it.",
    )
    _common(demo)
    demo.add_argument(
        "--rows",
        type=_positive,
        default=DEMO_ROWS,
        help=f"rows of sample data (default {DEMO_ROWS:,})",
    )
    _train_parser(commands)
    _smoke_parser(commands)
    report = commands.add_parser(
        "report",
        help="render report.html again from a run's report.json",
        description="Read RUN_DIR/report.json (a run's staging/<dataset>/<run_id>/ folder), "
        "check its version and the report schema, and write RUN_DIR/report.html again. A "
        "release folder (synthetic/...) is refused: its files are fixed by its manifest.json.",
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="folder with report.json")

    scan = commands.add_parser(
        "scan",
        help="find personal data in a CSV or Parquet file",
        description="Classify each column of FILE (CSV, Parquet, or a folder of Parquet "
        "files) from its name and a sample of its values: entity types found, confidence, "
        "and the action Prepare would take. Exit 0 when nothing was found, 1 when personal "
        "data was found, 2 on error.",
    )
    scan.add_argument("file", type=Path, metavar="FILE", help="CSV or Parquet file to scan")
    scan.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object {"columns": [...]} and nothing else',
    )
    scan.add_argument(
        "--sample-size", type=_positive, default=1000, help="values read per column (default 1000)"
    )
    return parser


def _train_parser(commands) -> None:
    train = commands.add_parser(
        "train",
        help="retrain a run's model with other hyperparameters, locally or on SageMaker",
        description="Train again on the cleaned data of an earlier run, starting from the "
        "hyperparameters that run trained with and changing those given with --set. "
        "Locally: into <workdir>/models/<dataset>/<run_id>/retrain-<time>/. With "
        "--on-sagemaker: a copy of the run's training job (same image, role, cleaned/ input, "
        "KMS key and network isolation, its own checkpoints); its model lands beside the "
        "run's, under models/<dataset>/<run_id>/<job>/. Exit 0 when training finished (or, "
        "without --wait, the job started), 1 when refused or training failed, 2 when AWS "
        "could not be reached.",
    )
    train.add_argument("--dataset", required=True, help="the run's dataset")
    train.add_argument("--run-id", required=True, help="the run to retrain (its run id)")
    train.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a hyperparameter to change (repeat it), e.g. --set epochs=400",
    )
    train.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="local runs: folder laid out like the S3 bucket (default ./runs)",
    )
    train.add_argument(
        "--on-sagemaker", action="store_true", help="start a SageMaker training job instead"
    )
    aws = train.add_argument_group("with --on-sagemaker")
    aws.add_argument("--region", help="where the pipeline is deployed (default: AWS config)")
    aws.add_argument("--profile", help="AWS named profile (default: AWS config)")
    aws.add_argument("--instance-type", help="e.g. ml.g5.xlarge (default: the run's)")
    aws.add_argument(
        "--spot",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="managed spot training (default: as the run)",
    )
    aws.add_argument(
        "--max-runtime-minutes", type=_positive, help="stop after this long (default: the run's)"
    )
    aws.add_argument(
        "--wait", action="store_true", help="follow the job to its end, showing its log"
    )


def _smoke_parser(commands) -> None:
    smoke = commands.add_parser(
        "smoke",
        help="deploy to a real AWS account, run the sample through, report, destroy",
        description="Check what a first deploy needs (CDK bootstrap, Docker, Macie, the "
        "SageMaker spot quota), deploy both stacks (npx cdk deploy, with retainData=false "
        "unless -c says otherwise), upload the bundled sample to raw/smoke/, follow the "
        "execution, check the release and its verdict, print the wall time and the usage "
        "that costs money, then destroy the stacks (unless --keep). Refuses to run over "
        "stacks that already exist unless --keep. Exit 0 when the run published a passing "
        "release, 1 otherwise, 2 on a usage error.",
    )
    smoke.add_argument("--region", required=True, help="the Region to deploy to")
    smoke.add_argument("--profile", help="AWS named profile (default: AWS config)")
    smoke.add_argument("--keep", action="store_true", help="keep the stacks at the end")
    smoke.add_argument(
        "--dry-run", action="store_true", help="print every step and call; touch nothing"
    )
    smoke.add_argument(
        "-c",
        "--context",
        dest="context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a CDK setting for the deploy (repeat it), e.g. -c skipMacie=true",
    )
    smoke.add_argument(
        "--rows", type=_positive, default=DEMO_ROWS, help=f"sample rows (default {DEMO_ROWS:,})"
    )
    smoke.add_argument(
        "--timeout-minutes",
        type=_positive,
        default=120,
        help="give up on (and stop) the execution after this long (default 120)",
    )
    smoke.add_argument(
        "--poll-seconds", type=_positive, default=30, help="wait between polls (default 30)"
    )


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="folder laid out like the S3 bucket (default ./runs)",
    )
    command.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    command.add_argument(
        "--until", choices=STEPS, metavar="STEP", help=f"stop after this step ({', '.join(STEPS)})"
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Errors of libraries reach the terminal; our own reasons are printed by the commands.
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.ERROR)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(console)
    try:
        return _command(args)
    finally:
        root.removeHandler(console)


def _command(args: argparse.Namespace) -> int:
    if args.command == "scan":
        return _scan(args)
    if args.command == "report":
        return _report(args.run_dir)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "train":
            return _train(args)
        if args.command == "smoke":
            return _smoke(args)
        limits = {
            "max_bytes": args.max_bytes,
            "max_columns": args.max_columns,
            "max_record_bytes": args.max_record_bytes,
        }
        return _run(args.file, args.dataset, args.workdir, args.until, args.seed, limits)
    except PipelineError as error:
        print(f"synthpipe: {error.code}: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"synthpipe: {error}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
    from synthpipe.sample_data import write_banksim_csv

    sample = args.workdir / "samples" / "banksim.csv"
    sample.parent.mkdir(parents=True, exist_ok=True)
    write_banksim_csv(sample, rows=args.rows, seed=args.seed)
    print(f"Sample: {args.rows:,} BankSim-shaped transactions in {sample}")
    config = args.workdir / "config" / "banksim.json"
    if not config.exists():  # as a data owner would: name the target the report judges
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps(DEMO_CONFIG, indent=2) + "\n")
        print(f"Dataset config: {config}")
    built = last_built_step()
    code = _run(sample, "banksim", args.workdir, args.until or built, args.seed, None)
    if code == 0 and built != STEPS[-1]:
        later = ", ".join(STEPS[STEPS.index(built) + 1 :])
        print(f"The demo ran every step built so far; still to come: {later}.")
    return code


def _train(args: argparse.Namespace) -> int:
    from synthpipe.retrain import RetrainRequest, parse_overrides

    request = RetrainRequest(
        dataset=args.dataset,
        run_id=args.run_id,
        overrides=parse_overrides(args.overrides),
        instance_type=args.instance_type,
        spot=args.spot,
        max_runtime_minutes=args.max_runtime_minutes,
    )
    if args.on_sagemaker:
        return _train_on_sagemaker(request, args)
    from synthpipe.progress import TerminalReporter, showing_log
    from synthpipe.retrain import retrain_locally

    with showing_log(TerminalReporter(), "train", "synthpipe.train"):
        job = retrain_locally(request, workdir=args.workdir)
    print(f"Trained {job.name} from {request.dataset}/{request.run_id}.")
    _print_retrain(job)
    return 0


def _train_on_sagemaker(request, args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from synthpipe.retrain import retrain_on_sagemaker

    try:
        session = boto3.Session(region_name=args.region, profile_name=args.profile)
        job = retrain_on_sagemaker(request, session=session, wait=args.wait)
    except (BotoCoreError, ClientError) as error:
        print(
            f"synthpipe: AWS: {error}. Check the credentials and region this command uses "
            "(aws configure, AWS_PROFILE or --profile, --region).",
            file=sys.stderr,
        )
        return 2
    print(f"SageMaker training job {job.name} ({job.status}), a copy of {job.source}.")
    _print_retrain(job)
    if job.checkpoints:
        print(f"Checkpoints: {job.checkpoints}")
    for name, value in job.metrics.items():
        print(f"  {name}: {value:.4f}")
    if not args.wait:
        print(f"Follow it: aws sagemaker describe-training-job --training-job-name {job.name}")
    if job.status in ("Failed", "Stopped"):
        print(f"synthpipe: training {job.status.lower()}: {job.failure_reason}", file=sys.stderr)
        return 1
    return 0


def _smoke(args: argparse.Namespace) -> int:
    from synthpipe.smoke import SmokeOptions, run_smoke, summary

    context = {}
    for pair in args.context:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"-c {pair}: write each setting as -c KEY=VALUE")
        context[key.strip()] = value.strip()
    options = SmokeOptions(
        region=args.region,
        profile=args.profile,
        keep=args.keep,
        dry_run=args.dry_run,
        context=context,
        rows=args.rows,
        timeout_minutes=args.timeout_minutes,
        poll_seconds=args.poll_seconds,
    )
    result = run_smoke(options)
    for line in summary(result):
        print(line)
    return 0 if result.passed or args.dry_run else 1


def _print_retrain(job) -> None:
    changed = " ".join(f"{k}={v}" for k, v in job.changed.items()) or "none"
    print(f"Changed hyperparameters: {changed}")
    print(f"Model: {job.model}")


def _report(run_dir: Path) -> int:
    import jsonschema

    from synthpipe.evaluate import REPORT_VERSION, load_schema, write_report

    source = run_dir / "report.json"
    if _holds_a_release(run_dir):
        print(
            f"synthpipe: will not render into {run_dir}: it holds a release, whose files "
            "manifest.json fixes by size and hash (a rewritten file would unmake it); "
            "render the run's staging/<dataset>/<run_id>/ folder instead",
            file=sys.stderr,
        )
        return 2
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        _check_report_version(data, REPORT_VERSION)
        jsonschema.validate(data, load_schema())
    except (OSError, ValueError, jsonschema.ValidationError) as error:
        problem = getattr(error, "message", None) or str(error)
        print(f"synthpipe: cannot render {source}: {problem}", file=sys.stderr)
        return 2
    _, html = write_report(data, run_dir)
    print(f"Report: {html}")
    return 0


def _holds_a_release(folder: Path) -> bool:
    """A synthetic/<dataset>/<run_id>/ folder: its manifest.json is a release's marker."""
    from synthpipe.publish import MARKER, is_marker

    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return is_marker(marker)


def _check_report_version(data: object, expected: str) -> None:
    """Refuse an older report: version 1 printed real minimums, maximums and rare labels,
    so rendering it again would publish them again."""
    version = data.get("version") if isinstance(data, dict) else None
    if version is not None and version != expected:
        raise ValueError(
            f"report.json version {version} is not {expected}, the version this synthpipe "
            "renders (older reports may show real minimums, maximums and rare categories); "
            "evaluate the run again"
        )


def _gate_lines(result: RunResult) -> list[str]:
    """The verdict and each gate's figure, when the run got as far as the report."""
    if "report" not in result.outputs:
        return []
    report_json = Path(result.outputs["report"]).with_name("report.json")
    if not report_json.exists():
        return []
    report = json.loads(report_json.read_text())
    lines = [f"Verdict: {report['verdict'].upper()}"]
    for gate in report["gates"]:
        mark = "pass" if gate["passed"] else "FAIL"
        value, threshold = gate["value"], gate["threshold"]
        places = places_apart(value, threshold) if isinstance(value, float) else 0
        shown = f"{value:.{places}f}" if isinstance(value, float) else str(value)
        lines.append(f"  {mark}  {gate['name']}: {shown} (threshold {threshold})")
    return lines


def _scan(args: argparse.Namespace) -> int:
    from synthpipe.pii import DetectorSettings
    from synthpipe.scan import scan_file

    try:
        if not args.file.exists():
            raise ValueError(f"{args.file} does not exist")
        columns = scan_file(args.file, settings=DetectorSettings(sample_size=args.sample_size))
    except (PipelineError, ValueError, OSError) as error:
        print(f"synthpipe: scan failed: {error}", file=sys.stderr)
        return 2
    found = any(c.entity_types for c in columns)
    if args.json:
        print(json.dumps({"columns": [c.to_dict() for c in columns]}))
    else:
        _print_scan(columns)
    return 1 if found else 0


def _print_scan(columns) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Personal data by column")
    for header in ("column", "entity types", "confidence", "action"):
        table.add_column(header)
    for c in columns:
        types = ", ".join(c.entity_types) or "-"
        table.add_row(c.name, types, f"{c.confidence:.2f}" if c.entity_types else "", c.action)
    Console(file=sys.stdout).print(table)


def _run(file, dataset, workdir, until, seed, limits: dict[str, int | None] | None) -> int:
    from synthpipe.progress import TerminalReporter, print_summary

    result = run_local(
        file,
        dataset=dataset,
        workdir=workdir,
        until=until,
        seed=seed,
        reporter=TerminalReporter(),
        **(limits or {}),
    )
    print_summary(result.steps, _result_lines(result))
    if result.exit_code != 0:
        print(f"synthpipe: {result.message}", file=sys.stderr)
    return result.exit_code


def _result_lines(result: RunResult) -> list[str]:
    lines = [f"Run {result.run_id} of dataset '{result.dataset}': {result.status}."]
    lines += _gate_lines(result)
    if result.exit_code == 0:
        lines.append(result.message)
    if result.release:
        lines.append(result.release)
    labels = {
        "synthetic": "Synthetic data",
        "report": "Report",
        "cleaned": "Cleaned data",
        "quarantine": "Quarantine",
        "manifest": "Manifest",
        "log": "Log",
    }
    lines += [f"{label}: {result.outputs[k]}" for k, label in labels.items() if k in result.outputs]
    return lines
