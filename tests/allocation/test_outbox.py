"""Mail goes through an outbox: a failed or throttled send is retried, never rolls back an
appointment, and is not sent twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.domain.allocation import MailStatus
from chalicelib.domain.registration import Status
from chalicelib.services.allocation import LEASE
from tests.allocation.conftest import (
    OFFICE,
    TUESDAY,
    TUESDAY_RUN,
    Queue,
    build_service,
    mails_by_recipient,
)
from tests.conftest import REGION, FixedClock

AFTER_LEASE = LEASE + timedelta(minutes=1)


class FailingSes:
    """An SES client whose next `failures` sends are refused (throttled by default)."""

    def __init__(self, failures: int, code: str = "TooManyRequestsException") -> None:
        self.failures = failures
        self.code = code
        self.attempts = 0
        self.client = boto3.client("sesv2", region_name=REGION)
        self.client.meta.events.register("before-call.sesv2.SendEmail", self._refuse)

    def _refuse(self, **_: Any) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "SendEmail")


def statuses(days: DynamoAllocationRepository) -> list[tuple[MailStatus, int]]:
    return [(i.mail_status, i.mail_attempts) for i in days.invitations(OFFICE, TUESDAY)]


def test_a_failed_send_keeps_the_appointment_and_a_later_run_mails_it(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(4)
    down = FailingSes(failures=1000)

    first = build_service(sesv2=down.client).allocate_day(TUESDAY_RUN)

    assert (first.invited, first.mails_sent, first.mails_failed) == (3, 0, 6)
    assert statuses(days) == [(MailStatus.FAILED, 2)] * 3  # tried in the run and at its end
    assert mails_by_recipient() == {}
    for person in queue.in_order()[:3]:
        stored = queue.repository.get(person.registration_id)
        assert stored is not None and stored.status is Status.INVITED

    retry = build_service().allocate_day(TUESDAY_RUN + timedelta(minutes=15))
    again = build_service().allocate_day(TUESDAY_RUN + timedelta(minutes=30))

    assert (retry.invited, retry.mails_sent) == (0, 3)
    assert again.mails_sent == 0
    assert statuses(days) == [(MailStatus.SENT, 3)] * 3
    assert mails_by_recipient() == {r.email: 1 for r in queue.in_order()[:3]}


def test_a_throttled_send_is_retried_at_the_end_of_the_same_run(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(3)
    throttled_once = FailingSes(failures=1)

    summary = build_service(sesv2=throttled_once.client).allocate_day(TUESDAY_RUN)

    assert (summary.mails_sent, summary.mails_failed) == (3, 1)
    assert throttled_once.attempts == 4
    assert sorted(statuses(days)) == sorted(
        [(MailStatus.SENT, 2), (MailStatus.SENT, 1), (MailStatus.SENT, 1)]
    )
    assert mails_by_recipient() == {r.email: 1 for r in queue.in_order()}


def test_a_refused_address_does_not_stop_the_others(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(3)
    first_email = queue.in_order()[0].email
    ses = boto3.client("sesv2", region_name=REGION)

    def refuse_first(params: dict[str, Any], **_: Any) -> None:
        if params["Destination"]["ToAddresses"] == [first_email]:
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendEmail")

    ses.meta.events.register("before-parameter-build.sesv2.SendEmail", refuse_first)

    summary = build_service(sesv2=ses).allocate_day(TUESDAY_RUN)

    assert summary.invited == 3
    assert statuses(days) == [(MailStatus.FAILED, 2), (MailStatus.SENT, 1), (MailStatus.SENT, 1)]
    assert mails_by_recipient() == {r.email: 1 for r in queue.in_order()[1:]}


def test_no_mail_for_a_registration_withdrawn_before_it_went_out(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(1)
    build_service(sesv2=FailingSes(failures=1000).client).allocate_day(TUESDAY_RUN)
    person = queue.in_order()[0]
    invited = queue.repository.get(person.registration_id)
    assert invited is not None
    queue.repository.withdraw(invited, "2026-11-24T06:50:00.000000Z", 0)

    build_service().allocate_day(TUESDAY_RUN + AFTER_LEASE)

    assert statuses(days) == [(MailStatus.SKIPPED, 2)]
    assert mails_by_recipient() == {}


class Dies(BaseException):
    """The run's process ends here."""


def test_a_mail_claimed_by_a_run_that_died_waits_for_its_lease(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(1)
    dying = boto3.client("sesv2", region_name=REGION)

    def die(**_: Any) -> None:
        raise Dies

    dying.meta.events.register("before-call.sesv2.SendEmail", die)
    with pytest.raises(Dies):
        build_service(sesv2=dying).allocate_day(TUESDAY_RUN)

    within_lease = build_service().allocate_day(TUESDAY_RUN + LEASE / 2)
    assert within_lease.mails_sent == 0
    assert statuses(days) == [(MailStatus.PENDING, 0)]

    after_lease = build_service().allocate_day(TUESDAY_RUN + AFTER_LEASE)
    assert after_lease.mails_sent == 1
    assert statuses(days) == [(MailStatus.SENT, 1)]
    assert mails_by_recipient() == {queue.in_order()[0].email: 1}


def test_a_long_runs_claims_last_a_lease_from_when_they_are_made(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(3)
    clock = FixedClock(TUESDAY_RUN)
    sends = 0
    slow = boto3.client("sesv2", region_name=REGION)

    def two_minutes_per_mail_then_die_at_the_third(**_: Any) -> None:
        nonlocal sends
        sends += 1
        clock.now += timedelta(minutes=2)
        if sends == 3:
            raise Dies

    slow.meta.events.register(
        "before-call.sesv2.SendEmail", two_minutes_per_mail_then_die_at_the_third
    )
    with pytest.raises(Dies):
        build_service(sesv2=slow, slots={1: 3}, clock=clock).allocate_day(TUESDAY_RUN)
    # The third invitation was claimed 4 minutes into the run: its claim lasts until 5 minutes,
    # long after a lease counted from the run's start would have lapsed.
    assert statuses(days) == [(MailStatus.SENT, 1), (MailStatus.SENT, 1), (MailStatus.PENDING, 0)]

    meanwhile = build_service(slots={1: 3}).allocate_day(
        TUESDAY_RUN + timedelta(minutes=4, seconds=59)
    )
    assert meanwhile.mails_sent == 0

    after_lease = build_service(slots={1: 3}).allocate_day(TUESDAY_RUN + timedelta(minutes=5))
    assert after_lease.mails_sent == 1
    assert statuses(days) == [(MailStatus.SENT, 1)] * 3
    assert sorted(mails_by_recipient().values()) == [1, 1, 1]
