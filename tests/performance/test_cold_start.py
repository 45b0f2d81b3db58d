"""A cold start imports what every invocation needs and nothing more, reads no settings and
makes no AWS client (the benchmark times it; this only checks what is imported)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infra.bench.cold_start import ENTRY_MODULES, REPO_ROOT, imported_libraries

# What only the staff console's routes use: the applicant API function's cold start imports none
# of it (issue 17; docs/performance.md 7.4), nor what only one rare route of its own needs.
STAFF_CONSOLE = (
    "chalicelib.api.staff",
    "chalicelib.api.desk",
    "chalicelib.api.staff_auth",
    "chalicelib.api.staff_schemas",
    "chalicelib.domain.staff",
    "chalicelib.services.allocation",
    "chalicelib.domain.allocation",  # services/ports.py names its types for type checking only
)
ON_THEIR_OWN_REQUEST = (
    "chalicelib.api.openapi",  # GET /openapi.json
    "chalicelib.api.office_schemas",  # GET /office
    "chalicelib.services.retention",  # GET /office
)


def _modules(module: str) -> set[str]:
    """The modules of chalicelib importing `module` loads (a fresh interpreter)."""
    probe = (
        f"import json, sys, {module}; "
        "print(json.dumps([n for n in sys.modules if n.startswith('chalicelib')]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_an_entry_module_leaves_the_optional_libraries_to_first_use(module: str) -> None:
    assert imported_libraries(module) == []


# One app per process: Chalice registers a blueprint with one app only (chalicelib/api/apps.py).
@pytest.mark.parametrize("api", ["app", "chalicelib.applicant_api", "chalicelib.staff_api"])
def test_importing_the_functions_reads_no_setting_and_makes_no_client(api: str) -> None:
    probe = """
import os, boto3
def refuse(*args, **kwargs):
    raise AssertionError("an AWS client was made at import")
boto3.client = boto3.Session.client = refuse
os.environ.clear()
import importlib, chalicelib.jobs, chalicelib.mail_events
importlib.import_module(API)
from chalicelib import bootstrap, mail
assert bootstrap._built.cache_info().currsize == 0, "the container was built"
assert mail._environment.cache_info().currsize == 0, "templates were compiled"
"""
    done = subprocess.run(
        [sys.executable, "-c", probe.replace("API", repr(api))],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_applicant_function_imports_nothing_of_the_staff_console() -> None:
    applicant = _modules("chalicelib.applicant_api")
    staff = _modules("chalicelib.staff_api")
    everything = _modules("app")

    assert sorted(applicant & {*STAFF_CONSOLE, *ON_THEIR_OWN_REQUEST}) == []
    assert set(STAFF_CONSOLE) <= staff
    assert len(applicant) <= len(everything) - len(STAFF_CONSOLE)
