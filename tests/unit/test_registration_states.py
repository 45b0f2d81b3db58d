"""The registration's state machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from chalicelib.domain.calendar import utc_timestamp
from chalicelib.domain.registration import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Registration,
    Status,
    can_transition,
    gives_way_to_new,
    queue_sort_key,
    sources_of,
)
from tests.registrations import a_registration


def test_happy_path_is_allowed() -> None:
    path = [
        Status.EMAIL_UNVERIFIED,
        Status.AWAITING_DOCUMENTS,
        Status.WAITING,
        Status.INVITED,
        Status.SERVED,
    ]
    for current, target in pairwise(path):
        assert can_transition(current, target)


@pytest.mark.parametrize("status", sorted(ACTIVE_STATUSES))
def test_withdrawal_from_every_active_state(status: Status) -> None:
    assert can_transition(status, Status.WITHDRAWN)


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_states_are_final(status: Status) -> None:
    assert status.is_final
    assert not any(can_transition(status, target) for target in Status)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.EMAIL_UNVERIFIED, Status.WAITING),  # skipping the e-mail proof
        (Status.AWAITING_DOCUMENTS, Status.INVITED),  # skipping the queue
        (Status.WAITING, Status.SERVED),  # served without an invitation
        (Status.INVITED, Status.WAITING),  # no way back into the queue
        (Status.CHECKING, Status.INVITED),  # invited while its documents are being read
        (Status.AWAITING_DOCUMENTS, Status.REJECTED),  # rejected before anyone looked
        (Status.IN_REVIEW, Status.SERVED),  # served without an invitation
    ],
)
def test_shortcuts_are_refused(current: Status, target: Status) -> None:
    assert not can_transition(current, target)


def test_sources_are_the_write_conditions() -> None:
    # Into the queue: by machine after submit or a read, or by staff after review.
    assert sources_of(Status.WAITING) == {
        Status.AWAITING_DOCUMENTS,
        Status.CHECKING,
        Status.IN_REVIEW,
    }
    # From review only under the `preferred` verification policy.
    assert sources_of(Status.INVITED) == {Status.WAITING, Status.IN_REVIEW}
    assert sources_of(Status.IN_REVIEW) == {Status.AWAITING_DOCUMENTS, Status.CHECKING}
    assert sources_of(Status.WITHDRAWN) == ACTIVE_STATUSES


def test_queue_key_orders_by_expiry_then_queued_at_then_id() -> None:
    keys = [
        queue_sort_key(date(2026, 11, 20), "2026-11-24T09:00:00.000000Z", "b" * 32),
        queue_sort_key(date(2026, 11, 19), "2026-11-24T10:00:00.000000Z", "c" * 32),
        queue_sort_key(date(2026, 11, 20), "2026-11-24T08:00:00.000000Z", "d" * 32),
        queue_sort_key(date(2026, 11, 20), "2026-11-24T09:00:00.000000Z", "a" * 32),
    ]
    assert sorted(keys) == [keys[1], keys[2], keys[3], keys[0]]


def _unconfirmed(created_at: str, status: Status = Status.EMAIL_UNVERIFIED) -> Registration:
    return a_registration(status=status, created_at=created_at)


@pytest.mark.parametrize(
    ("status", "minutes_later", "gives_way"),
    [
        (Status.EMAIL_UNVERIFIED, 0, False),
        (Status.EMAIL_UNVERIFIED, 9.99, False),
        (Status.EMAIL_UNVERIFIED, 10, True),
        (Status.EMAIL_UNVERIFIED, 60 * 24 * 6, True),
        (Status.AWAITING_DOCUMENTS, 10, False),
        (Status.WAITING, 60 * 24, False),
        (Status.INVITED, 60 * 24, False),
    ],
)
def test_only_an_unconfirmed_registration_gives_way_and_only_after_10_minutes(
    status: Status, minutes_later: float, gives_way: bool
) -> None:
    created = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    registration = _unconfirmed(utc_timestamp(created), status)

    now = created + timedelta(minutes=minutes_later)

    assert gives_way_to_new(registration, now) is gives_way
