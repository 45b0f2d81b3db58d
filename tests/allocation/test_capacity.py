"""How many: default slots per weekday, per-date overrides, closure days, what is left."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.config import ConfigurationError, Settings
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.allocation import AllocationService
from tests.allocation.conftest import (
    OFFICE,
    TUESDAY,
    TUESDAY_RUN,
    Queue,
    build_service,
    invited_ids,
    mails_by_recipient,
)
from tests.conftest import TEST_ENV

THURSDAY_RUN = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)  # 10:15 in Stuttgart
THURSDAY = date(2026, 11, 26)


def test_each_weekday_has_its_default(allocation: AllocationService, queue: Queue) -> None:
    queue.fill(10)

    assert allocation.allocate_day(TUESDAY_RUN).invited == 3
    thursday = allocation.allocate_day(THURSDAY_RUN)

    assert (thursday.capacity, thursday.invited) == (2, 2)
    assert allocation.capacity(THURSDAY).left == 0


def test_a_run_gives_only_what_is_left_of_the_day(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(2)
    first = allocation.allocate_day(TUESDAY_RUN)
    queue.fill(4)

    second = allocation.allocate_day(TUESDAY_RUN)

    assert (first.given_before, first.given_after) == (0, 2)
    assert (second.given_before, second.given_after, second.invited) == (2, 3, 1)
    assert [i.seq for i in days.invitations(OFFICE, TUESDAY)] == [1, 2, 3]


def test_staff_override_a_dates_capacity(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(8)

    allocation.set_capacity(TUESDAY, 5)
    summary = allocation.allocate_day(TUESDAY_RUN)

    assert (summary.capacity, summary.invited) == (5, 5)
    capacity = allocation.capacity(TUESDAY)
    assert (capacity.slots, capacity.given, capacity.left) == (5, 5, 0)
    assert allocation.capacity(date(2026, 11, 25)).slots == 3  # other dates keep the default


def test_lowering_capacity_below_what_was_given_gives_nothing_more(
    allocation: AllocationService, queue: Queue
) -> None:
    queue.fill(6)
    allocation.allocate_day(TUESDAY_RUN)

    allocation.set_capacity(TUESDAY, 1)
    summary = allocation.allocate_day(TUESDAY_RUN)

    assert summary.invited == 0
    assert allocation.capacity(TUESDAY).given == 3  # nothing is taken back


def test_a_closure_day_gives_no_appointment(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(3)
    allocation.set_capacity(TUESDAY, 0)

    summary = allocation.allocate_day(TUESDAY_RUN)

    assert (summary.capacity, summary.invited) == (0, 0)
    assert allocation.capacity(TUESDAY).closed
    assert invited_ids(days) == []
    assert mails_by_recipient() == {}
    [run] = days.runs(OFFICE, TUESDAY)
    assert run.capacity == 0  # the record says why nobody was invited


def test_weekends_and_holidays_have_no_slots_unless_staff_open_them(
    allocation: AllocationService, queue: Queue
) -> None:
    queue.fill(2)
    saturday = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)  # 08:00: the 09:00 window is reachable
    christmas = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)

    assert allocation.allocate_day(saturday).invited == 0
    assert allocation.allocate_day(christmas).invited == 0
    allocation.set_capacity(date(2026, 11, 28), 1)
    assert allocation.allocate_day(saturday).invited == 1


def test_capacity_must_be_a_sensible_number(allocation: AllocationService) -> None:
    with pytest.raises(ValidationFailed) as refused:
        allocation.set_capacity(TUESDAY, -1)
    assert refused.value.errors[0].field == "slots"
    with pytest.raises(ValidationFailed):
        allocation.set_capacity(TUESDAY, 100_000)


def test_the_queue_position_moves_up_after_a_run(aws: None, queue: Queue) -> None:
    people = queue.fill(6)
    repository = queue.repository

    def positions() -> list[int]:
        return [repository.queue_position(r) for r in people[3:]]

    assert [repository.queue_position(r) for r in people] == [1, 2, 3, 4, 5, 6]
    build_service().allocate_day(TUESDAY_RUN)
    assert positions() == [1, 2, 3]


# -- configuration ----------------------------------------------------------------------------


def test_defaults_are_forty_a_day_thirty_on_thursday_an_hour_after_the_run() -> None:
    settings = Settings.from_env(TEST_ENV)

    assert settings.default_slots == {0: 40, 1: 40, 2: 40, 3: 30, 4: 40}
    assert settings.service_hours[0] == (time(9, 0), time(13, 0))
    assert settings.service_hours[3] == (time(11, 30), time(15, 30))
    assert (settings.arrival_window_minutes, settings.minimum_notice_minutes) == (30, 60)
    assert settings.top_up_times[0] == (time(9, 30), time(11, 0))
    assert settings.top_up_times[3] == (time(12, 0), time(13, 30))


def test_configuration_changes_only_the_weekdays_it_lists() -> None:
    settings = Settings.from_env(
        {
            **TEST_ENV,
            "DEFAULT_SLOTS": "thu=25, fri=0",
            "SERVICE_HOURS": "mon=08:30-12:00",
            "ARRIVAL_WINDOW_MINUTES": "20",
            "MINIMUM_NOTICE_MINUTES": "45",
            "TOP_UP_TIMES": "mon=10:15,fri=",
        }
    )

    assert settings.default_slots == {0: 40, 1: 40, 2: 40, 3: 25, 4: 0}
    assert settings.service_hours[0] == (time(8, 30), time(12, 0))
    assert settings.service_hours[3] == (time(11, 30), time(15, 30))
    assert (settings.arrival_window_minutes, settings.minimum_notice_minutes) == (20, 45)
    assert settings.top_up_times[0] == (time(10, 15),)
    assert settings.top_up_times[4] == ()
    assert settings.top_up_times[1] == (time(9, 30), time(11, 0))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_SLOTS", "thu=-1"),
        ("DEFAULT_SLOTS", "thursday=3"),
        ("DEFAULT_SLOTS", "mon"),
        ("SERVICE_HOURS", "mon=8"),
        ("SERVICE_HOURS", "mon=09:00-25:00"),
        ("SERVICE_HOURS", "mon=12:00-09:00"),
        ("ARRIVAL_WINDOW_MINUTES", "0"),
        ("MINIMUM_NOTICE_MINUTES", "ten"),
        ("TOP_UP_TIMES", "mon=09:40"),
        ("TOP_UP_TIMES", "mon=07:30"),
        ("TOP_UP_TIMES", "mon=16:00"),
        ("LINK_KEY", "short"),
    ],
)
def test_malformed_allocation_settings_stop_the_service(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**TEST_ENV, name: value})


def test_the_container_builds_the_service_from_the_environment(
    aws: None, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue.fill(4)
    monkeypatch.setenv("DEFAULT_SLOTS", "tue=2")
    bootstrap.reset()

    summary = bootstrap.container().allocation.allocate_day(TUESDAY_RUN)

    assert summary.capacity == 2
    assert bootstrap.container().allocation.capacity(TUESDAY).given == 2


def test_a_day_first_run_late_spreads_its_places_over_the_windows_still_reachable(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    """A Saturday opened with 3 places at 10:20: its places go to 11:30, 12:00 and 12:30
    (the fallback hours 09:00-13:00 from the first window an hour away), none to windows over."""
    queue.fill(4)
    allocation.set_capacity(date(2026, 11, 28), 3)

    summary = allocation.allocate_day(datetime(2026, 11, 28, 9, 20, tzinfo=UTC))

    assert summary.invited == 3
    starts = [i.window_start[11:16] for i in days.invitations(OFFICE, date(2026, 11, 28))]
    assert starts == ["11:30", "12:00", "12:30"]
    assert [w.capacity for w in allocation.windows(date(2026, 11, 28))] == [1, 1, 1]
