"""The scheduled functions through Chalice's test client, with events that carry their `time`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.observability import log
from infra.local_scheduler import app_schedules, due_runs
from tests.allocation.conftest import (
    OFFICE,
    TUESDAY,
    Queue,
    invited_ids,
    mails_by_recipient,
    scheduled_event,
)
from tests.applicant_flow import JSON, queued, registration_body, with_proof
from tests.conftest import FixedClock, sent_mails, text_part
from tests.unit.test_schedule import expected_runs_2026


def invoke(
    client: Client, clock: FixedClock, function: str, time: datetime, delay: timedelta
) -> Any:
    clock.now = time + delay
    return client.lambda_.invoke(function, scheduled_event(time)).payload


def test_a_year_of_scheduled_events_allocates_exactly_on_the_run_times(
    client: Client, clock: FixedClock
) -> None:
    rules = {name: rule for name, rule in app_schedules().items() if name.startswith("allocate")}
    events = due_runs(
        datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
        rules,
    )

    allocated = set()
    for event in events:
        payload = invoke(client, clock, event.function_name, event.time, timedelta(seconds=40))
        if payload["verdict"] == "run":
            allocated.add(event.time)
        else:
            assert payload["run_id"] is None

    assert allocated == expected_runs_2026()
    assert len(allocated) == 252
    assert len(events) == 2 * 261  # both UTC candidates on every weekday
    days = DynamoAllocationRepository(
        bootstrap.client("dynamodb"), bootstrap.container().settings.table_name
    )
    assert len(days.runs(OFFICE, date(2026, 3, 30))) == 1  # first Monday of summer time, 05:45Z
    assert days.runs(OFFICE, date(2026, 1, 6)) == []  # Epiphany


@pytest.mark.parametrize(
    ("function", "time", "verdict"),
    [
        ("allocate_morning", "2026-11-24T06:45:00Z", "run"),  # 07:45 CET
        ("allocate_morning", "2026-11-24T05:45:00Z", "not_run_time"),  # 06:45 CET
        ("allocate_morning", "2026-07-14T05:45:00Z", "run"),  # 07:45 CEST
        ("allocate_morning", "2026-07-14T06:45:00Z", "not_run_time"),  # 08:45 CEST
        ("allocate_thursday", "2026-11-26T09:15:00Z", "run"),  # 10:15 CET
        ("allocate_thursday", "2026-07-16T08:15:00Z", "run"),  # 10:15 CEST
        ("allocate_thursday", "2026-05-14T08:15:00Z", "no_workday"),  # Ascension Day
        ("allocate_morning", "2026-11-28T06:45:00Z", "no_workday"),  # a Saturday
    ],
)
def test_the_function_acts_only_at_the_local_run_time(
    client: Client, clock: FixedClock, function: str, time: str, verdict: str
) -> None:
    at = datetime.fromisoformat(time)
    payload = invoke(client, clock, function, at, timedelta(seconds=30))
    assert payload["verdict"] == verdict


def test_a_late_delivery_still_allocates_for_its_day(
    client: Client, clock: FixedClock, queue: Queue
) -> None:
    queue.fill(2)
    run_time = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)

    payload = invoke(client, clock, "allocate_morning", run_time, timedelta(minutes=50))

    assert (payload["verdict"], payload["day"], payload["invited"]) == ("run", "2026-11-24", 2)
    assert mails_by_recipient() == {r.email: 1 for r in queue.people}


def test_a_replay_on_another_day_allocates_nothing_and_says_so(
    client: Client, clock: FixedClock, queue: Queue, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="notfalltermin")
    queue.fill(2)
    tuesday_run = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)

    payload = invoke(client, clock, "allocate_morning", tuesday_run, timedelta(days=1))

    assert payload["verdict"] == "replay"
    assert payload["invited"] == 0
    days = DynamoAllocationRepository(
        bootstrap.client("dynamodb"), bootstrap.container().settings.table_name
    )
    assert invited_ids(days, TUESDAY) == []
    assert invited_ids(days, date(2026, 11, 25)) == []
    assert sent_mails() == []
    replays = [r for r in caplog.records if r.getMessage() == "allocation_replay_ignored"]
    assert len(replays) == 1


def test_the_end_of_day_job_closes_the_events_day(
    client: Client, clock: FixedClock, queue: Queue
) -> None:
    queue.fill(2)
    invoke(
        client, clock, "allocate_morning", datetime(2026, 11, 24, 6, 45, tzinfo=UTC), timedelta(0)
    )

    evening = invoke(
        client,
        clock,
        "end_of_day",
        datetime(2026, 11, 24, 20, 30, tzinfo=UTC),
        timedelta(seconds=20),
    )

    assert evening == {
        "day": "2026-11-24",
        "run_id": evening["run_id"],
        "acted": True,
        "no_shows": 2,
        "mails_sent": 2,
        "mails_failed": 0,
        "allocation_missed": False,
    }


def test_the_end_of_day_job_reports_a_workday_no_run_gave_out(
    client: Client, clock: FixedClock
) -> None:
    def evening(day: int) -> Any:
        at = datetime(2026, 11, day, 20, 30, tzinfo=UTC)
        return invoke(client, clock, "end_of_day", at, timedelta(seconds=5))

    assert evening(24)["allocation_missed"] is True  # a Tuesday without a run
    assert evening(28)["allocation_missed"] is None  # a Saturday: nothing to miss


# Names hold letters only (issue 15): the expiry's day as a name.
LETTERS = {"28": "Ach", "25": "Be", "30": "Dre", "26": "Zes"}


def test_an_applicant_is_queued_invited_told_and_may_register_again(
    client: Client, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="notfalltermin")
    clock.set("2026-11-23T10:00:00+00:00")  # Monday
    people = {
        expiry: queued(
            client,
            given_names=f"Given {LETTERS[expiry[-2:]]}",
            family_name=f"Family {LETTERS[expiry[-2:]]}",
            email=f"applicant{expiry[-2:]}@example.org",
            title_expires_on=expiry,
        )
        for expiry in ("2026-11-28", "2026-11-25", "2026-11-30", "2026-11-26")
    }

    def view(expiry: str) -> dict[str, Any]:
        answer = people[expiry].get()
        assert answer.status_code == 200, answer.body
        body: dict[str, Any] = json.loads(answer.body)
        return body

    assert [view(e)["queue_position"] for e in sorted(people)] == [1, 2, 3, 4]
    bootstrap.container().allocation.set_capacity(TUESDAY, 2)

    run = invoke(
        client,
        clock,
        "allocate_morning",
        datetime(2026, 11, 24, 6, 45, tzinfo=UTC),
        timedelta(seconds=30),
    )

    assert run["invited"] == 2
    first = view("2026-11-25")
    assert first["status"] == "invited"
    assert first["queue_position"] is None
    entrance_pass = first["appointment"].pop("entrance_pass")
    assert entrance_pass.startswith("NT1:STUTTGART:20261124:")  # what its QR code says
    assert first["appointment"].pop("map_link").startswith("https://www.openstreetmap.org/")
    assert first["appointment"] == {
        "date": "2026-11-24",
        "window_start": "2026-11-24T09:00+01:00",
        "window_end": "2026-11-24T09:30+01:00",
        "address": "Landeshauptstadt Stuttgart, Amt für öffentliche Ordnung, Ausländerbehörde, "
        "Eberhardstraße 39, 70173 Stuttgart",
    }
    assert view("2026-11-26")["status"] == "invited"
    assert [view("2026-11-28")["queue_position"], view("2026-11-30")["queue_position"]] == [1, 2]
    invitation = next(
        m
        for m in sent_mails()
        if m["To"] == "applicant25@example.org" and "Your emergency" in str(m["Subject"])
    )
    assert "between 09:00 and 09:30" in text_part(invitation)

    again = client.http.post(
        "/registrations",
        headers=JSON,
        body=json.dumps(
            with_proof(
                client,
                registration_body(
                    given_names="Given Be",
                    family_name="Family Be",
                    email="applicant25@example.org",
                    title_expires_on="2026-11-25",
                ),
            )
        ),
    )
    # Still invited today: answered as a new registration would be (issue 16), nothing stored.
    assert again.status_code == 201
    assert view("2026-11-25")["status"] == "invited"

    evening = invoke(
        client,
        clock,
        "end_of_day",
        datetime(2026, 11, 24, 20, 30, tzinfo=UTC),
        timedelta(seconds=10),
    )

    assert evening["no_shows"] == 2
    assert view("2026-11-25")["status"] == "no_show"
    assert view("2026-11-28")["status"] == "waiting"
    told = [
        m
        for m in sent_mails()
        if m["To"] == "applicant25@example.org" and "register again" in str(m["Subject"])
    ]
    assert len(told) == 1
    anew = client.http.post(
        "/registrations",
        headers=JSON,
        body=json.dumps(
            with_proof(
                client,
                registration_body(
                    given_names="Given Be",
                    family_name="Family Be",
                    email="applicant25@example.org",
                    title_expires_on="2026-11-25",
                ),
            )
        ),
    )
    assert anew.status_code == 201, anew.body

    formatter = log().registered_formatter
    lines = [formatter.format(r) for r in caplog.records if r.name.startswith("notfalltermin")]
    assert any('"allocation_run"' in line for line in lines)
    assert any('"no_show"' in line for line in lines)
    for line in lines:
        for personal in (
            "Given Be",
            "Family Be",
            "applicant25@example.org",
            "1991-04-12",
            "Y1234567",
        ):
            assert personal not in line, line


def test_a_second_delivery_of_a_completed_scheduled_run_gives_nothing_more(
    client: Client, clock: FixedClock
) -> None:
    run_time = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)  # Tuesday 07:45 CET
    clock.now = run_time - timedelta(hours=2)
    early = queued(client, email="early@example.org", given_names="Early")
    first = invoke(client, clock, "allocate_morning", run_time, timedelta(seconds=20))
    assert first["verdict"] == "run"
    assert first["invited"] == 1

    # Someone queues in between; EventBridge delivers the same event again 45 s later.
    clock.now = run_time + timedelta(seconds=30)
    later = queued(client, email="later@example.org", given_names="Later")
    second = invoke(client, clock, "allocate_morning", run_time, timedelta(seconds=45))

    assert second["verdict"] == "already_run"
    assert second["invited"] == 0
    days = DynamoAllocationRepository(
        bootstrap.client("dynamodb"), bootstrap.container().settings.table_name
    )
    assert invited_ids(days) == [early.registration_id]
    assert json.loads(later.get().body)["status"] == "waiting"
