"""`make run`'s schedules: the allocation at Monday 07:45 Europe/Berlin, in winter and in summer
time, invoked as Lambda would against the running stack for instants the test chooses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from chalicelib.domain.calendar import OFFICE_TZ, office_today
from chalicelib.domain.schedule import is_workday
from chalicelib.services.allocation import date_text
from infra.local_scheduler import Invocation
from infra.local_stack import LocalStack, ScheduleRunner
from tests.e2e.applicants import queue_over_http


def monday_on_or_after(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def next_year_monday(month: int, first_day: int) -> date:
    """A Monday of next year: never today, and far from every day the other tests use."""
    day = monday_on_or_after(date(office_today(datetime.now(UTC)).year + 1, month, first_day))
    assert is_workday(day)
    return day


def verdicts(invocations: list[Invocation]) -> list[tuple[str, str]]:
    assert all(i.error is None and i.result for i in invocations), invocations
    return [(i.function_name, str((i.result or {})["verdict"])) for i in invocations]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("season", "month", "offset", "expected"),
    [
        # 07:45 is 06:45 UTC in winter: the 05:45 UTC candidate is 06:45 in Stuttgart.
        ("winter", 1, "+01:00", ["not_run_time", "run"]),
        # 07:45 is 05:45 UTC in summer: the 06:45 UTC candidate is 08:45 in Stuttgart.
        ("summer", 7, "+02:00", ["run", "not_run_time"]),
    ],
)
def test_monday_0745_in_berlin_gives_the_days_appointments(
    local_stack: LocalStack,
    local_stack_env: dict[str, str],
    season: str,
    month: int,
    offset: str,
    expected: list[str],
) -> None:
    monday = next_year_monday(month, 12)
    applicant = queue_over_http(
        local_stack, f"e2e.schedule.{season}@example.org", family_name=f"Schedule{season}"
    )

    # The scheduler looks at the clock at 06:30 and next at 08:50 Stuttgart time that Monday.
    delivered = datetime.combine(monday, time(8, 50), OFFICE_TZ)
    invocations = local_stack.tick(datetime.combine(monday, time(6, 30), OFFICE_TZ), delivered)

    allocations = [i for i in invocations if i.function_name == "allocate_morning"]
    assert verdicts(allocations) == [("allocate_morning", verdict) for verdict in expected]
    # The top-up rule fires every quarter hour from 08:00 local; Monday's top-ups are at 09:30
    # and 11:00 (config.py), so none of those firings acts.
    top_ups = [i for i in invocations if i.function_name == "top_up"]
    assert top_ups and set(verdicts(top_ups)) == {("top_up", "not_run_time")}
    assert len(allocations) + len(top_ups) == len(invocations)
    run = next(i.result for i in invocations if i.result and i.result["verdict"] == "run")
    assert run["day"] == monday.isoformat()
    assert run["invited"] >= 1
    assert run["mails_failed"] == 0
    view = applicant.view()
    assert view["status"] == "invited"
    appointment = view["appointment"]
    assert appointment["date"] == monday.isoformat()
    # The run is delivered at 08:50: its first window starts at least the minimum notice later
    # (the local stage serves round the clock in windows of 30 minutes from midnight).
    notice = timedelta(minutes=int(local_stack_env["MINIMUM_NOTICE_MINUTES"]))
    window_start = datetime.fromisoformat(appointment["window_start"])
    assert delivered + notice <= window_start < delivered + notice + timedelta(minutes=30)
    assert window_start.minute in (0, 30)
    assert appointment["window_start"].endswith(offset)
    mail = local_stack.wait_for_mail(
        lambda m: m["To"] == applicant.email and str(m["Subject"]).startswith("Your emergency")
    )
    assert date_text(monday, "en") in str(mail["Subject"])
    assert appointment["window_start"][11:16] in str(mail["Subject"])


def test_each_look_at_the_clock_takes_up_where_the_last_one_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks = ["12:00:00", "12:00:15", "12:00:31"]
    instants = iter(datetime.fromisoformat(f"2026-11-21T{at}+00:00") for at in looks)
    runner = ScheduleRunner(dict, tmp_path / "scheduler.log", clock=lambda: next(instants))
    windows: list[tuple[datetime, datetime]] = []

    def tick(previous: datetime, now: datetime) -> list[Invocation]:
        windows.append((previous, now))
        return []

    monkeypatch.setattr(runner, "tick", tick)
    for _ in looks:
        runner.poll()

    # No gap and no overlap: every minute is looked at exactly once, the first look starts now.
    assert [(p.strftime("%S"), n.strftime("%S")) for p, n in windows] == [
        ("00", "00"),
        ("00", "15"),
        ("15", "31"),
    ]
