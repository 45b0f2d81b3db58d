"""Places per arrival window, set by the office head for one date: runs honour each window's
places (none over lunch, more at opening), and setting the day's slots spreads them again."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.allocation import AllocationService
from chalicelib.services.ports import InviteOutcome
from tests.allocation.conftest import OFFICE, TUESDAY, TUESDAY_RUN, Queue
from tests.allocation.test_repository import invite

# Tuesday's service hours are 09:00-13:00: eight windows of 30 minutes.
KEYS = ["0900", "0930", "1000", "1030", "1100", "1130", "1200", "1230"]


def caps(**places: int) -> dict[str, int]:
    return {key: places.get(f"w{key}", 0) for key in KEYS}


def test_a_run_gives_each_window_exactly_its_places(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(6)

    set_day = allocation.set_window_capacity(TUESDAY, caps(w0930=2, w1100=1))
    summary = allocation.allocate_day(TUESDAY_RUN)

    assert (set_day.slots, set_day.per_window) == (3, True)
    assert (summary.capacity, summary.invited) == (3, 3)
    starts = [i.window_start[11:16] for i in days.invitations(OFFICE, TUESDAY)]
    assert starts == ["09:30", "09:30", "11:00"]
    assert [(w.key, w.capacity) for w in allocation.windows(TUESDAY) if w.capacity] == [
        ("0930", 2),
        ("1100", 1),
    ]


def test_slots_set_afterwards_spread_over_the_windows_again(
    allocation: AllocationService,
) -> None:
    allocation.set_window_capacity(TUESDAY, caps(w1200=5))

    spread = allocation.set_capacity(TUESDAY, 8)

    assert not spread.per_window
    assert [w.capacity for w in allocation.windows(TUESDAY)] == [1] * 8


def test_more_places_in_a_window_later_in_the_day_go_to_the_next_in_the_queue(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(4)
    allocation.set_window_capacity(TUESDAY, caps(w0900=1))
    assert allocation.allocate_day(TUESDAY_RUN).invited == 1

    allocation.set_window_capacity(TUESDAY, caps(w0900=1, w1230=2))
    again = allocation.allocate_day(TUESDAY_RUN)

    assert again.invited == 2
    starts = [i.window_start[11:16] for i in days.invitations(OFFICE, TUESDAY)]
    assert starts == ["09:00", "12:30", "12:30"]


@pytest.mark.parametrize(
    "places",
    [
        {k: 1 for k in KEYS[:-1]},  # a window left out
        {**{k: 1 for k in KEYS}, "1300": 1},  # not a window of the day
        {**{k: 1 for k in KEYS}, "0900": -1},
        {**{k: 0 for k in KEYS}, "0900": 1001},  # more than a day may have (MAX_SLOTS)
    ],
)
def test_places_per_window_must_name_the_days_windows_with_sensible_numbers(
    allocation: AllocationService, places: dict[str, int]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        allocation.set_window_capacity(TUESDAY, places)

    assert refused.value.errors[0].field == "windows"
    assert not allocation.capacity(TUESDAY).per_window  # nothing written


def test_a_windows_places_changed_meanwhile_refuse_the_invitation(
    queue: Queue, days: DynamoAllocationRepository
) -> None:
    [person] = queue.fill(1)
    days.set_capacity(OFFICE, TUESDAY, 3, window_caps={"0800": 3})
    read = days.day(OFFICE, TUESDAY)
    # The head moves the places to another window (same sum) after the run read the day.
    days.set_capacity(OFFICE, TUESDAY, 3, window_caps={"0800": 0, "0830": 3})

    outcome = invite(days, person, read, capacity=3)

    assert outcome == InviteOutcome(invited=False, day_changed=True)
    now = days.day(OFFICE, TUESDAY)
    assert (now.given, now.window_caps) == (0, {"0800": 0, "0830": 3})
