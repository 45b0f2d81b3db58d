"""A release while top-up runs give places (issue 13): no place is given twice, none is lost.

Each thread has its own clients, as concurrent Lambda invocations and API requests would;
moto serves one request at a time (conftest.py), so the threads interleave between calls,
where the races of the service are. The invariant is checked on the stored items, not on
what the service believed."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import boto3

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.domain.allocation import Outcome
from chalicelib.domain.registration import Status
from tests.allocation.conftest import OFFICE, TUESDAY, TUESDAY_RUN, Queue, build_service
from tests.conftest import REGION

TUESDAY_0940 = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)  # windows from 10:40 are reachable
SLOTS = {1: 8}  # one place in each window from 09:00 to 12:30


def in_threads(*jobs: Callable[[], object]) -> list[BaseException]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_releases_during_top_ups_give_each_place_once_and_lose_none(
    queue: Queue, days: DynamoAllocationRepository
) -> None:
    people = queue.fill(12)
    build_service(slots=SLOTS).allocate_day(TUESDAY_RUN)
    invited = {i.window_key: i.registration_id for i in days.invitations(OFFICE, TUESDAY)}
    assert len(invited) == 8
    releasing = [invited["1100"], invited["1130"], invited["1200"]]

    def release(registration_id: str) -> Callable[[], object]:
        def job() -> object:
            allocation = build_service(
                boto3.client("dynamodb", region_name=REGION),
                boto3.client("sesv2", region_name=REGION),
                slots=SLOTS,
            )
            registration = days.registration(registration_id)
            assert registration is not None
            return allocation.release(registration, TUESDAY_0940)

        return job

    def top_up() -> object:
        return build_service(
            boto3.client("dynamodb", region_name=REGION),
            boto3.client("sesv2", region_name=REGION),
            slots=SLOTS,
        ).allocate_day(TUESDAY_0940, trigger="top_up@09:40")

    errors = in_threads(*(release(r) for r in releasing), top_up, top_up)
    assert errors == []
    # Whatever the interleaving, one more top-up gives what a release freed after the others
    # had looked: afterwards every reachable window is full again.
    build_service(slots=SLOTS).allocate_day(TUESDAY_0940, trigger="top_up@09:45")

    invitations = days.invitations(OFFICE, TUESDAY)
    live = [i for i in invitations if i.outcome != Outcome.RELEASED.value]
    counter = days.day(OFFICE, TUESDAY)
    per_window = Counter(i.window_key for i in live)
    assert per_window == Counter(dict.fromkeys(invited, 1))  # every window once: none lost
    assert dict(counter.taken) == dict(per_window)  # the counters agree with the invitations
    holders = Counter(i.registration_id for i in live)
    assert max(holders.values()) == 1  # nobody holds two places
    for registration_id in releasing:
        stored = days.registration(registration_id)
        assert stored is not None
        assert (stored.status, stored.released_on) == (Status.WAITING, date(2026, 11, 24))
        assert registration_id not in holders  # not invited again the day they released
    newcomers = {r.registration_id for r in people[8:]}
    assert len(newcomers & set(holders)) == 3
