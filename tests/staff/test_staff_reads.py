"""Staff reads: the queue, a full record with documents, the audit trail, stats."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import requests
from chalice.test import Client

from app import app
from tests.api.test_registration import problem
from tests.applicant_flow import queued, register
from tests.conftest import FixedClock
from tests.staff.conftest import StaffClient


def body(response: object) -> dict:  # type: ignore[type-arg]
    assert response.status_code == 200, response.body  # type: ignore[attr-defined]
    assert response.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]
    return json.loads(response.body)  # type: ignore[attr-defined,no-any-return]


def three_in_queue(client: Client, clock: FixedClock) -> list[str]:
    a = queued(client, title_expires_on="2026-11-30", title_number="Y1234567")
    clock.set("2026-11-24T09:01:00+00:00")
    b = queued(
        client, email="b@example.org", date_of_birth="1980-01-01", title_expires_on="2026-11-10"
    )
    clock.set("2026-11-24T09:02:00+00:00")
    c = queued(
        client, email="c@example.org", date_of_birth="1970-01-01", title_expires_on="2026-11-30"
    )
    return [b.registration_id, a.registration_id, c.registration_id]


def test_queue_in_order_paginated_with_masked_numbers(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    expected = three_in_queue(client, clock)
    first = body(desk.get("/staff/queue?limit=2"))
    assert [i["registration_id"] for i in first["items"]] == expected[:2]
    assert [i["queue_position"] for i in first["items"]] == [1, 2]
    assert first["items"][1]["title_number"] == "•••••567"
    assert first["next_cursor"]
    second = body(desk.get(f"/staff/queue?limit=2&cursor={first['next_cursor']}"))
    assert [i["registration_id"] for i in second["items"]] == expected[2:]
    assert second["items"][0]["queue_position"] == 3
    assert second["next_cursor"] is None


def test_queue_rejects_bad_paging(desk: StaffClient) -> None:
    problem(desk.get("/staff/queue?limit=0"), 422, "validation_failed")
    problem(desk.get("/staff/queue?limit=abc"), 422, "validation_failed")
    # Empty is a bad value, not the default (found by make verify's negative fuzzing).
    problem(desk.get("/staff/queue?limit="), 422, "validation_failed")
    problem(desk.get("/staff/reviews?limit="), 422, "validation_failed")
    problem(desk.get("/staff/queue?limit=%D9%A3"), 422, "validation_failed")  # Arabic-Indic 3
    problem(desk.get("/staff/queue?cursor=not-a-cursor"), 422, "validation_failed")


def test_full_record_with_document_download_and_audit(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    applicant = queued(client, title_number="Y1234567")
    record = body(desk.get(f"/staff/registrations/{applicant.registration_id}"))
    assert record["title_number"] == "Y1234567"
    assert record["date_of_birth"] == "1991-04-12"
    assert record["email"] == "olena.k@example.org"
    passport = next(d for d in record["documents"] if d["kind"] == "passport")
    url = passport["download_url"]
    query = parse_qs(urlsplit(url).query)
    assert query["response-content-disposition"] == ['attachment; filename="scan.pdf"']
    assert int(query["X-Amz-Expires"][0]) <= 300
    downloaded = requests.get(url, timeout=10)
    assert (
        downloaded.content.startswith(b"%PDF-") and b"P<UKRKOVALENKO<<OLENA" in downloaded.content
    )
    # What the machine read, beside what was typed, and the history of the registration.
    assert passport["check"] == "matches"
    assert passport["zone"]["family_name"] == "KOVALENKO"
    assert record["verified_by"] == "machine"
    assert [h["action"] for h in record["history"]][-1] == "queued"

    trail = body(admin.get("/staff/audit?date=2026-11-24"))["items"]
    actions = [(e["actor"], e["action"], e["registration_id"]) for e in trail]
    assert ("staff", "record_read", applicant.registration_id) in actions
    assert ("staff", "document_url_issued", applicant.registration_id) in actions
    assert all("Olena" not in json.dumps(e) for e in trail)


def test_unknown_registration_is_404(desk: StaffClient) -> None:
    problem(desk.get("/staff/registrations/" + "0" * 32), 404, "not_found")
    problem(desk.get("/staff/registrations/nope"), 404, "not_found")


def test_audit_trail_is_for_admins(desk: StaffClient) -> None:
    problem(desk.get("/staff/audit"), 403, "forbidden")


def test_stats_count_statuses_and_expiry_bands(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    three_in_queue(client, clock)  # expiries 30 Nov (6 days), 10 Nov (expired), 30 Nov
    queued(client, email="d@example.org", date_of_birth="1960-01-01", title_expires_on="2026-11-25")
    register(client, email="e@example.org", date_of_birth="1950-01-01")
    stats = body(desk.get("/staff/stats"))
    assert stats["counts_by_status"] == {"waiting": 4, "email_unverified": 1}
    assert stats["queue_by_expiry"] == {"expired": 1, "within_2_days": 1, "within_7_days": 2}


def test_openapi_describes_every_staff_route(client: Client) -> None:
    spec = json.loads(client.http.get("/openapi.json").body)
    routed = {
        (path, method.lower())
        for path, methods in app.routes.items()
        if path.startswith("/staff")
        for method in methods
        if method != "OPTIONS"
    }
    documented = {
        (path, method)
        for path, operations in spec["paths"].items()
        if path.startswith("/staff")
        for method in operations
        if method != "parameters"
    }
    assert routed == documented
    assert spec["paths"]["/staff/queue"]["get"]["security"] == [{"staffToken": []}]
