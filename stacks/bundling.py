"""Code assets built at synth time without Docker: Lambda folders and the Glue zip.

Both copy the synthpipe package as it is in the repository, so the cloud runs the code
the tests ran. Files are copied in a fixed order with fixed timestamps so that asset hashes
(and snapshots) change only when the code does.
"""

from __future__ import annotations

import atexit
import importlib.util
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import aws_cdk as cdk
import jsii

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "synthpipe"
LAMBDAS = REPO / "lambdas"
# Pure-Python modules that synthpipe imports at Lambda run time, copied from the
# environment that synthesizes (pinned by requirements.txt): anyascii (names.py) and
# synthpipe.pii's detectors, which validation's header scan runs in the start function:
# python-stdnum, phonenumbers, email-validator (with its idna and dnspython), faker
# (per-locale person names) and names (the US Census name lists); and charset-normalizer,
# which names a non-UTF-8 file's non-Latin encoding (its compiled speed-ups are built for
# the synthesizing Python and left out: the runtime reads its pure-Python modules). About
# 90 MB unzipped, under Lambda's 250 MB.
LAMBDA_VENDORED = (
    "anyascii",
    "stdnum",
    "phonenumbers",
    "email_validator",
    "idna",
    "dns",
    "faker",
    "names",
    "charset_normalizer",
)
# The pure-Python dependencies of Prepare that Glue installs at job start (pins from
# requirements.txt, the one place they are pinned).
GLUE_MODULES = (
    "anyascii",
    "python-stdnum",
    "phonenumbers",
    "email-validator",
    "faker",
    "names",
    "charset-normalizer",  # Prepare validates its pinned copy again (synthpipe.pinning)
)
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.so")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def package_files(root: Path) -> list[Path]:
    """Every file of a package folder, sorted, without bytecode."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )


@jsii.implements(cdk.ILocalBundling)
class LambdaBundle:
    """The Lambda folder: the handlers of lambdas/, the synthpipe package, vendored modules.

    One folder serves every function (each names its own `<handler>.handler`): CDK caches
    a bundle by its source folder and options, which are the same for all of them.
    """

    def try_bundle(self, output_dir: str, *, image=None, **options) -> bool:
        out = Path(output_dir)
        for handler in sorted(LAMBDAS.glob("*.py")):
            shutil.copyfile(handler, out / handler.name)
        shutil.copytree(PACKAGE, out / "synthpipe", ignore=_SKIP)
        for module in LAMBDA_VENDORED:
            spec = importlib.util.find_spec(module)
            if spec is None or spec.origin is None:
                raise RuntimeError(f"{module} is not installed: run `make` to set up .venv")
            shutil.copytree(Path(spec.origin).parent, out / module, ignore=_SKIP)
        return True


def lambda_code() -> cdk.aws_lambda.Code:
    return cdk.aws_lambda.Code.from_asset(
        str(LAMBDAS),
        bundling=cdk.BundlingOptions(
            # Required by the type, never pulled: local bundling always succeeds.
            image=cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.14"),
            local=LambdaBundle(),
        ),
    )


def synthpipe_zip() -> Path:
    """synthpipe as a zip for Glue's --extra-py-files, deterministic byte for byte. Its
    folder is removed when the process ends: by then synthesis has staged a copy."""
    folder = tempfile.mkdtemp(prefix="synthpipe-glue-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = Path(folder) / "synthpipe.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in package_files(PACKAGE):
            info = zipfile.ZipInfo(str(path.relative_to(REPO)), date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


def glue_python_modules() -> str:
    """`--additional-python-modules`: Prepare's pure-Python dependencies, pinned."""
    pins: dict[str, str] = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    missing = [m for m in GLUE_MODULES if m not in pins]
    if missing:
        raise RuntimeError(f"requirements.txt pins none of {missing}")
    return ",".join(f"{m}=={pins[m]}" for m in GLUE_MODULES)
