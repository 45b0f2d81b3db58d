"""The local stand-ins: the scheduler's due runs, and `python -m infra.allocate`."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import boto3
import pytest
from chalice.app import Cron
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
from chalicelib.domain.calendar import OFFICE_TZ, office_today
from chalicelib.jobs import ALLOCATION_MON_TUE_WED_FRI, ALLOCATION_THU, END_OF_DAY, PURGE, TOP_UP
from chalicelib.observability import log
from infra import allocate
from infra.local_scheduler import app_schedules, due_runs, fires_at
from infra.local_secrets import create_stage_secrets
from infra.table import create_table
from tests.allocation.conftest import OFFICE, Queue
from tests.conftest import REGION, TEST_ENV


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_the_app_schedules_are_the_five_rules() -> None:
    assert app_schedules() == {
        "allocate_morning": ALLOCATION_MON_TUE_WED_FRI,
        "allocate_thursday": ALLOCATION_THU,
        "top_up": TOP_UP,
        "end_of_day": END_OF_DAY,
        "purge_expired": PURGE,
    }


def test_due_runs_lists_every_firing_in_between_as_eventbridge_would() -> None:
    runs = due_runs(at("2026-03-26T00:00:00+00:00"), at("2026-03-30T23:59:00+00:00"))
    top_ups = [r.time for r in runs if r.function_name == "top_up"]
    # Every quarter hour from 06:00 to 14:45 UTC on the three weekdays in the range.
    assert len(top_ups) == 3 * 36
    assert top_ups[0].isoformat() == "2026-03-26T06:00:00+00:00"
    runs = [r for r in runs if r.function_name != "top_up"]

    assert [(r.function_name, r.time.isoformat()) for r in runs] == [
        ("purge_expired", "2026-03-26T02:30:00+00:00"),
        ("allocate_thursday", "2026-03-26T08:15:00+00:00"),
        ("allocate_thursday", "2026-03-26T09:15:00+00:00"),
        ("end_of_day", "2026-03-26T20:30:00+00:00"),
        ("purge_expired", "2026-03-27T02:30:00+00:00"),
        ("allocate_morning", "2026-03-27T05:45:00+00:00"),
        ("allocate_morning", "2026-03-27T06:45:00+00:00"),
        ("end_of_day", "2026-03-27T20:30:00+00:00"),
        ("purge_expired", "2026-03-28T02:30:00+00:00"),
        ("end_of_day", "2026-03-28T20:30:00+00:00"),
        ("purge_expired", "2026-03-29T02:30:00+00:00"),
        ("end_of_day", "2026-03-29T20:30:00+00:00"),
        ("purge_expired", "2026-03-30T02:30:00+00:00"),
        ("allocate_morning", "2026-03-30T05:45:00+00:00"),
        ("allocate_morning", "2026-03-30T06:45:00+00:00"),
        ("end_of_day", "2026-03-30T20:30:00+00:00"),
    ]
    event = runs[0].event()
    assert event["time"] == "2026-03-26T02:30:00Z"
    assert event["detail-type"] == "Scheduled Event"


def test_due_runs_excludes_previous_and_includes_now() -> None:
    run = at("2026-11-24T06:45:00+00:00")
    tick = at("2026-11-24T06:45:30+00:00")

    def morning(previous: str, now: datetime) -> list[datetime]:
        return [r.time for r in due_runs(at(previous), now) if r.function_name != "top_up"]

    assert morning("2026-11-24T06:44:30+00:00", tick) == [run]
    assert morning("2026-11-24T06:45:30+00:00", at("2026-11-24T06:46:00+00:00")) == []
    assert morning("2026-11-24T06:30:00+00:00", at("2026-11-24T06:44:59+00:00")) == []


def test_the_scheduler_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_runs(datetime(2026, 11, 24), datetime(2026, 11, 25))
    with pytest.raises(ValueError, match="unsupported"):
        fires_at(Cron("0/5", "*", "*", "*", "?", "*"), at("2026-11-24T06:45:00+00:00"))


# -- python -m infra.allocate -----------------------------------------------------------------


@pytest.fixture
def emulation(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on a free port, as the local stack runs it; its endpoint."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    table = f"cli-{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("TABLE_NAME", table)
    create_table(boto3.client("dynamodb", region_name=REGION), table)
    boto3.client("ses", region_name=REGION).verify_email_identity(
        EmailAddress=TEST_ENV["MAIL_SENDER"]
    )
    create_stage_secrets(boto3.client("secretsmanager", region_name=REGION), TEST_ENV)
    bootstrap.reset()
    # The service's logger is made once per process and writes to the sys.stdout of that
    # moment. Made first inside `allocate.main`, which points sys.stdout at stderr (here
    # capsys's, closed after the test), it would write every later test's log lines to a
    # closed stream: each fails with "--- Logging error ---" and a call stack on stderr, and
    # the privacy canary test reads its own source lines there. Made here, it keeps the
    # session's stream.
    log()
    yield table
    streams = [getattr(handler, "stream", None) for handler in log().handlers]
    assert not any(stream is not None and stream.closed for stream in streams)
    bootstrap.reset()
    server.stop()


def test_allocate_runs_todays_allocation_against_the_emulation(
    emulation: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ddb: Any = boto3.client("dynamodb", region_name=REGION)
    queue = Queue(DynamoRegistrationRepository(ddb, emulation), prefix="cli")
    queue.fill(3)

    # Today may be a weekend or a holiday: open it with two slots, then allocate.
    # `make allocate` sets the stage's variables in its process: here, only for the call.
    with mock.patch.dict(os.environ):
        assert allocate.main(["--slots", "2", "--at", "08:00"]) == 0

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # after the logs
    assert (summary["verdict"], summary["capacity"], summary["invited"]) == ("run", 2, 2)
    assert summary["mails_sent"] == 2
    today = office_today(datetime.now(UTC))
    days = DynamoAllocationRepository(ddb, emulation)
    assert [i.registration_id for i in days.invitations(OFFICE, today)] == [
        r.registration_id for r in queue.in_order()[:2]
    ]
    for value in ("cli0@example.org", "Family0", "Given"):
        assert value not in json.dumps(summary)


def test_todays_appointments_are_given_late_in_the_evening_too(
    emulation: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the browser tests allocate (TODAYS_APPOINTMENTS), with the clock at 23:50 in
    Stuttgart under the local stage's round-the-clock hours: a run at that real time reaches no
    window, the tests' run gives every waiting person a place in today's windows from 09:00."""
    ddb: Any = boto3.client("dynamodb", region_name=REGION)
    queue = Queue(DynamoRegistrationRepository(ddb, emulation), prefix="late")
    queue.fill(3)
    late = datetime(2026, 11, 24, 23, 50, tzinfo=OFFICE_TZ).astimezone(UTC)

    def run(*arguments: str) -> dict[str, Any]:
        with mock.patch.dict(os.environ):
            assert allocate.main(list(arguments), clock=lambda: late) == 0
        found: dict[str, Any] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        return found

    at_the_real_time = run("--slots", "5")
    assert (at_the_real_time["day"], at_the_real_time["invited"]) == ("2026-11-24", 0)

    summary = run(*allocate.TODAYS_APPOINTMENTS)

    assert (summary["verdict"], summary["day"], summary["invited"]) == ("run", "2026-11-24", 3)
    invitations = DynamoAllocationRepository(ddb, emulation).invitations(OFFICE, date(2026, 11, 24))
    assert [i.registration_id for i in invitations] == [r.registration_id for r in queue.in_order()]
    assert invitations[0].window_start == "2026-11-24T09:00+01:00"


def test_allocate_gives_only_todays_appointments(emulation: str) -> None:
    with pytest.raises(SystemExit):
        allocate.main(["--date", date(2020, 1, 6).isoformat()])
