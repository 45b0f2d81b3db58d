"""When allocation runs and when people arrive: run times, workdays, arrival windows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

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


@cache
def _holiday_names(year: int) -> Mapping[date, str]:
    import holidays  # noqa: PLC0415

    found = holidays.country_holidays(
        HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year, language="de"
    )
    return MappingProxyType(dict(found))


def public_holiday_name(day: date) -> str | None:
    """The German name of the public holiday in Baden-Württemberg on `day` (the staff
    calendar shows it), or None."""
    return _holiday_names(day.year).get(day)


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


# The top-up runs (issue 13): on run days, at the office's configured local times, a run gives
# released and unused places of the day's later windows to the next people of the queue. Their
# EventBridge rule fires every quarter hour of the day (jobs.py); a delivery acts only at a
# configured time, so the times are settings, not rules. They must be quarter hours the rule
# fires at in winter and in summer alike: 08:00 to 15:45 local time.
TOP_UP_EARLIEST = time(8, 0)
TOP_UP_LATEST = time(15, 45)


def top_up_trigger(at: time) -> str:
    """The trigger recorded with a top-up run: one per configured time of a day."""
    return f"top_up@{at.strftime('%H:%M')}"


def judge_top_up(
    scheduled: datetime, delivered: datetime, times: Mapping[int, tuple[time, ...]]
) -> tuple[RunVerdict, time | None]:
    """Judge a top-up event like a morning run: a workday, one of the weekday's configured
    times (to the minute), delivered the same local day. The matching time with RUN."""
    day = office_today(scheduled)
    if not is_workday(day):
        return RunVerdict.NO_WORKDAY, None
    local = _local(scheduled)
    minute = (local.hour, local.minute)
    at = next((t for t in times.get(day.weekday(), ()) if (t.hour, t.minute) == minute), None)
    if at is None:
        return RunVerdict.NOT_RUN_TIME, None
    if office_today(delivered) != day:
        return RunVerdict.REPLAY, at
    return RunVerdict.RUN, at


@dataclass(frozen=True)
class ArrivalWindow:
    """One arrival window of a day (Europe/Berlin, aware) and the people it takes."""

    start: datetime
    end: datetime
    capacity: int = 0

    @property
    def key(self) -> str:
        """The window's name in a day's counters: its local start, 'HHMM'."""
        return self.start.strftime("%H%M")


@dataclass(frozen=True)
class ArrivalPlan:
    """Where a day's appointments go: windows of `window_minutes` over the office's service
    hours for emergency appointments (per weekday; `fallback_hours` on a day staff open that
    has none, e.g. a Saturday), the day's slots spread evenly over them (the earlier windows
    take the remainder), and only windows that start at least `minimum_notice` after the run
    that gives them (issue 13: people must be able to get there). Wall-clock arithmetic on the
    local date, so a window is 09:00-09:30 in winter and in summer alike."""

    service_hours: Mapping[int, tuple[time, time]]
    window_minutes: int = 30
    minimum_notice: timedelta = timedelta(minutes=60)
    fallback_hours: tuple[time, time] = (time(9, 0), time(13, 0))

    def __post_init__(self) -> None:
        if self.window_minutes < 1 or self.minimum_notice < timedelta(0):
            raise ValueError("windows last at least a minute; the notice is not negative")
        for start, end in (*self.service_hours.values(), self.fallback_hours):
            if end <= start:
                raise ValueError("service hours end after they start")

    def hours(self, day: date) -> tuple[time, time]:
        return self.service_hours.get(day.weekday(), self.fallback_hours)

    def windows(
        self,
        day: date,
        slots: int,
        start_from: str | None = None,
        caps: Mapping[str, int] | None = None,
    ) -> list[ArrivalWindow]:
        """The day's windows in time order, each with its share of `slots`; with `start_from`
        (a window key 'HHMM'), only the windows from that one on share them: a day whose first
        run came late (a Saturday opened mid-morning) spreads its places over what is left.
        With `caps` (places per window key, set by the office head for that date), each window
        has exactly its cap (0 when it has none) and nothing is spread: the head's choice,
        windows a run can no longer reach included."""
        if caps is not None:
            return [replace(w, capacity=max(caps.get(w.key, 0), 0)) for w in self.windows(day, 0)]
        opening, closing = self.hours(day)
        step = timedelta(minutes=self.window_minutes)
        start, last = datetime.combine(day, opening), datetime.combine(day, closing)
        starts = []
        while start + step <= last:
            starts.append(start)
            start += step
        if not starts:  # service hours shorter than one window: one window for all of them
            starts, step = [datetime.combine(day, opening)], last - start
        if start_from is not None:
            starts = [s for s in starts if s.strftime("%H%M") >= start_from]
            if not starts:
                return []
        base, extra = divmod(max(slots, 0), len(starts))
        return [
            ArrivalWindow(
                s.replace(tzinfo=OFFICE_TZ),
                (s + step).replace(tzinfo=OFFICE_TZ),
                base + (1 if i < extra else 0),
            )
            for i, s in enumerate(starts)
        ]

    def reachable(self, window: ArrivalWindow, now: datetime) -> bool:
        """Whether a person told at `now` can still make it by the window's start."""
        return window.start >= now + self.minimum_notice


def _local(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("scheduled times must be timezone-aware")
    return instant.astimezone(OFFICE_TZ)
