"""Who gets today's appointments: queue order, tie-breaks, windows, the run record, reads."""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
from chalicelib.domain.registration import Status
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
from tests.conftest import REGION, sent_mails, text_part


def test_invites_earliest_expiry_first(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    late = queue.add(date(2026, 11, 30))
    expired = queue.add(date(2026, 10, 1))
    soon = queue.add(date(2026, 11, 25))
    today = queue.add(date(2026, 11, 24))
    later = queue.add(date(2026, 11, 28))

    summary = allocation.allocate_day(TUESDAY_RUN)

    assert summary.invited == 3
    assert invited_ids(days) == [r.registration_id for r in (expired, today, soon)]
    assert {r.registration_id for r in (late, later)}.isdisjoint(invited_ids(days))
    assert mails_by_recipient("emergency appointment") == {
        expired.email: 1,
        today.email: 1,
        soon.email: 1,
    }


def test_ties_go_to_who_queued_first_then_to_the_lower_id(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    same_day = date(2026, 11, 26)
    second = queue.add(same_day, queued_at="2026-11-20T10:00:00.000000Z", registration_id="a" * 32)
    first = queue.add(same_day, queued_at="2026-11-20T09:00:00.000000Z", registration_id="f" * 32)
    tie_high = queue.add(
        same_day, queued_at="2026-11-20T11:00:00.000000Z", registration_id="c" * 32
    )
    tie_low = queue.add(same_day, queued_at="2026-11-20T11:00:00.000000Z", registration_id="b" * 32)

    allocation.allocate_day(TUESDAY_RUN)

    assert invited_ids(days) == [first.registration_id, second.registration_id, "b" * 32]
    assert tie_low.registration_id in invited_ids(days)
    assert tie_high.registration_id not in invited_ids(days)


def test_the_invited_leave_the_queue_with_their_appointment(
    allocation: AllocationService,
    queue: Queue,
    registrations: DynamoRegistrationRepository,
) -> None:
    people = queue.fill(5)

    allocation.allocate_day(TUESDAY_RUN)

    first = registrations.get(people[0].registration_id)
    assert first is not None and first.status is Status.INVITED
    assert first.appointment is not None
    assert first.appointment.date == TUESDAY
    assert (first.appointment.window_start, first.appointment.window_end) == (
        "2026-11-24T09:00+01:00",
        "2026-11-24T09:30+01:00",
    )
    assert "Eberhardstraße 39, 70173 Stuttgart" in first.appointment.address
    fourth = registrations.get(people[3].registration_id)
    assert fourth is not None and fourth.status is Status.WAITING
    assert registrations.queue_position(fourth) == 1


def test_arrival_windows_fill_in_queue_order(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(19)
    build_service(slots={1: 19}).allocate_day(TUESDAY_RUN)

    windows = [
        (i.seq, i.window_start[11:16], i.window_end[11:16])
        for i in days.invitations(OFFICE, TUESDAY)
    ]
    # 19 places over the eight windows from 09:00 to 13:00 (an hour after the 07:45 run):
    # three in each of the first three, two in the others; earliest expiry first.
    assert windows == [
        (1, "09:00", "09:30"),
        (2, "09:00", "09:30"),
        (3, "09:00", "09:30"),
        (4, "09:30", "10:00"),
        (5, "09:30", "10:00"),
        (6, "09:30", "10:00"),
        (7, "10:00", "10:30"),
        (8, "10:00", "10:30"),
        (9, "10:00", "10:30"),
        (10, "10:30", "11:00"),
        (11, "10:30", "11:00"),
        (12, "11:00", "11:30"),
        (13, "11:00", "11:30"),
        (14, "11:30", "12:00"),
        (15, "11:30", "12:00"),
        (16, "12:00", "12:30"),
        (17, "12:00", "12:30"),
        (18, "12:30", "13:00"),
        (19, "12:30", "13:00"),
    ]


def test_the_run_record_says_why_a_came_before_b(
    allocation: AllocationService, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.add(date(2026, 11, 27))
    queue.add(date(2026, 11, 25))
    queue.add(date(2026, 11, 26))
    queue.add(date(2026, 11, 29))

    summary = allocation.allocate_day(TUESDAY_RUN, trigger="schedule")

    [run] = days.runs(OFFICE, TUESDAY)
    assert run.run_id == summary.run_id
    assert run.trigger == "schedule"
    assert run.local_time == "2026-11-24T07:45:00+01:00"
    assert (run.capacity, run.given_before, run.given_after) == (3, 0, 3)
    assert [e.seq for e in run.invitations] == [1, 2, 3]
    keys = [e.queue_key for e in run.invitations]
    assert keys == sorted(keys)
    assert [k[:10] for k in keys] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert {i.run_id for i in days.invitations(OFFICE, TUESDAY)} == {summary.run_id}


def test_invitation_mail_tells_what_the_applicant_must_know(
    allocation: AllocationService, queue: Queue
) -> None:
    english = queue.add(date(2026, 11, 24), language="en")
    german = queue.add(date(2026, 11, 25), language="de")
    turkish = queue.add(date(2026, 11, 26), language="tr")

    allocation.allocate_day(TUESDAY_RUN)

    mails = {str(m["To"]): m for m in sent_mails()}
    en = text_part(mails[english.email])
    for expected in (
        "Tuesday, 24 November 2026",
        "between 09:00 and 09:30",
        "Eberhardstraße 39, 70173 Stuttgart",
        "passport",
        "residence title",
        "originals of all documents you uploaded",
        "Only correct data counts",
        "If you miss the appointment, it is cancelled",
        "register again",
        english.registration_id,
    ):
        assert expected in en, expected
    assert "Given Family0" in en
    de = text_part(mails[german.email])
    for expected in (
        "Dienstag, 24. November 2026",
        "zwischen 09:30 und 10:00 Uhr",  # the second of the queue, the second window
        "Reisepass",
        "Aufenthaltstitel",
        "Originale aller Unterlagen",
        "Es zählen nur richtige Angaben",
        "neu registrieren",
    ):
        assert expected in de, expected
    # in the applicant's own language
    assert "24 Kasım 2026 Salı" in text_part(mails[turkish.email])  # noqa: RUF001 - Turkish
    assert "Acil randevunuz" in str(mails[turkish.email]["Subject"])


def test_a_run_reads_only_the_rows_it_fills(
    aws: None, queue: Queue, registrations: DynamoRegistrationRepository
) -> None:
    queue.fill(60)
    client = boto3.client("dynamodb", region_name=REGION)
    calls: list[tuple[str, dict[str, Any], int]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, params, 0))

    def count(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        name, params, _unset = calls[-1]
        calls[-1] = (name, params, int(parsed.get("ScannedCount", 0)))

    client.meta.events.register("before-parameter-build.dynamodb", record)
    client.meta.events.register("after-call.dynamodb", count)

    summary = build_service(client).allocate_day(TUESDAY_RUN)

    assert summary.invited == 3
    assert not [c for c in calls if c[0] == "Scan"]
    queue_reads = [c for c in calls if c[0] == "Query" and c[1].get("IndexName") == "queue"]
    assert queue_reads and all(c[1]["Limit"] <= 3 for c in queue_reads)
    assert sum(c[2] for c in queue_reads) == 3
    waiting = registrations.get(queue.in_order()[3].registration_id)
    assert waiting is not None and registrations.queue_position(waiting) == 1
