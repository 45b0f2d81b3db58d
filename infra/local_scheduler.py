"""The local stand-in for EventBridge: which scheduled functions fell due between two instants.

`due_runs(previous, now)` lists every firing of the app's schedule rules (the same `Cron`
expressions Chalice deploys) in (previous, now], oldest first, each with the event
EventBridge would deliver. A scheduler thread calls it on every tick and invokes each
function with its event, e.g. `Client(app, stage_name="local").lambda_.invoke(run.function_name,
run.event())`. Both UTC candidates of the allocation rules are listed, as in the cloud: the
function itself acts only at 07:45 / 10:15 Europe/Berlin on workdays.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Cron, ScheduledEventConfig

from app import app

REGION = "eu-central-1"
ACCOUNT = "000000000000"
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}


@dataclass(frozen=True)
class DueRun:
    """One firing of a schedule rule: the Chalice function and the instant (UTC) it is for."""

    function_name: str
    time: datetime

    def event(self) -> dict[str, Any]:
        """The scheduled event EventBridge delivers for this firing."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{self.function_name}"],
            "detail": {},
        }


def app_schedules() -> dict[str, Cron]:
    """The app's scheduled functions and their rules, as Chalice registered them."""
    return {
        source.name: source.schedule_expression
        for source in app.event_sources
        if isinstance(source, ScheduledEventConfig) and isinstance(source.schedule_expression, Cron)
    }


def due_runs(
    previous: datetime, now: datetime, schedules: dict[str, Cron] | None = None
) -> list[DueRun]:
    """Every firing in (previous, now] of the app's rules (or of `schedules`), oldest first."""
    if previous.tzinfo is None or now.tzinfo is None:
        raise ValueError("previous and now must be timezone-aware")
    rules = app_schedules() if schedules is None else schedules
    minute = previous.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = now.astimezone(UTC)
    runs: list[DueRun] = []
    while minute <= end:
        runs.extend(DueRun(name, minute) for name, rule in rules.items() if fires_at(rule, minute))
        minute += timedelta(minutes=1)
    return runs


def fires_at(rule: Cron, at: datetime) -> bool:
    """Whether an EventBridge cron rule fires at this UTC minute.

    Supports the syntax this app uses: `*`, `?`, numbers, names, lists and ranges."""
    at = at.astimezone(UTC)
    day_of_week = (at.isoweekday() % 7) + 1  # EventBridge: 1 = Sunday … 7 = Saturday
    return (
        _matches(rule.minutes, at.minute, {})
        and _matches(rule.hours, at.hour, {})
        and _matches(rule.day_of_month, at.day, {})
        and _matches(rule.month, at.month, _MONTH_NAMES)
        and _matches(rule.day_of_week, day_of_week, _DAY_NAMES)
        and _matches(rule.year, at.year, {})
    )


def _matches(field: str | int, value: int, names: dict[str, int]) -> bool:
    text = str(field).strip().upper()
    if text in ("*", "?"):
        return True
    return value in set(_values(text.split(","), names))


def _values(parts: Iterable[str], names: dict[str, int]) -> Iterable[int]:
    for part in parts:
        low, _, high = part.partition("-")
        first = _number(low, names)
        last = _number(high, names) if high else first
        yield from range(first, last + 1)


def _number(token: str, names: dict[str, int]) -> int:
    token = token.strip()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"unsupported cron field {token!r}")
    return int(token)
