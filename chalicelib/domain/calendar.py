"""The office's clock: Europe/Berlin local dates and times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Europe/Berlin")


def office_today(now: datetime) -> date:
    """The office's local date at the instant `now` (which must carry a time zone)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(OFFICE_TZ).date()


def utc_timestamp(now: datetime) -> str:
    """A fixed-width, lexicographically sortable UTC timestamp (microseconds)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc_timestamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
