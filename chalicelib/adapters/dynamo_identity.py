"""The items keyed by a person's identity as the identity migration sees them: the person locks
(PERSON#<identity>, ACTIVE) and the identity holds (HOLD#<identity>, HOLD), all of them, and one
moved to a new key together with its registration's `identity_key`, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.adapters import dynamo_pages
from chalicelib.adapters.dynamo_verification import HOLD_SK, hold_pk
from chalicelib.adapters.dynamodb import (
    LOCK_SK,
    REG_SK,
    DynamoRegistrationRepository,
    TransactionCancelled,
    deserialize,
    person_pk,
    registration_pk,
    serialize,
    values,
)
from chalicelib.domain.registration import Registration

_LOCK_PREFIX = "PERSON#"
_HOLD_PREFIX = "HOLD#"


class DynamoIdentityLocks:
    """The IdentityLocks port (services/identity_migration.py) on the registrations' table."""

    def __init__(self, registrations: DynamoRegistrationRepository) -> None:
        self._repo = registrations
        self._table = registrations.table_name

    def locks(self) -> Iterator[tuple[str, str]]:
        """(identity key, holding registration id) of every person lock."""
        return self._scan(_LOCK_PREFIX, LOCK_SK)

    def holds(self) -> Iterator[tuple[str, str]]:
        """(identity key, the registration that placed it) of every identity hold."""
        return self._scan(_HOLD_PREFIX, HOLD_SK)

    def _scan(self, prefix: str, sort_key: str) -> Iterator[tuple[str, str]]:
        """One paginated Scan, filtered to one kind of item and projected to what the
        migration needs."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "begins_with(PK, :prefix) AND SK = :sk",
            "ProjectionExpression": "PK, registration_id",
            "ExpressionAttributeValues": values(prefix=prefix, sk=sort_key),
        }
        for raw in dynamo_pages.items(self._repo.call, "scan", request):
            item = deserialize(raw)
            yield str(item["PK"]).removeprefix(prefix), str(item["registration_id"])

    def get(self, registration_id: str) -> Registration | None:
        return self._repo.get(registration_id)

    def move(self, registration: Registration, new_key: str) -> bool:
        """The registration's lock and its `identity_key` to `new_key`, while it still holds
        the old lock and no one holds the new one; False when either is not so."""
        return self._move(registration, new_key, person_pk, LOCK_SK)

    def move_hold(self, registration: Registration, new_key: str) -> bool:
        """The hold this registration placed, and its `identity_key`, to `new_key` (so that
        lifting it still finds it); False when the hold changed or the new key has one."""
        return self._move(registration, new_key, hold_pk, HOLD_SK)

    def _move(
        self,
        registration: Registration,
        new_key: str,
        partition: Callable[[str], str],
        sort_key: str,
    ) -> bool:
        old_key = registration.identity_key
        old = self._repo.call(
            "get_item",
            TableName=self._table,
            Key=serialize({"PK": partition(old_key), "SK": sort_key}),
            ConsistentRead=True,
        ).get("Item")
        if old is None:
            return False
        item = {**deserialize(old), "PK": partition(new_key)}
        try:
            self._repo.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": serialize({"PK": partition(old_key), "SK": sort_key}),
                            "ConditionExpression": "registration_id = :rid",
                            "ExpressionAttributeValues": values(rid=registration.registration_id),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": serialize(item),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": serialize(
                                {"PK": registration_pk(registration.registration_id), "SK": REG_SK}
                            ),
                            "UpdateExpression": "SET identity_key = :new",
                            "ConditionExpression": "identity_key = :old",
                            "ExpressionAttributeValues": values(new=new_key, old=old_key),
                        }
                    },
                ],
            )
        except TransactionCancelled:
            return False
        return True
