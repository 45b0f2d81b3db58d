"""When allocation runs and when people arrive: run times, workdays, arrival windows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache

from chalicelib.domain.calendar import OFFICE_TZ, office_today

HOLIDAY_COUNTRY = "DE"
HOLIDAY_SUBDIVISION = "BW"

# The wall-clock time (Europe/Berlin) of each weekday's run; Monday is 0. No other day runs.
RUN_TIMES: Mapping[int, time] = {
    0: time(7, 45),
    1: time(7, 45),
    2: time(7, 45),
    3: time(10, 15),
    4: time(7, 45),
}

# The end-of-day job turns the day's open invitations into no-shows; an event scheduled
# before this local time would cut the day short, so it does nothing.
DAY_ENDS_AT = time(20, 0)


@cache
def _public_holidays(year: int) -> frozenset[date]:
    # A complete, immutable set per year: safe to share between threads, computed once. The
    # holidays package (all countries) is imported here, off the cold start of every route
    # that never asks for a workday (docs/performance.md).
    import holidays  # noqa: PLC0415

    found = holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year)
    return frozenset(found)


def is_public_holiday(day: date) -> bool:
    """A public holiday in Baden-Württemberg."""
    return day in _public_holidays(day.year)


def is_workday(day: date) -> bool:
    """A weekday with a run that is not a public holiday (closure days are capacity 0)."""
    return day.weekday() in RUN_TIMES and not is_public_holiday(day)


def run_time(day: date) -> time | None:
    """The local time of the day's run, or None when the office does not allocate that day."""
    return RUN_TIMES[day.weekday()] if is_workday(day) else None


def is_allocation_time(scheduled: datetime) -> bool:
    """Whether an event scheduled at this instant is a run: its Europe/Berlin wall-clock
    time is exactly the run time of a workday (to the minute)."""
    local = _local(scheduled)
    at = run_time(local.date())
    return at is not None and (local.hour, local.minute) == (at.hour, at.minute)


def is_end_of_day_time(scheduled: datetime) -> bool:
    return _local(scheduled).time() >= DAY_ENDS_AT


class RunVerdict(StrEnum):
    """What a scheduled allocation event means."""

    RUN = "run"
    NO_WORKDAY = "no_workday"  # weekend or public holiday
    NOT_RUN_TIME = "not_run_time"  # the other UTC candidate of the day (summer/winter time)
    REPLAY = "replay"  # delivered on another local date than it was scheduled for
    # A second delivery of a scheduled run that already completed: EventBridge delivers at
    # least once; the run's open mails are tried again, no place is given (issue 13).
    ALREADY_RUN = "already_run"


def judge_scheduled_run(scheduled: datetime, delivered: datetime) -> RunVerdict:
    """Judge a run by the event's scheduled time, not by when it arrived: a delivery late
    by minutes still allocates for its day, one delivered on another day allocates nothing."""
    day = office_today(scheduled)
    if not is_workday(day):
        return RunVerdict.NO_WORKDAY
    if not is_allocation_time(scheduled):
        return RunVerdict.NOT_RUN_TIME
    if office_today(delivered) != day:
        return RunVerdict.REPLAY
    return RunVerdict.RUN


@dataclass(frozen=True)
class ArrivalWindow:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ArrivalPlan:
    """The day's appointments in windows from opening time, `per_window` people each, in
    queue order, so that nobody waits outside."""

    opening: Mapping[int, time]
    window_minutes: int = 30
    per_window: int = 10
    fallback_opening: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.window_minutes < 1 or self.per_window < 1:
            raise ValueError("window length and people per window must be at least 1")

    def window(self, day: date, seq: int) -> ArrivalWindow:
        """The window of the day's `seq`-th appointment (1-based)."""
        if seq < 1:
            raise ValueError("seq is 1-based")
        opening = self.opening.get(day.weekday(), self.fallback_opening)
        index = (seq - 1) // self.per_window
        # Wall-clock arithmetic on the naive local time, then the offset of that moment.
        start = datetime.combine(day, opening) + timedelta(minutes=index * self.window_minutes)
        end = start + timedelta(minutes=self.window_minutes)
        return ArrivalWindow(start.replace(tzinfo=OFFICE_TZ), end.replace(tzinfo=OFFICE_TZ))


def _local(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("scheduled times must be timezone-aware")
    return instant.astimezone(OFFICE_TZ)
