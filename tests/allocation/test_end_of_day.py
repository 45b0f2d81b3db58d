"""The end of the day: invitations not checked in become no-shows, the applicant is told to
register again, and may."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository, day_pk
from chalicelib.adapters.dynamodb import person_pk, registration_pk, serialize
from chalicelib.domain.allocation import MailStatus
from chalicelib.domain.errors import DuplicateRegistration, InvalidState
from chalicelib.domain.registration import Status
from chalicelib.domain.tokens import new_id
from chalicelib.services.allocation import AllocationService
from tests.allocation.conftest import OFFICE, TUESDAY, TUESDAY_RUN, Queue, build_service
from tests.conftest import REGION, TEST_ENV, sent_mails, text_part

TUESDAY_EVENING = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 21:30 in Stuttgart


def item(ddb: Any, pk: str, sk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = ddb.get_item(
        TableName=TEST_ENV["TABLE_NAME"], Key=serialize({"PK": pk, "SK": sk})
    ).get("Item")
    return found


def check_in(ddb: Any, registration_id: str) -> None:
    """What the staff's check-in (a later issue) leaves behind: the registration served."""
    ddb.update_item(
        TableName=TEST_ENV["TABLE_NAME"],
        Key=serialize({"PK": registration_pk(registration_id), "SK": "REG"}),
        UpdateExpression="SET #s = :served",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":served": {"S": "served"}},
    )


def register_again_mails() -> dict[str, str]:
    return {
        str(m["To"]): text_part(m) for m in sent_mails() if "register again" in str(m["Subject"])
    }


def test_invitations_not_checked_in_become_no_shows(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository, ddb: Any
) -> None:
    served, withdrawn, missed, waiting = queue.fill(4)
    allocation.allocate_day(TUESDAY_RUN)
    check_in(ddb, served.registration_id)
    stored = queue.repository.get(withdrawn.registration_id)
    assert stored is not None
    queue.repository.withdraw(stored, "2026-11-24T09:00:00.000000Z", 0)

    summary = allocation.end_day(TUESDAY, TUESDAY_EVENING)

    assert (summary.no_shows, summary.mails_sent) == (1, 1)
    outcomes = {i.registration_id: i.outcome for i in days.invitations(OFFICE, TUESDAY)}
    assert outcomes == {
        served.registration_id: "served",
        withdrawn.registration_id: "withdrawn",
        missed.registration_id: "no_show",
    }
    no_show = queue.repository.get(missed.registration_id)
    assert no_show is not None and no_show.status is Status.NO_SHOW
    raw = item(ddb, registration_pk(missed.registration_id), "REG")
    assert raw is not None
    assert int(raw["expires_at"]["N"]) == int((TUESDAY_EVENING + timedelta(days=30)).timestamp())
    assert item(ddb, person_pk(missed.identity_key), "ACTIVE") is None  # free to register
    assert item(ddb, person_pk(waiting.identity_key), "ACTIVE") is not None
    day = item(ddb, day_pk(OFFICE, TUESDAY), "DAY")
    assert day is not None and day["no_shows"] == {"N": "1"}

    assert list(register_again_mails()) == [missed.email]
    text = register_again_mails()[missed.email]
    assert f"{TEST_ENV['WEB_BASE_URL']}/?lang=en" in text
    assert "Tuesday, 24 November 2026" in text
    assert "register again" in text


def test_after_a_no_show_the_same_person_may_register_again(
    allocation: AllocationService, queue: Queue
) -> None:
    [person] = queue.fill(1)
    allocation.allocate_day(TUESDAY_RUN)
    anew = replace(person, registration_id=new_id(), status=Status.EMAIL_UNVERIFIED)
    with pytest.raises(DuplicateRegistration):
        queue.repository.create(anew)  # still invited: one active registration per person

    allocation.end_day(TUESDAY, TUESDAY_EVENING)
    queue.repository.create(anew)

    again = queue.repository.get(anew.registration_id)
    assert again is not None and again.status is Status.EMAIL_UNVERIFIED


def test_ending_the_day_twice_tells_nobody_twice(
    allocation: AllocationService, queue: Queue
) -> None:
    queue.fill(3)
    allocation.allocate_day(TUESDAY_RUN)

    first = allocation.end_day(TUESDAY, TUESDAY_EVENING)
    second = allocation.end_day(TUESDAY, TUESDAY_EVENING + timedelta(minutes=30))

    assert (first.no_shows, first.mails_sent) == (3, 3)
    assert (second.no_shows, second.mails_sent) == (0, 0)
    assert sorted(register_again_mails()) == sorted(r.email for r in queue.people)


def test_the_day_is_not_over_before_the_evening(
    allocation: AllocationService, queue: Queue
) -> None:
    queue.fill(1)
    allocation.allocate_day(TUESDAY_RUN)

    with pytest.raises(InvalidState):
        allocation.end_day(TUESDAY, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    noon_event = allocation.end_day_on_schedule(
        datetime(2026, 11, 24, 11, 0, tzinfo=UTC), datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    )

    assert not noon_event.acted
    stored = queue.repository.get(queue.people[0].registration_id)
    assert stored is not None and stored.status is Status.INVITED


def test_a_failed_no_show_mail_is_sent_by_the_next_end_of_day_run(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(1)
    build_service().allocate_day(TUESDAY_RUN)
    down = boto3.client("sesv2", region_name=REGION)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": ""}}, "Send")

    down.meta.events.register("before-call.sesv2.SendEmail", refuse)

    failed = build_service(sesv2=down).end_day(TUESDAY, TUESDAY_EVENING)
    assert (failed.no_shows, failed.mails_failed) == (1, 1)
    assert days.invitations(OFFICE, TUESDAY)[0].no_show_mail_status is MailStatus.FAILED

    retried = build_service().end_day(TUESDAY, TUESDAY_EVENING + timedelta(days=1))
    assert (retried.no_shows, retried.mails_sent) == (0, 1)
    assert days.invitations(OFFICE, TUESDAY)[0].no_show_mail_status is MailStatus.SENT
    assert list(register_again_mails()) == [queue.people[0].email]


def test_a_day_whose_evening_failed_is_closed_by_a_later_evening(
    allocation: AllocationService, queue: Queue
) -> None:
    queue.fill(2)
    allocation.allocate_day(TUESDAY_RUN)

    thursday = allocation.end_day(date(2026, 11, 26), datetime(2026, 11, 26, 20, 30, tzinfo=UTC))

    assert thursday.no_shows == 2
    assert len(register_again_mails()) == 2
