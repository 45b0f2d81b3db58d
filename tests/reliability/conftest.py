"""Reliability and security tests (issue 7): bad input, hostile files, abuse, faults, a stateful
property test and privacy. Each test counts what it tried and what went wrong into `figures`,
written to var/reliability/figures.json at the end of the session; `make verify` renders them
into docs/reliability.md (tests/reliability/report.py).

`make test` runs these with a small budget; `make verify` sets RELIABILITY_BUDGET=full.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, settings

from app import app
from infra.local_stack import REPO_ROOT
from tests.conftest import FixedClock

FIGURES_FILE = REPO_ROOT / "var" / "reliability" / "figures.json"
FULL = os.environ.get("RELIABILITY_BUDGET", "").strip().lower() == "full"


def budget(small: int, full: int) -> int:
    """How many examples a generated test tries: `small` in `make test`, `full` in verify."""
    return full if FULL else small


def generated(small: int, full: int) -> settings:
    """Hypothesis settings of these tests: deterministic (the same examples every run, so the
    figures are reproducible), no deadline (moto is slow at times), fixtures shared by the
    examples of one test on purpose (the service's state carries over, as it would)."""
    return settings(
        max_examples=budget(small, full),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


class Figures:
    """Counts per figure: how many things were tried, and how many ended badly (must be 0)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}

    def add(self, key: str, tried: int = 0, bad: int = 0) -> None:
        entry = self.counts.setdefault(key, {"tried": 0, "bad": 0})
        entry["tried"] += tried
        entry["bad"] += bad

    def write(self, path: Path) -> None:
        """Merge into the file: the figures of this run replace those of the same key."""
        path.parent.mkdir(parents=True, exist_ok=True)
        previous: dict[str, dict[str, int]] = {}
        if path.exists():
            try:
                previous = json.loads(path.read_text(encoding="utf-8"))["figures"]
            except (ValueError, KeyError):
                previous = {}
        merged = {**previous, **self.counts}
        document = {"budget": "full" if FULL else "small", "figures": merged}
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


_SESSION_FIGURES = Figures()


@pytest.fixture(scope="session")
def figures() -> Iterator[Figures]:
    yield _SESSION_FIGURES
    if _SESSION_FIGURES.counts:
        _SESSION_FIGURES.write(FIGURES_FILE)


@pytest.fixture
def client(clock: FixedClock) -> Iterator[Client]:
    """Chalice's test client on the real app over moto, on Tuesday 24 November 2026."""
    with Client(app) as test_client:
        yield test_client
