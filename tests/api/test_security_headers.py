"""Security headers on every answer of the API (issue 16, item 7): successes, problems the
views raise, Chalice's own refusals, CORS preflights, staff refusals and the OpenAPI document."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from chalicelib.api.middleware import SECURITY_HEADERS
from tests.applicant_flow import JSON, register

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_secured(response: object) -> None:
    headers = {k.lower(): v for k, v in response.headers.items()}  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers.get(name.lower()) == value, (name, headers)
    hsts = headers["strict-transport-security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31_536_000  # a year at least
    csp = [d.strip() for d in headers["content-security-policy"].split(";")]
    # A JSON answer may load, run, frame and submit nothing.
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in headers["content-security-policy"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/office", None, 200),
        ("GET", "/openapi.json", None, 200),
        ("GET", "/registrations/challenge", None, 200),
        ("POST", "/registrations", {"email": "x"}, 422),
        ("POST", "/registrations", "{not json", 400),
        ("GET", "/registrations/" + "a" * 32, None, 401),
        ("GET", "/staff/queue", None, 401),
        ("GET", "/staff/queue?cursor=eyJvIjogSW5maW5pdHl9", None, 401),
        ("OPTIONS", "/registrations", None, 204),
    ],
)
def test_every_answer_carries_the_security_headers(
    client: Client, method: str, path: str, body: object, status: int
) -> None:
    text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    headers = {**JSON, "Origin": "http://127.0.0.1:8080"}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    response = client.http.request(method, path, headers=headers, body=text.encode())
    assert response.status_code == status, response.body
    assert_secured(response)


def test_an_applicants_own_record_carries_them_too(client: Client) -> None:
    applicant = register(client)
    response = applicant.get()
    assert response.status_code == 200
    assert json.loads(response.body)["registration_id"] == applicant.registration_id
    assert_secured(response)


def test_the_policy_is_the_documented_one() -> None:
    assert set(SECURITY_HEADERS) >= {
        "X-Content-Type-Options",
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "Referrer-Policy",
    }
