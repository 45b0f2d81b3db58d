"""The schedule-expression reader the template checks rely on: EventBridge's cron and rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from infra.cron import fire_times, longest_gap, parse_cron


def test_weekday_names_and_numbers_are_eventbridges_sunday_first() -> None:
    by_name = fire_times("cron(0 12 ? * MON *)", date(2027, 1, 1), date(2027, 1, 14))
    by_number = fire_times("cron(0 12 ? * 2 *)", date(2027, 1, 1), date(2027, 1, 14))
    assert (
        by_name
        == by_number
        == [
            datetime(2027, 1, 4, 12, 0, tzinfo=UTC),
            datetime(2027, 1, 11, 12, 0, tzinfo=UTC),
        ]
    )


def test_lists_ranges_and_steps() -> None:
    cron = parse_cron("cron(0/20 8-9 1,15 JAN-MAR ? 2027)")
    assert cron.minutes == {0, 20, 40}
    assert cron.hours == {8, 9}
    assert cron.days_of_month == frozenset({1, 15})
    assert cron.months == {1, 2, 3}
    assert cron.days_of_week is None
    assert (
        len(fire_times("cron(0/20 8-9 1,15 JAN-MAR ? 2027)", date(2027, 1, 1), date(2027, 12, 31)))
        == 36
    )


def test_rate_expressions_fire_from_the_first_day() -> None:
    times = fire_times("rate(6 hours)", date(2027, 1, 1), date(2027, 1, 1))
    assert [t.hour for t in times] == [0, 6, 12, 18]


def test_the_longest_gap_spans_the_weekend() -> None:
    gap = longest_gap("cron(45 5,6 ? * MON,TUE,WED,FRI *)", date(2027, 1, 1), date(2027, 12, 31))
    assert gap == timedelta(days=2, hours=23)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 L * ? *)",
        "cron(0 0 ? * 6#3 *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 * * * *)",  # day-of-month and day-of-week both given
        "cron(0 0 ? * MON)",  # five fields
        "cron(60 0 ? * MON *)",
        "every day at noon",
    ],
)
def test_what_it_cannot_read_it_refuses(expression: str) -> None:
    with pytest.raises(ValueError):
        fire_times(expression, date(2027, 1, 1), date(2027, 1, 2))
