"""The allocation repository on moto: each write holds only on the state it was computed from."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.domain.allocation import DayCounter, Invitation, MailKind, MailStatus
from chalicelib.domain.registration import Appointment, Registration
from chalicelib.services.ports import InviteOutcome
from tests.allocation.conftest import OFFICE, TUESDAY, Queue

NOW = 1_795_500_000
LEASE_UNTIL = NOW + 60


def invitation_for(registration: Registration, seq: int, run_id: str = "run-a") -> Invitation:
    return Invitation(
        office_id=OFFICE,
        day=TUESDAY,
        seq=seq,
        registration_id=registration.registration_id,
        window_start="2026-11-24T08:00+01:00",
        window_end="2026-11-24T08:30+01:00",
        queue_key=registration.queue_key or "",
        run_id=run_id,
    )


def invite(
    days: DynamoAllocationRepository,
    registration: Registration,
    counter: DayCounter,
    capacity: int = 3,
) -> InviteOutcome:
    invitation = invitation_for(registration, counter.given + 1)
    return days.invite(
        invitation,
        counter,
        window_capacity=capacity,
        appointment=Appointment(TUESDAY, invitation.window_start, invitation.window_end, "here"),
        invited_at="2026-11-24T06:45:00.000000Z",
        lease_until=LEASE_UNTIL,
        erase_after=NOW + 86_400,
    )


def test_an_invitation_counts_the_day_moves_the_registration_and_records_it(
    queue: Queue, days: DynamoAllocationRepository
) -> None:
    [person] = queue.fill(1)

    assert invite(days, person, DayCounter(TUESDAY)) == InviteOutcome(invited=True)

    assert days.day(OFFICE, TUESDAY) == DayCounter(
        TUESDAY, given=1, taken={"0800": 1}, plan_from="0800"
    )
    [recorded] = days.invitations(OFFICE, TUESDAY)
    assert recorded == invitation_for(person, 1)
    stored = days.registration(person.registration_id)
    assert stored is not None and stored.appointment is not None
    assert stored.queue_key is not None  # queued_at stays; only the index keys go
    assert queue.repository.get(person.registration_id) == stored


def test_a_stale_counter_is_refused(queue: Queue, days: DynamoAllocationRepository) -> None:
    first, second = queue.fill(2)
    invite(days, first, DayCounter(TUESDAY))

    outcome = invite(days, second, DayCounter(TUESDAY))  # read before the first invitation

    assert outcome == InviteOutcome(invited=False, day_changed=True)
    assert days.day(OFFICE, TUESDAY).given == 1


def test_a_registration_invited_meanwhile_is_refused(
    queue: Queue, days: DynamoAllocationRepository
) -> None:
    [person] = queue.fill(1)
    invite(days, person, DayCounter(TUESDAY))

    outcome = invite(days, person, DayCounter(TUESDAY, given=1))

    assert outcome == InviteOutcome(invited=False, not_waiting=True)
    assert days.day(OFFICE, TUESDAY).given == 1


def test_a_capacity_changed_meanwhile_is_refused(
    queue: Queue, days: DynamoAllocationRepository
) -> None:
    [person] = queue.fill(1)
    days.set_capacity(OFFICE, TUESDAY, 5)

    outcome = invite(days, person, DayCounter(TUESDAY))  # read before the override

    assert outcome == InviteOutcome(invited=False, day_changed=True)
    assert days.day(OFFICE, TUESDAY) == DayCounter(TUESDAY, given=0, slots_override=5)
    # the window's capacity is the caller's; the override decides it
    assert invite(days, person, days.day(OFFICE, TUESDAY), capacity=5).invited


def test_a_full_window_is_not_asked(queue: Queue, days: DynamoAllocationRepository) -> None:
    [person] = queue.fill(1)
    with pytest.raises(ValueError):
        invite(days, person, DayCounter(TUESDAY, given=3, taken={"0800": 3}), capacity=3)


def test_a_mail_is_claimed_by_one_run_until_its_lease_lapses(
    queue: Queue, days: DynamoAllocationRepository
) -> None:
    [person] = queue.fill(1)
    invite(days, person, DayCounter(TUESDAY))  # the creating run, "run-a", holds the claim
    [invitation] = days.invitations(OFFICE, TUESDAY)
    kind = MailKind.INVITATION

    assert not days.claim_mail(invitation, kind, "run-b", NOW, NOW + 60)
    assert not days.settle_mail(invitation, kind, "run-b", MailStatus.SENT, NOW)
    assert days.claim_mail(invitation, kind, "run-b", LEASE_UNTIL, LEASE_UNTIL + 60)
    assert not days.settle_mail(invitation, kind, "run-a", MailStatus.SENT, NOW)  # lost it
    assert days.settle_mail(invitation, kind, "run-b", MailStatus.FAILED, LEASE_UNTIL)
    assert days.claim_mail(invitation, kind, "run-c", LEASE_UNTIL, LEASE_UNTIL + 60)
    assert days.settle_mail(invitation, kind, "run-c", MailStatus.SENT, LEASE_UNTIL)
    assert not days.claim_mail(invitation, kind, "run-d", NOW + 10_000, NOW + 10_060)

    [settled] = days.invitations(OFFICE, TUESDAY)
    assert (settled.mail_status, settled.mail_attempts) == (MailStatus.SENT, 2)
