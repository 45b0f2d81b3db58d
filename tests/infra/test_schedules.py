"""The packaged schedules fire at the Europe/Berlin times of DESIGN.md, all year, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from chalicelib.config import DEFAULT_TOP_UP_TIMES, parse_top_up_times
from chalicelib.domain.schedule import (
    RunVerdict,
    is_end_of_day_time,
    judge_scheduled_run,
    judge_top_up,
)
from infra.cron import fire_times
from tests.infra.conftest import Packaged

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = 2027
# Summer time in 2027: Sunday 28 March 02:00 CET to Sunday 31 October 03:00 CEST.
# DESIGN.md §1: Mon, Tue, Wed, Fri at 07:45 and Thu at 10:15, Europe/Berlin.
RUN_TIMES = {0: time(7, 45), 1: time(7, 45), 2: time(7, 45), 3: time(10, 15), 4: time(7, 45)}


def schedules(packaged: Packaged) -> dict[str, list[str]]:
    """Each scheduled function's handler and the expressions EventBridge will be given."""
    found: dict[str, list[str]] = {}
    for function in packaged.functions.values():
        props: dict[str, Any] = function["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] == "Schedule":
                found.setdefault(props["Handler"], []).append(event["Properties"]["Schedule"])
    return found


def fired(expressions: list[str]) -> list[datetime]:
    """Every firing that can fall on a local date of YEAR, in UTC."""
    first, last = date(YEAR - 1, 12, 31), date(YEAR + 1, 1, 1)
    return sorted(t for e in expressions for t in fire_times(e, first, last))


def expected_runs() -> list[datetime]:
    """Worked out from DESIGN.md and the public holidays of Baden-Württemberg, not the code."""
    public_holidays = holidays.country_holidays("DE", subdiv="BW", years=YEAR)
    runs = []
    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        if day.weekday() in RUN_TIMES and day not in public_holidays:
            runs.append(datetime.combine(day, RUN_TIMES[day.weekday()], tzinfo=BERLIN))
        day += timedelta(days=1)
    return runs


def test_allocation_runs_exactly_at_the_local_run_times_of_every_workday(
    packaged: Packaged,
) -> None:
    allocation = [
        e for handler, es in schedules(packaged).items() if "allocat" in handler for e in es
    ]
    assert allocation, "no allocation schedule in the packaged template"

    runs = [
        t.astimezone(BERLIN)
        for t in fired(allocation)
        if judge_scheduled_run(t, t) is RunVerdict.RUN  # the function's own gate
        and t.astimezone(BERLIN).year == YEAR
    ]

    assert runs == expected_runs()  # each once, in order, none missing, none extra
    by_day = {run.date(): run.astimezone(UTC).time() for run in runs}
    # Easter 2027 is the Sunday summer time starts: Good Friday and Easter Monday have no run.
    assert date(YEAR, 3, 26) not in by_day and date(YEAR, 3, 29) not in by_day
    assert by_day[date(YEAR, 3, 25)] == time(9, 15)  # Thursday before the change: 10:15 CET
    assert by_day[date(YEAR, 3, 30)] == time(5, 45)  # Tuesday after it: 07:45 CEST
    assert by_day[date(YEAR, 4, 1)] == time(8, 15)  # Thursday: 10:15 CEST
    assert by_day[date(YEAR, 10, 29)] == time(5, 45)  # Friday before the autumn change: CEST
    assert by_day[date(YEAR, 11, 2)] == time(6, 45)  # Tuesday after it (1 Nov is a holiday): CET
    assert by_day[date(YEAR, 11, 4)] == time(9, 15)  # Thursday: 10:15 CET


def test_the_end_of_day_job_closes_every_day_after_the_office_closed(packaged: Packaged) -> None:
    end_of_day = [
        e for handler, es in schedules(packaged).items() if "end_of_day" in handler for e in es
    ]
    assert end_of_day, "no end-of-day schedule in the packaged template"

    closing = [t for t in fired(end_of_day) if is_end_of_day_time(t)]
    local_days = [t.astimezone(BERLIN).date() for t in closing]

    every_day = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    assert [d for d in local_days if d.year == YEAR] == every_day  # once a day, every day
    for t in closing:
        assert t.astimezone(BERLIN).time() >= time(20, 0)


def test_every_scheduled_function_is_known_here(packaged: Packaged) -> None:
    # A new schedule needs its own check of when it fires; this test lists the known ones.
    for handler in schedules(packaged):
        assert any(job in handler for job in ("allocat", "top_up", "end_of_day", "purge")), handler


def test_the_top_ups_act_exactly_at_the_configured_local_times_of_every_workday(
    packaged: Packaged,
) -> None:
    """Worked out from the defaults (09:30 and 11:00; Thursday 12:00 and 13:30) and the
    holidays, in winter and summer time: every configured time acts once, nothing else."""
    top_up = [e for handler, es in schedules(packaged).items() if "top_up" in handler for e in es]
    assert top_up, "no top-up schedule in the packaged template"
    configured = parse_top_up_times(DEFAULT_TOP_UP_TIMES)

    acting = [
        t.astimezone(BERLIN)
        for t in fired(top_up)
        if judge_top_up(t, t, configured)[0] is RunVerdict.RUN
    ]

    expected = [
        datetime.combine(run.date(), at, tzinfo=BERLIN)
        for run in expected_runs()
        for at in configured[run.weekday()]
    ]
    assert [t for t in acting if t.year == YEAR] == expected


def test_the_purge_runs_once_every_night(packaged: Packaged) -> None:
    purge = [e for handler, es in schedules(packaged).items() if "purge" in handler for e in es]
    assert purge, "no purge schedule in the packaged template"
    nights = [t for t in fired(purge) if t.year == YEAR]
    assert [t.date() for t in nights] == [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    assert {t.astimezone(UTC).time() for t in nights} == {time(2, 30)}
