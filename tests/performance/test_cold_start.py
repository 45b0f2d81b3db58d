"""A cold start imports what every invocation needs and nothing more, reads no settings and
makes no AWS client (the benchmark times it; this only checks what is imported)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.bench.cold_start import ENTRY_MODULES, REPO_ROOT, imported_libraries


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_an_entry_module_leaves_the_optional_libraries_to_first_use(module: str) -> None:
    assert imported_libraries(module) == []


def test_importing_the_functions_reads_no_setting_and_makes_no_client() -> None:
    probe = """
import os, boto3
def refuse(*args, **kwargs):
    raise AssertionError("an AWS client was made at import")
boto3.client = boto3.Session.client = refuse
os.environ.clear()
import app, chalicelib.jobs, chalicelib.mail_events
from chalicelib import bootstrap, mail
assert bootstrap.container.cache_info().currsize == 0, "the container was built"
assert mail._environment.cache_info().currsize == 0, "templates were compiled"
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
