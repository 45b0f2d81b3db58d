"""A long queue, written straight into the table: waiting registration items with their queue
keys, 25 to a BatchWriteItem (going through the API would take hours for 50,000)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.adapters.dynamo_queue_counts import node_items
from chalicelib.adapters.dynamodb import queue_pk, registration_item, serialize
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.registration import Registration, Status, TitleType, queue_sort_key
from chalicelib.domain.tokens import hash_token

BATCH = 25


def access_token(n: int) -> str:
    """The access token of the n-th seeded registration (only its hash is stored)."""
    return f"bench-access-token-{n}"


def waiting_registration(n: int, office_id: str, first_expiry: date) -> Registration:
    """The n-th person of a seeded queue: expiries spread over 30 days, queued a second apart."""
    queued_at = f"2026-11-{1 + n // 86400:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:" + (
        f"{n % 60:02d}.000000Z"
    )
    return Registration(
        registration_id=f"{n:032x}",
        status=Status.WAITING,
        given_names="Given",
        family_name=f"Family{n}",
        date_of_birth=BirthDate(1990, 1, 1),
        nationality="UKR",
        email=f"seed{n}@example.org",
        language="de" if n % 2 else "en",
        title_type=TitleType.RESIDENCE_PERMIT,
        title_number=None,
        title_expires_on=first_expiry + timedelta(days=n % 30),
        token_hash=hash_token(access_token(n)),
        identity_key=f"seed-identity-{n}",
        created_at="2026-11-01T00:00:00.000000Z",
        office_id=office_id,
        email_confirmed_at="2026-11-01T00:00:00.000000Z",
        queued_at=queued_at,
    )


def seed_waiting(
    client: Any, table: str, office_id: str, count: int, first_expiry: date = date(2026, 11, 20)
) -> None:
    """Put `count` waiting registrations into the queue index of `office_id`, and the queue's
    counts that count them (chalicelib/adapters/dynamo_queue_counts.py)."""
    keys: list[str] = []
    for start in range(0, count, BATCH):
        requests = []
        for n in range(start, min(start + BATCH, count)):
            r = waiting_registration(n, office_id, first_expiry)
            item = registration_item(r)
            item["GSI1PK"] = queue_pk(office_id)
            item["GSI1SK"] = queue_sort_key(
                r.title_expires_on, r.queued_at or "", r.registration_id
            )
            keys.append(item["GSI1SK"])
            requests.append({"PutRequest": {"Item": serialize(item)}})
        _write(client, table, requests)
    counts = [{"PutRequest": {"Item": serialize(n)}} for n in node_items(office_id, keys)]
    for start in range(0, len(counts), BATCH):
        _write(client, table, counts[start : start + BATCH])


def _write(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    request: dict[str, Any] = {table: requests}
    while request:
        answer = client.batch_write_item(RequestItems=request)
        request = answer.get("UnprocessedItems") or {}
