"""The person locks (PERSON#<identity>, ACTIVE) as the identity migration sees them: all of
them, and one moved to a new key together with its registration, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


class DynamoIdentityLocks:
    """The IdentityLocks port (services/identity_migration.py) on the registrations' table."""

    def __init__(self, registrations: DynamoRegistrationRepository) -> None:
        self._repo = registrations
        self._table = registrations.table_name

    def locks(self) -> Iterator[tuple[str, str]]:
        """(identity key, holding registration id) of every person lock: one paginated Scan,
        filtered to the locks and projected to what the migration needs."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "begins_with(PK, :prefix) AND SK = :sk",
            "ProjectionExpression": "PK, registration_id",
            "ExpressionAttributeValues": values(prefix=_LOCK_PREFIX, sk=LOCK_SK),
        }
        while True:
            page = self._repo.call("scan", **request)
            for raw in page.get("Items", []):
                item = deserialize(raw)
                yield str(item["PK"]).removeprefix(_LOCK_PREFIX), str(item["registration_id"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, registration_id: str) -> Registration | None:
        return self._repo.get(registration_id)

    def move(self, registration: Registration, new_key: str) -> bool:
        """The registration's lock and its `identity_key` to `new_key`, while it still holds
        the old lock and no one holds the new one; False when either is not so."""
        old_key = registration.identity_key
        try:
            self._repo.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": serialize({"PK": person_pk(old_key), "SK": LOCK_SK}),
                            "ConditionExpression": "registration_id = :rid",
                            "ExpressionAttributeValues": values(rid=registration.registration_id),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": serialize(
                                {
                                    "PK": person_pk(new_key),
                                    "SK": LOCK_SK,
                                    "registration_id": registration.registration_id,
                                }
                            ),
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
