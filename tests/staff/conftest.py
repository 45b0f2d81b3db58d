"""Staff fixtures: a moto Cognito pool whose tokens the app verifies, and a front-desk client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib import bootstrap
from chalicelib.adapters.cognito import CognitoTokenVerifier, StaticKeySource
from tests.conftest import REGION, FixedClock
from tests.staff_tokens import StaffPool, create_staff_pool, moto_jwks


@pytest.fixture
def pool(clock: FixedClock) -> StaffPool:
    staff_pool = create_staff_pool(REGION)
    bootstrap.container().token_verifier = CognitoTokenVerifier(
        StaticKeySource(moto_jwks()), staff_pool.issuer, staff_pool.client_id
    )
    return staff_pool


@dataclass
class StaffClient:
    client: Client
    token: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.http.request(
            method,
            path,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
        )

    def get(self, path: str) -> Any:
        return self.call("GET", path)


@pytest.fixture
def client(clock: FixedClock) -> Iterator[Client]:
    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def desk(client: Client, pool: StaffPool) -> StaffClient:
    return StaffClient(client, pool.access_token("staff"))


@pytest.fixture
def admin(client: Client, pool: StaffPool) -> StaffClient:
    return StaffClient(client, pool.access_token("admin"))
