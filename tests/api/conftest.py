"""API fixtures: Chalice's test client on the real app, over moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from tests.conftest import FixedClock


@pytest.fixture
def client(clock: FixedClock) -> Iterator[Client]:
    with Client(app) as test_client:
        yield test_client
