"""Operations fixtures: the app on moto, and the CloudWatch metrics (EMF) it writes to stdout."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.observability import metrics
from tests.conftest import FixedClock


@pytest.fixture
def client(clock: FixedClock) -> Iterator[Client]:
    with Client(app) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def no_leftover_metrics() -> None:
    """Start from nothing recorded (a test elsewhere may call a service without flushing)."""
    metrics().clear_metrics()


def emf_blobs(stdout: str) -> list[dict[str, Any]]:
    """The embedded-metric-format documents among the lines written to stdout."""
    blobs = []
    for line in stdout.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            blobs.append(json.loads(line))
    return blobs


def metric_totals(blobs: list[dict[str, Any]]) -> dict[str, float]:
    """Each metric's values summed over all documents."""
    totals: dict[str, float] = defaultdict(float)
    for blob in blobs:
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                totals[metric["Name"]] += sum(value) if isinstance(value, list) else value
    return dict(totals)


def metric_units(blobs: list[dict[str, Any]]) -> dict[str, str]:
    return {
        metric["Name"]: metric["Unit"]
        for blob in blobs
        for directive in blob["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    }
