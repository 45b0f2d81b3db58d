"""Figure 4: what a cold start imports, and what the deployment package weighs.

Import times come from `python -X importtime` in fresh processes (the median of several, taken
in turns so that a busy moment hits every statement alike): the sum of the cumulative times
of the modules the statement imported, without those the interpreter imports for itself.
"""

from __future__ import annotations

import json
import os
import py_compile
import re
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infra.package_code import finish

REPO_ROOT = Path(__file__).resolve().parents[2]
# What a function's module needs anyway: the frameworks, imported alone.
FRAMEWORKS = "import chalice, boto3, pydantic"
# The modules Lambda imports first for each function (Handler in the packaged template; the
# API's two functions' are set by infra/finalize.py).
ENTRY_MODULES = (
    "chalicelib.applicant_api",
    "chalicelib.staff_api",
    "chalicelib.jobs",
    "chalicelib.mail_events",
)
# Libraries only some requests need: imported where first used, never by an entry module.
LAZY_LIBRARIES = ("jinja2", "holidays", "jwt", "cryptography", "email_validator")
_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)")


def _imports(statement: str, where: Path = REPO_ROOT) -> dict[str, int]:
    """Top-level modules imported by `statement` in a fresh interpreter started in `where`, with
    their cumulative import time in microseconds. Bytecode is used where it is cached, and none
    is written (-B), as in Lambda, whose code folder is read-only: in an unpacked deployment
    package a module compiles from source unless infra/package_code.py compiled it."""
    done = subprocess.run(
        [sys.executable, "-B", "-X", "importtime", "-c", statement],
        cwd=where,
        capture_output=True,
        text=True,
        check=True,
    )
    found = {}
    for line in done.stderr.splitlines():
        match = _LINE.match(line)
        if match and match.group(2) == " ":  # one space: imported by the statement itself
            found[match.group(3)] = int(match.group(1))
    return found


def import_times_ms(
    statements: Sequence[str], runs: int = 10, where: Path = REPO_ROOT
) -> dict[str, float]:
    """The median import time (ms) of each statement over `runs` fresh processes."""
    interpreter = set(_imports("pass"))
    times: dict[str, list[float]] = {s: [] for s in statements}
    for _ in range(runs):
        for statement in statements:
            found = _imports(statement, where)
            times[statement].append(
                sum(us for name, us in found.items() if name not in interpreter) / 1000
            )
    return {s: statistics.median(t) for s, t in times.items()}


def compile_sources(root: Path = REPO_ROOT) -> None:
    """Bytecode for the app's own modules in the working tree, as the installed frameworks
    have theirs: a shell with PYTHONDONTWRITEBYTECODE (this machine's) would otherwise time
    the app's modules compiled from source against the frameworks' cached bytecode."""
    for source in [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]:
        py_compile.compile(str(source), doraise=True)


def imported_libraries(module: str, candidates: Sequence[str] = LAZY_LIBRARIES) -> list[str]:
    """Which of `candidates` importing `module` pulls in (a fresh interpreter)."""
    probe = (
        f"import sys, {module}; "
        f"print(','.join(n for n in {tuple(candidates)!r} if n in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return [name for name in done.stdout.strip().split(",") if name]


@dataclass(frozen=True)
class DeploymentPackage:
    zipped_bytes: int
    by_top_level: Counter[str]  # compressed bytes per top-level folder or file of the zip
    bytecode_modules: int  # modules shipped with their bytecode (__pycache__/*.pyc)
    import_ms: dict[str, float] = field(default_factory=dict)  # unpacked, by statement

    @property
    def zipped_mb(self) -> float:
        return self.zipped_bytes / 1_000_000


def build_package(stage: str = "prod", import_runs: int = 0) -> DeploymentPackage:
    """`chalice package` and infra/package_code.py as `make package` runs them, into a
    temporary folder; its zip. With
    `import_runs`, also the import times of the entry modules from the unpacked package."""
    environment = {**os.environ, "AWS_DEFAULT_REGION": "eu-central-1"}
    environment.pop("AWS_ENDPOINT_URL", None)
    with tempfile.TemporaryDirectory(prefix="bench-package-") as out:
        subprocess.run(
            [
                str(Path(sys.executable).parent / "chalice"),
                "package",
                "--stage",
                stage,
                "--merge-template",
                "infra/resources.json",
                out,
            ],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            check=True,
        )
        finish(json.loads((Path(out) / "sam.json").read_text()), Path(out) / "deployment.zip")
        package = package_contents(Path(out) / "deployment.zip")
        if import_runs:
            unpacked = Path(out) / "unpacked"
            with zipfile.ZipFile(Path(out) / "deployment.zip") as archive:
                archive.extractall(unpacked)
            statements = [FRAMEWORKS, *(f"import {m}" for m in ENTRY_MODULES)]
            package.import_ms.update(import_times_ms(statements, import_runs, unpacked))
        return package


def package_contents(path: Path) -> DeploymentPackage:
    by_top_level: Counter[str] = Counter()
    bytecode = 0
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            by_top_level[entry.filename.split("/")[0]] += entry.compress_size
            bytecode += entry.filename.endswith(".pyc")
    return DeploymentPackage(path.stat().st_size, by_top_level, bytecode)
