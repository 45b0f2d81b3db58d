"""Every staff read of personal data is audited (issue 16, item 4): queue pages with the ids
shown, document downloads, and an admin's reading of the audit itself."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from tests.applicant_flow import queued
from tests.conftest import FixedClock
from tests.staff.conftest import StaffClient


def audit(admin: StaffClient) -> list[dict[str, Any]]:
    answer = admin.get("/staff/audit?date=2026-11-24")
    assert answer.status_code == 200, answer.body
    items: list[dict[str, Any]] = json.loads(answer.body)["items"]
    return items


def test_a_queue_page_is_audited_with_the_ids_it_showed(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    first = queued(client).registration_id
    clock.set("2026-11-24T09:01:00+00:00")
    second = queued(client, email="b@example.org", date_of_birth="1980-01-01").registration_id

    page = desk.get("/staff/queue?limit=100")

    assert page.status_code == 200
    shown = [i["registration_id"] for i in json.loads(page.body)["items"]]
    [entry] = [e for e in audit(admin) if e["action"] == "queue_read"]
    assert entry["actor"] == "staff"
    assert sorted(entry["detail"].split(",")) == sorted(shown) == sorted([first, second])


def test_reading_the_audit_is_audited(admin: StaffClient) -> None:
    assert [e for e in audit(admin) if e["action"] == "audit_read"] == []
    entries = audit(admin)
    [read] = [e for e in entries if e["action"] == "audit_read"]
    assert (read["actor"], read["detail"]) == ("admin", "2026-11-24")


def test_every_document_link_staff_get_is_audited(
    client: Client, desk: StaffClient, admin: StaffClient
) -> None:
    applicant = queued(client)
    record = json.loads(desk.get(f"/staff/registrations/{applicant.registration_id}").body)
    linked = {d["document_id"] for d in record["documents"] if d["download_url"]}
    issued = {
        e["document_id"]
        for e in audit(admin)
        if e["action"] == "document_url_issued"
        and e["registration_id"] == applicant.registration_id
    }
    assert linked and issued == linked
