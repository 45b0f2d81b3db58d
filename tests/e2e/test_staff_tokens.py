"""The local staff pool: `make token` gives a demo user's token, and the running API checks it
against the pool's keys, fetched over HTTP from the emulation."""

from __future__ import annotations

import subprocess
import sys

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra import local_cognito
from infra.local_stack import REPO_ROOT, LocalStack

pytestmark = pytest.mark.e2e


def make_token(stack: LocalStack, user: str) -> str:
    """What `make -s token USER=...` prints, for this stack's emulation."""
    command = [sys.executable, "-m", "infra.local_cognito", "token", user]
    command += ["--endpoint-url", stack.endpoint_url]
    printed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, check=True, timeout=60)
    return printed.stdout.decode().strip()


def get(stack: LocalStack, path: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(f"{stack.api_url}{path}", headers=headers, timeout=10)


def test_the_api_is_configured_with_the_local_pool(local_stack: LocalStack) -> None:
    pool = local_stack.staff_pool
    assert pool is not None
    environment = local_stack.api_environment()

    assert environment["COGNITO_USER_POOL_ID"] == pool.pool_id
    assert environment["COGNITO_JWKS_URL"].startswith(local_stack.endpoint_url)
    assert "COGNITO_CLIENT_ID" in environment["LOCAL_STACK_ENV_OVERRIDES"].split(",")
    keys = requests.get(pool.jwks_url, timeout=10)
    assert keys.status_code == 200
    assert keys.json()["keys"][0]["alg"] == "RS256"


def test_a_staff_token_from_make_token_reads_the_queue(local_stack: LocalStack) -> None:
    answer = get(local_stack, "/staff/queue", make_token(local_stack, "staff"))

    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert set(answer.json()) == {"items", "next_cursor"}


def test_no_token_or_a_forged_one_is_refused(local_stack: LocalStack) -> None:
    real = local_stack.staff_token("staff")
    claims = jwt.decode(real, options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {**claims, "cognito:groups": ["admin"]},
        other_key,
        algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(real)["kid"]},
    )
    header, _, signature = real.split(".")
    _, payload, _ = forged.split(".")
    tampered = f"{header}.{payload}.{signature}"

    for token in (None, "not-a-jwt", forged, tampered):
        answer = get(local_stack, "/staff/queue", token)
        assert answer.status_code == 401, (token, answer.text)
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "unauthorized"


def test_the_audit_trail_is_for_admins_only(local_stack: LocalStack) -> None:
    staff = get(local_stack, "/staff/audit", make_token(local_stack, "staff"))
    admin = get(local_stack, "/staff/audit", local_stack.staff_token("admin"))

    assert staff.status_code == 403
    assert staff.json()["code"] == "forbidden"
    assert admin.status_code == 200, admin.text
    assert "items" in admin.json()


def test_the_demo_users_are_those_the_banner_names(local_stack: LocalStack) -> None:
    banner = local_stack.banner()

    assert "demo users admin and staff" in banner
    assert local_stack.token_command("staff") in banner
    assert f"{local_stack.api_url}/staff/queue" in banner
    assert set(local_cognito.DEMO_USERS) == {"staff", "admin"}
