"""The office head's tools through the API: the figures as an audited CSV download (counts
only), and a day's places set window by window (issue 14)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from chalice.test import Client

from tests.api.test_registration import problem
from tests.conftest import FixedClock
from tests.staff.conftest import StaffClient
from tests.staff.test_front_desk import TODAY, ok, three_queued

WEDNESDAY = "2026-11-25"  # service hours 09:00-13:00: eight windows of 30 minutes
STARTS = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30"]


def audit_actions(admin: StaffClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(admin.get(f"/staff/audit?date={TODAY}"))["items"]
    return items


def test_the_figures_download_as_a_csv_of_counts_and_the_download_is_audited(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    people = three_queued(client, clock)
    ok(admin.call("POST", "/staff/allocations", {"date": TODAY}))
    ok(
        desk.call(
            "POST",
            f"/staff/registrations/{people[0].registration_id}/check-in",
            {"outcome": "data_correct"},
        )
    )

    answer = desk.get("/staff/stats.csv")

    assert answer.status_code == 200, answer.body
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="notfalltermin-figures-{TODAY}.csv"'
    )
    assert answer.headers["Cache-Control"] == "no-store"
    text = answer.body.decode("utf-8") if isinstance(answer.body, bytes) else answer.body
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date", "appointments", "served", "rejected", "no_shows"]
    days = rows[1 : rows.index([])]
    assert len(days) == 14 and days[-1] == [TODAY, "3", "1", "0", "0"]
    band = rows.index(["queue_by_expiry", "expired", "within_2_days", "within_7_days"])
    assert rows[band + 1] == ["", "0", "0", "0"]
    statuses = rows[rows.index(["status", "count"]) + 1 :]
    assert statuses == [["invited", "2"], ["served", "1"]]
    # Counts only: nothing of the people in it.
    for person in people:
        assert person.registration_id not in text
    assert "@" not in text and "Y000" not in text
    exports = [e for e in audit_actions(admin) if e["action"] == "figures_export"]
    assert [(e["actor"], e["detail"]) for e in exports] == [("staff", TODAY)]


def test_the_office_head_sets_each_windows_places_and_runs_give_them(
    client: Client, clock: FixedClock, admin: StaffClient
) -> None:
    places = [0, 2, 1, 0, 0, 0, 0, 3]
    body = {"windows": [{"start": s, "capacity": n} for s, n in zip(STARTS, places, strict=True)]}

    day = ok(admin.call("PUT", f"/staff/capacity/{WEDNESDAY}", body))

    assert (day["slots"], day["windows_set"]) == (6, True)
    assert [(w["start"][11:16], w["capacity"]) for w in day["windows"]] == list(
        zip(STARTS, places, strict=True)
    )
    [listed] = ok(admin.get(f"/staff/capacity?from={WEDNESDAY}&to={WEDNESDAY}"))["items"]
    assert listed == day
    [entry] = [e for e in audit_actions(admin) if e["action"] == "capacity_set"]
    assert entry["detail"] == f"{WEDNESDAY}=6 per window 0930:2,1000:1,1230:3"

    # The day's slots alone spread the places evenly again.
    spread = ok(admin.call("PUT", f"/staff/capacity/{WEDNESDAY}", {"slots": 8}))
    assert spread["windows_set"] is False
    assert [w["capacity"] for w in spread["windows"]] == [1] * 8


def test_places_per_window_that_do_not_fit_the_day_are_refused_and_nothing_changes(
    admin: StaffClient,
) -> None:
    every = [{"start": s, "capacity": 1} for s in STARTS]
    refused = [
        ({"windows": every[:-1]}, "windows"),  # a window left out
        ({"windows": [*every[:-1], {"start": "13:00", "capacity": 1}]}, "windows"),
        ({"windows": [*every, every[0]]}, None),  # a window twice
        ({"windows": every, "slots": 8}, None),  # both
        ({}, None),  # neither
        ({"windows": [{"start": "9:00", "capacity": 1}]}, None),
        ({"windows": [{**every[0], "capacity": -1}, *every[1:]]}, None),
    ]
    for body, field in refused:
        answer = problem(
            admin.call("PUT", f"/staff/capacity/{WEDNESDAY}", body), 422, "validation_failed"
        )
        if field:
            assert [e["field"] for e in answer["errors"]] == [field], answer

    [day] = ok(admin.get(f"/staff/capacity?from={WEDNESDAY}&to={WEDNESDAY}"))["items"]
    assert (day["slots"], day["windows_set"]) == (40, False)


def test_a_clerk_may_not_set_places(desk: StaffClient) -> None:
    body = {"windows": [{"start": s, "capacity": 1} for s in STARTS]}
    problem(desk.call("PUT", f"/staff/capacity/{WEDNESDAY}", body), 403, "forbidden")
    assert (
        json.loads(desk.get(f"/staff/capacity?from={WEDNESDAY}&to={WEDNESDAY}").body)["items"][0][
            "windows_set"
        ]
        is False
    )


def test_the_calendar_names_public_holidays(desk: StaffClient) -> None:
    items = ok(desk.get("/staff/capacity?from=2026-12-24&to=2026-12-26"))["items"]

    assert [(d["date"], d["closed"], d["holiday"]) for d in items] == [
        ("2026-12-24", False, None),
        ("2026-12-25", True, "Erster Weihnachtstag"),
        ("2026-12-26", True, "Zweiter Weihnachtstag"),
    ]
