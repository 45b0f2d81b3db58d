"""The front-desk day: allocate, list, check in, reject, no-show, capacity, and the stats."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from chalice.test import Client

from chalicelib import bootstrap
from tests.api.test_registration import problem
from tests.applicant_flow import Applicant, queued, register
from tests.conftest import FixedClock, sent_mails, text_part
from tests.staff.conftest import StaffClient

TODAY = "2026-11-24"  # a Tuesday; the clock stands at 10:00 in Stuttgart


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.body)


def three_queued(client: Client, clock: FixedClock) -> list[Applicant]:
    people = []
    for i, expiry in enumerate(["2026-11-20", "2026-11-22", "2026-11-26"]):
        clock.set(f"2026-11-24T08:0{i}:00+00:00")
        people.append(
            queued(
                client,
                email=f"p{i}@example.org",
                date_of_birth=f"198{i}-01-01",
                title_expires_on=expiry,
                title_number=f"Y000{i}123",
            )
        )
    clock.set("2026-11-24T09:00:00+00:00")
    return people


def test_front_desk_day(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    first, second, third = three_queued(client, clock)

    summary = ok(admin.call("POST", "/staff/allocations", {"date": TODAY}))
    assert summary["invited"] == 3
    again = ok(admin.call("POST", "/staff/allocations", {"date": TODAY}))
    assert again["invited"] == 0  # idempotent: nobody gets a second appointment

    day = ok(desk.get(f"/staff/appointments?date={TODAY}"))
    assert [i["registration_id"] for i in day["items"]] == [
        first.registration_id,
        second.registration_id,
        third.registration_id,
    ]
    assert [i["seq"] for i in day["items"]] == [1, 2, 3]
    assert day["items"][0]["title_number"] == "•••••123"
    assert {i["check_in"] for i in day["items"]} == {"open"}
    assert {i["mail_status"] for i in day["items"]} == {"sent"}

    served = ok(
        desk.call(
            "POST",
            f"/staff/registrations/{first.registration_id}/check-in",
            {"outcome": "data_correct"},
        )
    )
    assert served["status"] == "served"
    rejected = ok(
        desk.call(
            "POST",
            f"/staff/registrations/{second.registration_id}/check-in",
            {"outcome": "data_incorrect", "reason": "Name differs from the passport"},
        )
    )
    assert rejected["status"] == "rejected"
    # A no-show only once the window (11:00-11:30, an hour after the 10:00 run) has ended.
    clock.set("2026-11-24T10:31:00+00:00")
    missed = ok(desk.call("POST", f"/staff/registrations/{third.registration_id}/no-show"))
    assert missed["status"] == "no_show"

    assert json.loads(third.get().body)["status"] == "no_show"

    # A second check-in of the same invitation is refused.
    problem(
        desk.call(
            "POST",
            f"/staff/registrations/{first.registration_id}/check-in",
            {"outcome": "data_incorrect", "reason": "changed my mind"},
        ),
        409,
        "invalid_state",
    )

    day = ok(desk.get(f"/staff/appointments?date={TODAY}"))
    assert [i["check_in"] for i in day["items"]] == ["served", "rejected", "no_show"]

    stats = ok(desk.get("/staff/stats"))
    today = next(d for d in stats["days"] if d["date"] == TODAY)
    assert today == {
        "date": TODAY,
        "appointments": 3,
        "served": 1,
        "rejected": 1,
        "no_shows": 1,
    }
    assert stats["counts_by_status"] == {"served": 1, "rejected": 1, "no_show": 1}

    record = ok(desk.get(f"/staff/registrations/{second.registration_id}"))
    assert record["rejection_reason"] == "Name differs from the passport"
    assert record["checked_in_at"]

    actions = {
        (e["action"], e["registration_id"])
        for e in ok(admin.get(f"/staff/audit?date={TODAY}"))["items"]
    }
    assert ("check_in", first.registration_id) in actions
    assert ("no_show", third.registration_id) in actions
    assert ("allocation_run", None) in actions

    # The end of the day makes the outcomes final: the applicant is told, in their language,
    # to register again, and may.
    clock.set("2026-11-24T20:30:00+00:00")
    bootstrap.container().allocation.end_day(date(2026, 11, 24), clock())
    last = [m for m in sent_mails() if m["To"] == "p2@example.org"][-1]
    assert "register again" in text_part(last).lower()
    register(client, email="p2@example.org", date_of_birth="1982-01-01")


def test_rejection_needs_a_reason(client: Client, clock: FixedClock, admin: StaffClient) -> None:
    applicant = queued(client)
    ok(admin.call("POST", "/staff/allocations", {"date": TODAY}))
    body = problem(
        admin.call(
            "POST",
            f"/staff/registrations/{applicant.registration_id}/check-in",
            {"outcome": "data_incorrect"},
        ),
        422,
        "validation_failed",
    )
    assert body["errors"][0]["field"] == "reason"


def test_check_in_only_for_todays_invitation(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    waiting = queued(client)
    problem(
        desk.call(
            "POST",
            f"/staff/registrations/{waiting.registration_id}/check-in",
            {"outcome": "data_correct"},
        ),
        409,
        "invalid_state",
    )
    problem(
        desk.call("POST", f"/staff/registrations/{waiting.registration_id}/no-show"),
        409,
        "invalid_state",
    )
    problem(
        desk.call("POST", f"/staff/registrations/{'0' * 32}/check-in", {"outcome": "data_correct"}),
        404,
        "not_found",
    )
    problem(
        desk.call(
            "POST", f"/staff/registrations/{waiting.registration_id}/check-in", {"outcome": "maybe"}
        ),
        422,
        "validation_failed",
    )


def test_capacity_read_and_override(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    week = ok(desk.get("/staff/capacity?from=2026-11-23&to=2026-11-29"))["items"]
    assert [d["date"] for d in week] == [f"2026-11-{d}" for d in range(23, 30)]
    saturday = week[5]
    assert saturday["slots"] == 0 and saturday["closed"] is True

    closed = ok(admin.call("PUT", "/staff/capacity/2026-11-26", {"slots": 0}))
    assert {k: closed[k] for k in ("date", "slots", "given", "left", "closed")} == {
        "date": "2026-11-26",
        "slots": 0,
        "given": 0,
        "left": 0,
        "closed": True,
    }
    ok(admin.call("PUT", "/staff/capacity/2026-11-24", {"slots": 1}))
    queued(client, email="a@example.org")
    queued(client, email="b@example.org", date_of_birth="1970-01-01")
    summary = ok(admin.call("POST", "/staff/allocations", {"date": TODAY}))
    assert summary["invited"] == 1
    today = ok(desk.get("/staff/capacity?from=2026-11-24&to=2026-11-24"))["items"][0]
    assert {k: today[k] for k in ("date", "slots", "given", "left", "closed")} == {
        "date": TODAY,
        "slots": 1,
        "given": 1,
        "left": 0,
        "closed": False,
    }
    assert today["scheduled_run"] == "07:45"
    # The day's first run came at 10:00: its place went to the first window an hour away.
    assert [(w["start"][11:16], w["capacity"]) for w in today["windows"]][:2] == [
        ("11:00", 1),
        ("11:30", 0),
    ]

    problem(desk.call("PUT", "/staff/capacity/2026-11-26", {"slots": 3}), 403, "forbidden")
    problem(
        admin.call("PUT", "/staff/capacity/2026-11-26", {"slots": -1}), 422, "validation_failed"
    )
    problem(
        admin.call("PUT", "/staff/capacity/2026-11-26", {"slots": "3"}), 422, "validation_failed"
    )
    problem(admin.call("PUT", "/staff/capacity/yesterday", {"slots": 3}), 422, "validation_failed")
    problem(admin.call("PUT", "/staff/capacity/2026-11-23", {"slots": 3}), 422, "validation_failed")
    problem(desk.get("/staff/capacity?from=2026-11-24&to=2027-11-24"), 422, "validation_failed")


def test_manual_allocation_is_for_today_only(admin: StaffClient, desk: StaffClient) -> None:
    problem(
        admin.call("POST", "/staff/allocations", {"date": "2026-11-25"}), 422, "validation_failed"
    )
    problem(admin.call("POST", "/staff/allocations", {}), 422, "validation_failed")
    problem(desk.call("POST", "/staff/allocations", {"date": TODAY}), 403, "forbidden")
