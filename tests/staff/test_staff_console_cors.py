"""The staff console calls the staff routes from its own origin: every staff path answers the
browser's CORS preflight for an allowed origin (and only for one), with the headers it sends."""

from __future__ import annotations

from chalice.test import Client

ALLOWED = "http://127.0.0.1:8080"


def test_staff_routes_answer_the_preflight_of_an_allowed_origin(client: Client) -> None:
    for path, method in [
        ("/staff/appointments", "GET"),
        ("/staff/registrations/x/check-in", "POST"),
        ("/staff/capacity/2026-12-24", "PUT"),
    ]:
        preflight = client.http.request(
            "OPTIONS",
            path,
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": method},
            body=b"",
        )
        assert preflight.status_code == 204, path
        assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
        allowed_headers = preflight.headers["Access-Control-Allow-Headers"]
        assert "Authorization" in allowed_headers
        assert "Idempotency-Key" in allowed_headers
        assert method in preflight.headers["Access-Control-Allow-Methods"]


def test_staff_preflight_from_another_origin_allows_nothing(client: Client) -> None:
    evil = client.http.request(
        "OPTIONS",
        "/staff/appointments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        body=b"",
    )
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Headers" not in evil.headers
