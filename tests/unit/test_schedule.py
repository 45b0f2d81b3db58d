"""When allocation runs: a whole year of scheduled events, replays, arrival windows, slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from chalicelib.config import DEFAULT_SERVICE_HOURS, parse_service_hours
from chalicelib.domain.allocation import day_slots
from chalicelib.domain.calendar import OFFICE_TZ
from chalicelib.domain.schedule import (
    ArrivalPlan,
    ArrivalWindow,
    RunVerdict,
    is_allocation_time,
    is_end_of_day_time,
    is_workday,
    judge_scheduled_run,
    judge_top_up,
    run_time,
)

# Weekday public holidays of Baden-Württemberg in 2026 (3 Oct, 1 Nov, 26 Dec fall on weekends).
HOLIDAYS_2026 = {
    date(2026, 1, 1),  # Neujahr, a Thursday
    date(2026, 1, 6),  # Heilige Drei Könige
    date(2026, 4, 3),  # Karfreitag
    date(2026, 4, 6),  # Ostermontag
    date(2026, 5, 1),  # Tag der Arbeit
    date(2026, 5, 14),  # Christi Himmelfahrt, a Thursday
    date(2026, 5, 25),  # Pfingstmontag
    date(2026, 6, 4),  # Fronleichnam, a Thursday
    date(2026, 12, 25),  # 1. Weihnachtstag
}
# Summer time (UTC+2) from Sunday 29 March to Sunday 25 October 2026; UTC+1 otherwise.
SUMMER_2026 = (date(2026, 3, 29), date(2026, 10, 25))


def days_of_2026() -> list[date]:
    return [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def expected_runs_2026() -> set[datetime]:
    """Every instant (UTC) a 2026 allocation must happen, worked out without the code."""
    runs = set()
    for day in days_of_2026():
        if day.weekday() < 5 and day not in HOLIDAYS_2026:
            offset = 2 if SUMMER_2026[0] <= day < SUMMER_2026[1] else 1
            hour, minute = (10, 15) if day.weekday() == 3 else (7, 45)
            runs.add(datetime(day.year, day.month, day.day, hour - offset, minute, tzinfo=UTC))
    return runs


def utc_candidates_2026() -> list[datetime]:
    """What the two EventBridge rules fire: 05:45 and 06:45 UTC Mon/Tue/Wed/Fri, 08:15 and
    09:15 UTC on Thursdays."""
    events = []
    for day in days_of_2026():
        if day.weekday() in (0, 1, 2, 4):
            times = [(5, 45), (6, 45)]
        elif day.weekday() == 3:
            times = [(8, 15), (9, 15)]
        else:
            continue
        events += [datetime(2026, day.month, day.day, h, m, tzinfo=UTC) for h, m in times]
    return events


def test_a_year_of_events_allocates_exactly_at_0745_and_thursday_1015_berlin() -> None:
    allocating = {t for t in utc_candidates_2026() if is_allocation_time(t)}

    assert allocating == expected_runs_2026()
    assert len(allocating) == 261 - len(HOLIDAYS_2026)


@pytest.mark.parametrize(
    ("utc", "allocates"),
    [
        ("2026-03-27T06:45:00Z", True),  # last Friday of winter time: 07:45 CET
        ("2026-03-27T05:45:00Z", False),
        ("2026-03-30T05:45:00Z", True),  # first Monday of summer time: 07:45 CEST
        ("2026-03-30T06:45:00Z", False),
        ("2026-03-26T09:15:00Z", True),  # Thursday 10:15 CET
        ("2026-04-02T08:15:00Z", True),  # Thursday 10:15 CEST
        ("2026-04-02T09:15:00Z", False),
        ("2026-10-23T05:45:00Z", True),  # last Friday of summer time
        ("2026-10-26T06:45:00Z", True),  # first Monday of winter time
        ("2026-10-26T05:45:00Z", False),
        ("2026-01-01T09:15:00Z", False),  # New Year, a Thursday
        ("2026-05-14T08:15:00Z", False),  # Ascension Day
        ("2026-12-25T06:45:00Z", False),  # Christmas, a Friday
        ("2026-11-28T06:45:00Z", False),  # a Saturday
        ("2026-11-24T06:45:59Z", True),  # seconds do not matter, minutes do
        ("2026-11-24T06:46:00Z", False),
    ],
)
def test_run_times_across_daylight_saving_and_holidays(utc: str, allocates: bool) -> None:
    assert is_allocation_time(datetime.fromisoformat(utc)) is allocates


def test_the_calendar_knows_baden_wuerttemberg() -> None:
    assert not is_workday(date(2026, 1, 6))  # Epiphany: a holiday in BW, not in Berlin
    assert not is_workday(date(2026, 6, 4))  # Corpus Christi
    assert is_workday(date(2026, 10, 31)) is False  # a Saturday anyway
    assert is_workday(date(2026, 11, 18))  # Buß- und Bettag is a holiday in Saxony only
    assert is_workday(date(2026, 12, 24))  # Christmas Eve is not a public holiday


def test_scheduled_runs_are_judged_by_their_scheduled_time() -> None:
    run = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)

    assert judge_scheduled_run(run, run + timedelta(seconds=20)) is RunVerdict.RUN
    assert judge_scheduled_run(run, run + timedelta(hours=3)) is RunVerdict.RUN  # late, same day
    assert judge_scheduled_run(run, datetime(2026, 11, 24, 22, 59, tzinfo=UTC)) is RunVerdict.RUN
    # 23:00 UTC is already Wednesday in Stuttgart: a replay
    assert judge_scheduled_run(run, datetime(2026, 11, 24, 23, 0, tzinfo=UTC)) is RunVerdict.REPLAY
    assert judge_scheduled_run(run, run + timedelta(days=7)) is RunVerdict.REPLAY
    other_candidate = datetime(2026, 11, 24, 5, 45, tzinfo=UTC)
    assert judge_scheduled_run(other_candidate, other_candidate) is RunVerdict.NOT_RUN_TIME
    holiday = datetime(2026, 12, 25, 6, 45, tzinfo=UTC)
    assert judge_scheduled_run(holiday, holiday) is RunVerdict.NO_WORKDAY


def test_times_without_a_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_allocation_time(datetime(2026, 11, 24, 7, 45))


def test_the_end_of_day_is_the_evening() -> None:
    assert is_end_of_day_time(datetime(2026, 11, 24, 20, 30, tzinfo=UTC))  # 21:30 CET
    assert is_end_of_day_time(datetime(2026, 7, 14, 20, 30, tzinfo=UTC))  # 22:30 CEST
    assert not is_end_of_day_time(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))


PLAN = ArrivalPlan(parse_service_hours(DEFAULT_SERVICE_HOURS))


def _clock(window: ArrivalWindow) -> tuple[str, str, int]:
    return window.start.strftime("%H:%M"), window.end.strftime("%H:%M"), window.capacity


def test_a_day_spreads_its_slots_over_the_service_hours_earliest_windows_first() -> None:
    windows = PLAN.windows(date(2026, 11, 24), 10)

    assert [_clock(w) for w in windows] == [
        ("09:00", "09:30", 2),
        ("09:30", "10:00", 2),
        ("10:00", "10:30", 1),
        ("10:30", "11:00", 1),
        ("11:00", "11:30", 1),
        ("11:30", "12:00", 1),
        ("12:00", "12:30", 1),
        ("12:30", "13:00", 1),
    ]
    assert sum(w.capacity for w in windows) == 10


def test_thursday_windows_follow_its_later_hours() -> None:
    windows = PLAN.windows(date(2026, 11, 26), 30)

    assert _clock(windows[0]) == ("11:30", "12:00", 4)
    assert _clock(windows[-1]) == ("15:00", "15:30", 3)


def test_a_day_staff_open_without_hours_of_its_own_uses_the_fallback() -> None:
    saturday = PLAN.windows(date(2026, 11, 28), 4)

    assert [_clock(w) for w in saturday][:4] == [
        ("09:00", "09:30", 1),
        ("09:30", "10:00", 1),
        ("10:00", "10:30", 1),
        ("10:30", "11:00", 1),
    ]


def _run_days(year: int) -> list[date]:
    day, found = date(year, 1, 1), []
    while day.year == year:
        if run_time(day) is not None:
            found.append(day)
        day += timedelta(days=1)
    return found


def test_over_a_year_of_run_days_every_window_leaves_the_notice_and_keeps_wall_clock() -> None:
    """Every run day of 2027 (both DST changes): the run's first reachable window starts at
    least 60 minutes after the run, in local time 09:00 (11:30 on Thursday), with the offset
    of that date, and every window lasts 30 real minutes."""
    days = _run_days(2027)
    assert len(days) > 240
    offsets = set()
    for day in days:
        at = run_time(day)
        assert at is not None
        run = datetime.combine(day, at, tzinfo=OFFICE_TZ)
        windows = PLAN.windows(day, 40)
        reachable = [w for w in windows if PLAN.reachable(w, run)]
        assert reachable == windows, day  # the morning run reaches every window of its day
        assert reachable[0].start - run >= timedelta(minutes=60)
        assert reachable[0].start.strftime("%H:%M") == ("11:30" if day.weekday() == 3 else "09:00")
        for w in windows:
            assert (w.end - w.start).total_seconds() == 1800
            assert w.start.date() == day
        offsets.add(windows[0].start.utcoffset())
        assert sum(w.capacity for w in windows) == 40
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


@pytest.mark.parametrize(
    ("local", "first"),
    [("09:30", "10:30"), ("11:00", "12:00"), ("12:01", None), ("07:45", "09:00")],
)
def test_a_later_run_reaches_only_windows_an_hour_away(local: str, first: str | None) -> None:
    day = date(2027, 3, 29)  # the Monday after the change to summer time
    hours, minutes = map(int, local.split(":"))
    now = datetime.combine(day, time(hours, minutes), tzinfo=OFFICE_TZ)
    reachable = [w for w in PLAN.windows(day, 16) if PLAN.reachable(w, now)]

    assert (reachable[0].start.strftime("%H:%M") if reachable else None) == first


def test_windows_need_sensible_numbers() -> None:
    with pytest.raises(ValueError):
        ArrivalPlan({}, window_minutes=0)
    with pytest.raises(ValueError):
        ArrivalPlan({0: (time(12, 0), time(9, 0))})


TOP_UPS = {0: (time(9, 30), time(11, 0)), 3: (time(12, 0),)}


@pytest.mark.parametrize(
    ("scheduled", "verdict", "at"),
    [
        (datetime(2026, 11, 30, 8, 30, tzinfo=UTC), RunVerdict.RUN, time(9, 30)),  # CET
        (datetime(2027, 6, 7, 7, 30, tzinfo=UTC), RunVerdict.RUN, time(9, 30)),  # CEST
        (datetime(2027, 6, 7, 8, 30, tzinfo=UTC), RunVerdict.NOT_RUN_TIME, None),
        (datetime(2026, 11, 30, 8, 45, tzinfo=UTC), RunVerdict.NOT_RUN_TIME, None),
        (datetime(2026, 12, 3, 11, 0, tzinfo=UTC), RunVerdict.RUN, time(12, 0)),  # Thursday
        (datetime(2026, 12, 25, 8, 30, tzinfo=UTC), RunVerdict.NO_WORKDAY, None),  # Christmas
        (datetime(2026, 12, 1, 8, 30, tzinfo=UTC), RunVerdict.NOT_RUN_TIME, None),  # Tuesday
    ],
)
def test_a_top_up_acts_only_at_a_configured_local_time_of_a_workday(
    scheduled: datetime, verdict: RunVerdict, at: time | None
) -> None:
    assert judge_top_up(scheduled, scheduled, TOP_UPS) == (verdict, at)


def test_a_top_up_delivered_the_next_day_is_a_replay() -> None:
    scheduled = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    late = scheduled + timedelta(days=1)

    assert judge_top_up(scheduled, late, TOP_UPS) == (RunVerdict.REPLAY, time(9, 30))


DEFAULTS = {0: 40, 1: 40, 2: 40, 3: 30, 4: 40}


def test_slots_come_from_the_weekday_unless_staff_set_the_date() -> None:
    assert day_slots(date(2026, 11, 24), DEFAULTS, None) == 40
    assert day_slots(date(2026, 11, 26), DEFAULTS, None) == 30
    assert day_slots(date(2026, 11, 24), DEFAULTS, 12) == 12
    assert day_slots(date(2026, 11, 24), DEFAULTS, 0) == 0  # a closure day
    assert day_slots(date(2026, 11, 28), DEFAULTS, None) == 0  # Saturday
    assert day_slots(date(2026, 12, 25), DEFAULTS, None) == 0  # Christmas
