"""The queue's counts (adapters/dynamo_queue_counts.py) stay exactly the queue index's entries
through every move into and out of the queue, and give every waiting person their exact place;
200 registrations of one expiry date entering at once lose no count and throttle nothing."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import date
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_queue_counts import COUNT_SK, node_pk, path, rebuild
from chalicelib.adapters.dynamodb import (
    QUEUE_INDEX,
    DynamoRegistrationRepository,
    deserialize,
    queue_pk,
)
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.registration import Registration, Status, TitleType
from chalicelib.domain.tokens import new_id
from chalicelib.services.allocation import AllocationService
from tests.allocation.conftest import OFFICE, TUESDAY_RUN, Queue
from tests.conftest import REGION, TEST_ENV


def waiting_keys(ddb: Any) -> list[str]:
    """The queue index's entries, in order (what the counts must count)."""
    keys: list[str] = []
    request: dict[str, Any] = {
        "TableName": TEST_ENV["TABLE_NAME"],
        "IndexName": QUEUE_INDEX,
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": queue_pk(OFFICE)}},
    }
    while True:
        page = ddb.query(**request)
        keys.extend(i["GSI1SK"]["S"] for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            return keys
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_counts(ddb: Any, keys: list[str]) -> dict[tuple[str, str], int]:
    """The stored count of every (node, child) on the paths of `keys`."""
    found = {}
    for prefix in {p for key in keys for p, _ in path(key)}:
        item = ddb.get_item(
            TableName=TEST_ENV["TABLE_NAME"],
            Key={"PK": {"S": node_pk(OFFICE, prefix)}, "SK": {"S": COUNT_SK}},
        ).get("Item", {})
        for name, value in deserialize(item).items():
            if name not in ("PK", "SK"):
                found[(prefix, name)] = int(value)
    return found


def expected_counts(keys: list[str]) -> dict[tuple[str, str], int]:
    return dict(Counter(step for key in keys for step in path(key)))


def assert_exact(ddb: Any, repository: DynamoRegistrationRepository) -> None:
    keys = sorted(waiting_keys(ddb))
    stored = {k: v for k, v in stored_counts(ddb, keys).items() if v}
    assert stored == expected_counts(keys)
    for place, key in enumerate(keys, start=1):
        registration = repository.get(key.rsplit("#", 1)[1])
        assert registration is not None and registration.status is Status.WAITING
        assert repository.queue_position(registration) == place


def test_every_move_into_and_out_of_the_queue_keeps_the_counts_exact(
    ddb: Any, queue: Queue, registrations: DynamoRegistrationRepository
) -> None:
    rng = random.Random(17)
    # Expiry dates over two months, arrivals over days, hours and minutes, some in one minute.
    for n in range(40):
        expires = date(2026, 11 + n % 2, 1 + rng.randrange(28))
        day, hour, minute = 10 + rng.randrange(3), rng.randrange(24), rng.choice((0, 59, 30))
        queue.add(expires, f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:{n:02d}.000000Z")
    assert_exact(ddb, registrations)

    for person in rng.sample(queue.people, 8):
        current = registrations.get(person.registration_id)
        assert current is not None
        registrations.withdraw(current, "2026-11-21T10:00:00.000000Z", 1)
    assert_exact(ddb, registrations)


def test_an_invitation_and_a_release_take_the_person_out_and_back_at_their_place(
    ddb: Any,
    queue: Queue,
    registrations: DynamoRegistrationRepository,
    allocation: AllocationService,
) -> None:
    queue.fill(20)
    summary = allocation.allocate_day(TUESDAY_RUN)
    assert summary.invited > 0
    assert_exact(ddb, registrations)

    invited = next(
        r
        for r in (registrations.get(p.registration_id) for p in queue.in_order())
        if r is not None and r.status is Status.INVITED
    )
    allocation.release(invited, TUESDAY_RUN)
    assert_exact(ddb, registrations)
    back = registrations.get(invited.registration_id)
    assert back is not None and registrations.queue_position(back) == 1


def confirmed_registration(repository: DynamoRegistrationRepository, n: int) -> Registration:
    """A registration with its e-mail confirmed, not yet in the queue."""
    registration = Registration(
        registration_id=new_id(),
        status=Status.EMAIL_UNVERIFIED,
        given_names="Given",
        family_name=f"Family{n}",
        date_of_birth=BirthDate(1990, 1, 1),
        nationality="UKR",
        email=f"c{n}@example.org",
        language="en",
        title_type=TitleType.RESIDENCE_PERMIT,
        title_number=None,
        title_expires_on=date(2026, 11, 26),
        token_hash="hash",
        identity_key=f"c-identity-{n}",
        created_at="2026-11-20T09:00:00.000000Z",
        office_id=OFFICE,
    )
    repository.create(registration)
    repository.confirm_email(registration.registration_id, "2026-11-20T09:00:00.000000Z")
    return registration


def test_200_of_one_expiry_date_entering_at_once_lose_no_count(
    ddb: Any, registrations: DynamoRegistrationRepository
) -> None:
    people = [confirmed_registration(registrations, n) for n in range(200)]
    start = threading.Barrier(20)
    failures: list[BaseException] = []

    def enter(batch: list[Registration]) -> None:
        # Each thread its own client, as each Lambda has; all in the same minute of one date.
        repository = DynamoRegistrationRepository(
            boto3.client("dynamodb", region_name=REGION), TEST_ENV["TABLE_NAME"]
        )
        start.wait()
        for person in batch:
            n = people.index(person)
            try:
                repository.enqueue(person, f"2026-11-20T09:30:{n % 60:02d}.{n:06d}Z")
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=enter, args=(people[i::20],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    keys = waiting_keys(ddb)
    assert len(keys) == 200
    assert_exact(ddb, registrations)


def test_a_transaction_that_met_another_is_tried_again(
    ddb: Any, queue: Queue, registrations: DynamoRegistrationRepository
) -> None:
    conflicts = {"left": 2}

    def conflict(**_: Any) -> None:
        if conflicts["left"]:
            conflicts["left"] -= 1
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
                },
                "TransactWriteItems",
            )

    client = boto3.client("dynamodb", region_name=REGION)
    pauses: list[int] = []
    repository = DynamoRegistrationRepository(client, TEST_ENV["TABLE_NAME"], pause=pauses.append)
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", conflict)
    person = queue.add()
    repository.withdraw(person, "2026-11-21T10:00:00.000000Z", 1)

    assert pauses == [0, 1]
    withdrawn = registrations.get(person.registration_id)
    assert withdrawn is not None and withdrawn.status is Status.WITHDRAWN
    assert_exact(ddb, registrations)


def test_the_counts_of_a_queue_from_before_them_are_built_once(
    ddb: Any, queue: Queue, registrations: DynamoRegistrationRepository
) -> None:
    queue.fill(12)
    for prefix in {p for key in waiting_keys(ddb) for p, _ in path(key)}:
        ddb.delete_item(
            TableName=TEST_ENV["TABLE_NAME"],
            Key={"PK": {"S": node_pk(OFFICE, prefix)}, "SK": {"S": COUNT_SK}},
        )

    counted = rebuild(
        registrations.call,
        TEST_ENV["TABLE_NAME"],
        index=QUEUE_INDEX,
        office_id=OFFICE,
        partition=queue_pk(OFFICE),
    )

    assert counted == 12
    assert_exact(ddb, registrations)
