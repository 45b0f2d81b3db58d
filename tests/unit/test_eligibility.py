"""Eligibility: expired or expiring within seven days, on the office's (Berlin) date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.calendar import office_today
from chalicelib.domain.eligibility import ensure_eligible, first_registration_date, is_eligible
from chalicelib.domain.errors import NotEligible


@pytest.mark.parametrize(
    ("expires_on", "eligible"),
    [
        (date(2020, 1, 1), True),  # long expired
        (date(2026, 11, 23), True),  # expired yesterday
        (date(2026, 11, 24), True),  # expires today
        (date(2026, 12, 1), True),  # today + 7: the last eligible day
        (date(2026, 12, 2), False),  # today + 8
    ],
)
def test_eligible_up_to_seven_days_ahead(expires_on: date, eligible: bool) -> None:
    assert is_eligible(expires_on, today=date(2026, 11, 24)) is eligible


def test_refusal_names_the_first_date_to_register() -> None:
    with pytest.raises(NotEligible) as refused:
        ensure_eligible(date(2026, 12, 10), today=date(2026, 11, 24))
    assert refused.value.extra["first_possible_date"] == "2026-12-03"
    assert "2026-12-03" in refused.value.detail
    assert first_registration_date(date(2026, 12, 10)) == date(2026, 12, 3)


def test_office_date_is_berlin_not_utc() -> None:
    # 23:30 UTC on 30 Nov is already 1 Dec in Stuttgart (UTC+1 in winter).
    assert office_today(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    # 22:30 UTC on 30 June is already 1 July in summer (UTC+2).
    assert office_today(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert office_today(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == date(2026, 6, 30)


def test_berlin_midnight_moves_the_eligibility_boundary() -> None:
    expires = date(2026, 12, 8)
    late_evening_utc = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 on 30 Nov in Berlin
    after_midnight = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 00:00 on 1 Dec in Berlin
    assert not is_eligible(expires, office_today(late_evening_utc))
    assert is_eligible(expires, office_today(after_midnight))


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        office_today(datetime(2026, 11, 24, 9, 0))
