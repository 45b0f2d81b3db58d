"""The registration's state machine."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from chalicelib.domain.registration import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Status,
    can_transition,
    queue_sort_key,
    sources_of,
)


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
    ],
)
def test_shortcuts_are_refused(current: Status, target: Status) -> None:
    assert not can_transition(current, target)


def test_sources_are_the_write_conditions() -> None:
    assert sources_of(Status.WAITING) == {Status.AWAITING_DOCUMENTS}
    assert sources_of(Status.INVITED) == {Status.WAITING}
    assert sources_of(Status.WITHDRAWN) == ACTIVE_STATUSES


def test_queue_key_orders_by_expiry_then_queued_at_then_id() -> None:
    keys = [
        queue_sort_key(date(2026, 11, 20), "2026-11-24T09:00:00.000000Z", "b" * 32),
        queue_sort_key(date(2026, 11, 19), "2026-11-24T10:00:00.000000Z", "c" * 32),
        queue_sort_key(date(2026, 11, 20), "2026-11-24T08:00:00.000000Z", "d" * 32),
        queue_sort_key(date(2026, 11, 20), "2026-11-24T09:00:00.000000Z", "a" * 32),
    ]
    assert sorted(keys) == [keys[1], keys[2], keys[3], keys[0]]
