"""A run twice, runs at once, a crash anywhere and a re-run: never over capacity, never two
appointments for one person, nothing lost, every invited person mailed once."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
from chalicelib.domain.allocation import MailStatus
from chalicelib.domain.registration import Status
from chalicelib.services.allocation import LEASE, RunSummary
from infra.table import create_table
from tests.allocation.conftest import (
    OFFICE,
    TUESDAY,
    TUESDAY_RUN,
    Queue,
    build_service,
    invited_ids,
    mails_by_recipient,
)
from tests.conftest import REGION

AFTER_LEASE = LEASE + timedelta(minutes=1)


def test_running_again_changes_nothing_and_mails_nobody_twice(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(6)
    service = build_service()

    first = service.allocate_day(TUESDAY_RUN)
    again = service.allocate_day(TUESDAY_RUN)
    later = service.allocate_day(TUESDAY_RUN + AFTER_LEASE)

    assert first.invited == 3
    assert (again.invited, later.invited) == (0, 0)
    assert (again.mails_sent, later.mails_sent) == (0, 0)
    assert invited_ids(days) == [r.registration_id for r in queue.in_order()[:3]]
    assert mails_by_recipient() == {r.email: 1 for r in queue.in_order()[:3]}
    assert len(days.runs(OFFICE, TUESDAY)) == 3


def test_concurrent_runs_give_the_capacity_once(
    aws: None, queue: Queue, days: DynamoAllocationRepository
) -> None:
    queue.fill(25)
    runners = 6
    start = threading.Barrier(runners)
    summaries: list[RunSummary] = []
    errors: list[BaseException] = []

    def run() -> None:
        # Each thread has its own clients, as concurrent Lambda invocations would.
        service = build_service(
            boto3.client("dynamodb", region_name=REGION),
            boto3.client("sesv2", region_name=REGION),
            slots={1: 10},
        )
        start.wait()
        try:
            summaries.append(service.allocate_day(TUESDAY_RUN))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(s.invited for s in summaries) == 10
    expected = [r.registration_id for r in queue.in_order()[:10]]
    assert invited_ids(days) == expected  # seq 1…10 in queue order, each person once
    assert [i.seq for i in days.invitations(OFFICE, TUESDAY)] == list(range(1, 11))
    assert days.day(OFFICE, TUESDAY).given == 10
    assert mails_by_recipient() == {r.email: 1 for r in queue.in_order()[:10]}
    for person in queue.in_order()[10:]:
        stored = queue.repository.get(person.registration_id)
        assert stored is not None and stored.status is Status.WAITING


class Crash(BaseException):
    """The process dies here (not an error the code could catch and handle)."""


@dataclass
class CrashAt:
    """Counts every AWS call of a run across its clients and dies at call `at`, before the
    request is sent or after its answer came back."""

    at: int | None
    after: bool = False
    calls: list[str] = field(default_factory=list)

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._before)
        client.meta.events.register("after-call", self._after)
        return client

    def _before(self, event_name: str, **_: Any) -> None:
        self.calls.append(event_name.removeprefix("before-call."))
        if not self.after and len(self.calls) - 1 == self.at:
            raise Crash(self.calls[-1])

    def _after(self, **_: Any) -> None:
        if self.after and len(self.calls) - 1 == self.at:
            raise Crash(self.calls[-1])

    @property
    def sent_unmarked(self) -> bool:
        """Whether a mail went out before the crash and no DynamoDB write came after it."""
        done = self.calls if self.after else self.calls[:-1]
        if "sesv2.SendEmail" not in done:
            return False
        since = done[len(done) - done[::-1].index("sesv2.SendEmail") :]
        return not any(c in ("dynamodb.TransactWriteItems", "dynamodb.UpdateItem") for c in since)


def run_with(crash: CrashAt, table: str) -> None:
    service = build_service(
        crash.attach(boto3.client("dynamodb", region_name=REGION)),
        crash.attach(boto3.client("sesv2", region_name=REGION)),
        table=table,
    )
    with contextlib.suppress(Crash):
        service.allocate_day(TUESDAY_RUN)


def calls_of_a_clean_run() -> list[str]:
    create_table(boto3.client("dynamodb", region_name=REGION), "count-calls")
    queue = Queue(
        DynamoRegistrationRepository(boto3.client("dynamodb", region_name=REGION), "count-calls"),
        prefix="count",
    )
    queue.fill(5)
    clean = CrashAt(at=None)
    run_with(clean, "count-calls")
    return clean.calls


@pytest.mark.parametrize("after", [False, True], ids=["before-the-call", "after-the-call"])
def test_a_crash_at_any_call_then_a_re_run_loses_nothing(aws: None, after: bool) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    calls = calls_of_a_clean_run()
    assert "sesv2.SendEmail" in calls and "dynamodb.TransactWriteItems" in calls

    for at in range(len(calls)):
        table = f"crash-{int(after)}-{at}"
        create_table(client, table)
        registrations = DynamoRegistrationRepository(client, table)
        queue = Queue(registrations, prefix=f"crash{int(after)}x{at}x")
        queue.fill(5)
        crash = CrashAt(at=at, after=after)

        run_with(crash, table)
        assert crash.calls[-1] == calls[at], "the run took another path than the clean one"
        build_service(table=table).allocate_day(TUESDAY_RUN + AFTER_LEASE)
        build_service(table=table).allocate_day(TUESDAY_RUN + 2 * AFTER_LEASE)

        where = f"crash {'after' if after else 'before'} call {at} ({calls[at]})"
        days = DynamoAllocationRepository(client, table)
        invitations = days.invitations(OFFICE, TUESDAY)
        first_three = [r.registration_id for r in queue.in_order()[:3]]
        assert [i.registration_id for i in invitations] == first_three, where
        assert [i.seq for i in invitations] == [1, 2, 3], where
        assert days.day(OFFICE, TUESDAY).given == 3, where
        assert {i.mail_status for i in invitations} == {MailStatus.SENT}, where
        for person in queue.in_order():
            stored = registrations.get(person.registration_id)
            assert stored is not None, where
            invited = person.registration_id in first_three
            assert stored.status is (Status.INVITED if invited else Status.WAITING), where

        mailed = {to: n for to, n in mails_by_recipient().items() if to.startswith(queue.prefix)}
        assert set(mailed) == {r.email for r in queue.in_order()[:3]}, where
        repeats = sum(n - 1 for n in mailed.values())
        # Only a crash between the provider's acceptance and the `sent` mark (the run's next
        # write: the next invitation's transaction, or the mark alone) repeats a mail.
        assert repeats == (1 if crash.sent_unmarked else 0), where
