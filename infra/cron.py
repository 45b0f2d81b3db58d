"""EventBridge schedule expressions (cron and rate): parse them and list when they fire, in UTC."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# EventBridge numbers the days of the week 1 (Sunday) to 7 (Saturday).
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_CRON = re.compile(r"^cron\((?P<fields>[^)]*)\)$")
_RATE = re.compile(r"^rate\((?P<value>\d+)\s+(?P<unit>minutes?|hours?|days?)\)$")


@dataclass(frozen=True)
class Cron:
    """A parsed `cron(minutes hours day-of-month month day-of-week year)`; None means `?`."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None
    years: frozenset[int]

    def fires_on(self, day: date) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.days_of_month is not None and day.day not in self.days_of_month:
            return False
        aws_weekday = (day.weekday() + 1) % 7 + 1
        return self.days_of_week is None or aws_weekday in self.days_of_week


def parse_cron(expression: str) -> Cron:
    """Parse what Chalice writes for `Cron(...)`: numbers, names, `*`, `?`, lists, ranges and
    steps. `L`, `W` and `#` are refused rather than guessed."""
    found = _CRON.match(expression.strip())
    if not found:
        raise ValueError(f"not a cron expression: {expression!r}")
    fields = found["fields"].split()
    if len(fields) != 6:
        raise ValueError(f"a cron expression has six fields: {expression!r}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"exactly one of day-of-month and day-of-week must be '?': {expression!r}")
    return Cron(
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        days_of_month=None if dom == "?" else _field(dom, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        days_of_week=None if dow == "?" else _field(dow, 1, 7, _WEEKDAYS),
        years=_field(year, 1970, 2199),
    )


def fire_times(expression: str, first_day: date, last_day: date) -> list[datetime]:
    """Every UTC instant the schedule fires from `first_day` 00:00 to `last_day` 23:59 (UTC)."""
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
    end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC) + timedelta(days=1)
    rate = _RATE.match(expression.strip())
    if rate:
        unit = rate["unit"].rstrip("s")
        step = timedelta(**{f"{unit}s": int(rate["value"])})
        if step <= timedelta(0):
            raise ValueError(f"a rate must be positive: {expression!r}")
        return list(_every(start, end, step))
    cron = parse_cron(expression)
    times: list[datetime] = []
    day = first_day
    while day <= last_day:
        if cron.fires_on(day):
            times.extend(
                datetime(day.year, day.month, day.day, h, m, tzinfo=UTC)
                for h in sorted(cron.hours)
                for m in sorted(cron.minutes)
            )
        day += timedelta(days=1)
    return times


def longest_gap(expression: str, first_day: date, last_day: date) -> timedelta:
    """The longest time between two firings in the period (the whole period if it fires once)."""
    times = fire_times(expression, first_day, last_day)
    if len(times) < 2:
        return (last_day - first_day) + timedelta(days=1)
    return max(later - earlier for earlier, later in pairwise(times))


def _every(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    at = start
    while at < end:
        yield at
        at += step


def _field(text: str, low: int, high: int, names: tuple[str, ...] = ()) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        values.update(_part(part, low, high, names))
    return frozenset(values)


def _part(part: str, low: int, high: int, names: tuple[str, ...]) -> range:
    # `L`, `W` and `#` fail in _value: they are neither numbers nor names.
    body, slash, step_text = part.partition("/")
    if slash and not step_text.isdigit():
        raise ValueError(f"not a cron step: {part!r}")
    step = int(step_text) if slash else 1
    if step < 1:
        raise ValueError(f"a cron step must be positive: {part!r}")
    if body == "*":
        first, last = low, high
    elif "-" in body:
        first_text, last_text = body.split("-", 1)
        first, last = _value(first_text, names), _value(last_text, names)
    else:
        first = _value(body, names)
        last = high if slash else first
    if not low <= first <= last <= high:
        raise ValueError(f"cron field {part!r} is outside {low}-{high}")
    return range(first, last + 1, step)


def _value(text: str, names: tuple[str, ...]) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + 1
    if not text.isdigit():
        raise ValueError(f"not a cron value: {text!r}")
    return int(text)
