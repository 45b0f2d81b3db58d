"""A date of birth as the document shows it: its day, or day and month, may be unknown.

Written as ISO 8601 with reduced precision: "1990-05-17", "1990-05" (day unknown), "1990"
(day and month unknown) — what a document writes as 00.05.1990, XX.XX.1990, or with '<' in
its machine-readable zone (ICAO 9303 Part 3 §4.6.1)."""

from __future__ import annotations

import calendar
import re
from datetime import date

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
FORMAT_HINT = "must be a date YYYY-MM-DD, or YYYY-MM or YYYY when the document shows no day"


class BirthDate:
    """A value: equal when year, month and day are (a plain class, not a dataclass, so that
    pydantic hands it on as it is rather than as a dict)."""

    __slots__ = ("day", "month", "year")

    def __init__(self, year: int, month: int | None = None, day: int | None = None) -> None:
        self.year = year
        self.month = month
        self.day = day
        self._check()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BirthDate):
            return NotImplemented
        return (self.year, self.month, self.day) == (other.year, other.month, other.day)

    def __hash__(self) -> int:
        return hash((self.year, self.month, self.day))

    def __repr__(self) -> str:
        return f"BirthDate({self.isoformat()!r})"

    def _check(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError("year out of range")
        if self.month is None:
            if self.day is not None:
                raise ValueError("a day needs a month")
            return
        if not 1 <= self.month <= 12:
            raise ValueError("month must be 1..12")
        if self.day is not None and not 1 <= self.day <= self.days_in_month:
            raise ValueError("day out of range for its month")

    @classmethod
    def parse(cls, text: str) -> BirthDate:
        """From "YYYY-MM-DD", "YYYY-MM" or "YYYY"; ValueError otherwise."""
        match = _ISO.match(text)
        if match is None:
            raise ValueError(FORMAT_HINT)
        year, month, day = match.groups()
        try:
            return cls(int(year), int(month) if month else None, int(day) if day else None)
        except ValueError as exc:
            raise ValueError(f"{FORMAT_HINT} ({exc})") from None

    @classmethod
    def of(cls, day: date) -> BirthDate:
        return cls(day.year, day.month, day.day)

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.year, self.month or 12)[1]

    @property
    def is_complete(self) -> bool:
        return self.day is not None

    @property
    def earliest(self) -> date:
        """The first day it may stand for."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        """The last day it may stand for."""
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def isoformat(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def zone_digits(self) -> str:
        """As a zone writes it (YYMMDD), '<' for what is unknown."""
        month = f"{self.month:02d}" if self.month is not None else "<<"
        day = f"{self.day:02d}" if self.day is not None else "<<"
        return f"{self.year % 100:02d}{month}{day}"

    def __str__(self) -> str:
        return self.isoformat()


def parse_birth_date(value: object) -> BirthDate:
    """A BirthDate from what a JSON body or a stored item holds: a string or a date."""
    if isinstance(value, BirthDate):
        return value
    if isinstance(value, date):
        return BirthDate.of(value)
    if isinstance(value, str):
        return BirthDate.parse(value.strip())
    raise ValueError(FORMAT_HINT)
