"""Every staff route against every kind of token: only a valid one of the right group passes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib import bootstrap
from tests.staff_tokens import (
    StaffPool,
    foreign_key_token,
    hs256_with_public_key,
    unsigned,
)

ADMIN_ONLY = "admin"
STAFF = "staff"
ID = "0" * 32

# (method, path, body, who may call it). Every /staff route of the app must be listed here.
STAFF_ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/staff/queue", None, STAFF),
    ("GET", f"/staff/registrations/{ID}", None, STAFF),
    ("GET", "/staff/audit", None, ADMIN_ONLY),
    ("GET", "/staff/stats", None, STAFF),
    ("GET", "/staff/stats.csv", None, STAFF),
    ("GET", "/staff/appointments", None, STAFF),
    ("POST", f"/staff/registrations/{ID}/check-in", {"outcome": "data_correct"}, STAFF),
    ("POST", f"/staff/registrations/{ID}/no-show", None, STAFF),
    ("GET", "/staff/capacity", None, STAFF),
    ("PUT", "/staff/capacity/2026-11-24", {"slots": 5}, ADMIN_ONLY),
    ("POST", "/staff/allocations", {"date": "2026-11-24"}, ADMIN_ONLY),
    ("GET", "/staff/reviews", None, STAFF),
    (
        "POST",
        f"/staff/registrations/{ID}/review",
        {"outcome": "verified", "reason": "card checked"},
        STAFF,
    ),
    ("POST", f"/staff/registrations/{ID}/lift-hold", {"reason": "identity proven"}, ADMIN_ONLY),
    ("POST", f"/staff/registrations/{ID}/void", {"reason": "not registered by her"}, ADMIN_ONLY),
    # The appointment day (issue 13).
    ("GET", "/staff/lookup?code=7K3M-Q9XD", None, STAFF),
    ("POST", "/staff/lookup", {"family_name": "Kovalenko", "date_of_birth": "1991-04-12"}, STAFF),
    ("POST", "/staff/arrivals", {"code": "7K3M-Q9XD"}, STAFF),
    ("POST", f"/staff/registrations/{ID}/undo", {"reason": "clicked the wrong row"}, STAFF),
    ("GET", "/staff/allocations?date=2026-11-24", None, STAFF),
    # The clerk on the phone (trial B1).
    (
        "POST",
        "/staff/registrations/search",
        {"family_name": "Kovalenko", "given_names": "Olena", "date_of_birth": "1991-04-12"},
        STAFF,
    ),
]


def _claims(pool: StaffPool) -> dict[str, Any]:
    return {
        "iss": pool.issuer,
        "client_id": pool.client_id,
        "token_use": "access",
        "sub": "x",
        "exp": int(time.time()) + 600,
        "cognito:groups": ["admin"],
    }


TOKENS: dict[str, Callable[[StaffPool], str | None]] = {
    "none": lambda p: None,
    "malformed": lambda p: "not-a-jwt",
    # Expiry is judged by the service's clock, which the tests fix.
    "expired": lambda p: p.forged(
        exp=int(bootstrap.container().clock().timestamp()) - 3600,
        **{"cognito:groups": ["admin"]},
    ),
    "wrong-signature": foreign_key_token,
    "wrong-issuer": lambda p: p.forged(iss=p.issuer + "x", **{"cognito:groups": ["admin"]}),
    "wrong-client": lambda p: p.tokens("admin", p.other_client_id)["access"],
    "alg-none": lambda p: unsigned(_claims(p)),
    "hs256": lambda p: hs256_with_public_key(_claims(p)),
    "id-token": lambda p: p.tokens("admin")["id"],
    "no-group": lambda p: p.access_token("nobody"),
    "staff": lambda p: p.access_token("staff"),
    "admin": lambda p: p.access_token("admin"),
}


def expected_status(token: str, who: str) -> set[int]:
    if token in {
        "none",
        "malformed",
        "expired",
        "wrong-signature",
        "wrong-issuer",
        "wrong-client",
        "alg-none",
        "hs256",
        "id-token",
    }:
        return {401}
    if token == "no-group" or (token == "staff" and who == ADMIN_ONLY):
        return {403}
    # Authorized: the route's own answer, which for these inputs is never 401/403.
    return {200, 201, 204, 404, 409, 422}


def test_every_staff_route_is_in_the_matrix() -> None:
    routed = {
        (method, path)
        for path, methods in app.routes.items()
        if path.startswith("/staff")
        for method in methods
        if method != "OPTIONS"
    }
    listed = {
        (m, p.replace(ID, "{registration_id}").partition("?")[0]) for m, p, _, _ in STAFF_ROUTES
    }
    listed = {(m, p.replace("2026-11-24", "{day}")) for m, p in listed}
    assert routed == listed


@pytest.mark.parametrize("token_kind", list(TOKENS))
@pytest.mark.parametrize(("method", "path", "body", "who"), STAFF_ROUTES)
def test_authorization(
    client: Client, pool: StaffPool, token_kind: str, method: str, path: str, body: Any, who: str
) -> None:
    token = TOKENS[token_kind](pool)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = client.http.request(
        method, path, headers=headers, body=json.dumps(body).encode() if body else b""
    )
    assert response.status_code in expected_status(token_kind, who), response.body
    if response.status_code in (401, 403):
        problem = json.loads(response.body)
        assert problem["code"] == ("unauthorized" if response.status_code == 401 else "forbidden")
        assert response.headers["Content-Type"] == "application/problem+json"
