"""The retention purge on the table: find what is due, end abandoned registrations, erase.

Finding uses one paginated Scan a night, filtered and projected to keys and states: nothing
indexes "due for erasure", and the table holds little more than a retention period's worth of
registrations because this job keeps it so. Every write is conditional on what the scan saw.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamo_pages
from chalicelib.adapters.dynamo_errors import error_code
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
from chalicelib.domain.registration import Status
from chalicelib.services.retention import ExpiredItem, RetentionScan, StoredRegistration

_ABANDONABLE = (Status.EMAIL_UNVERIFIED, Status.AWAITING_DOCUMENTS)


class DynamoRetention:
    def __init__(self, client: Any, table_name: str) -> None:
        self._repo = DynamoRegistrationRepository(client, table_name)
        self._table = table_name

    def scan(self, now: int, unconfirmed_before: str, unsubmitted_before: str) -> RetentionScan:
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": (
                "(expires_at <= :now) OR (SK = :reg AND ("
                "(#status = :unverified AND created_at < :unconfirmed) OR "
                "(#status = :awaiting AND created_at < :unsubmitted)))"
            ),
            "ProjectionExpression": (
                "PK, SK, #status, registration_id, identity_key, created_at, expires_at"
            ),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values(
                now=now,
                reg=REG_SK,
                unverified=Status.EMAIL_UNVERIFIED.value,
                awaiting=Status.AWAITING_DOCUMENTS.value,
                unconfirmed=unconfirmed_before,
                unsubmitted=unsubmitted_before,
            ),
        }
        found = RetentionScan()
        for raw in dynamo_pages.items(self._repo.call, "scan", request):
            item = deserialize(raw)
            if item["SK"] == REG_SK:
                registration = _registration(item)
                if registration is not None:
                    found.registrations.append(registration)
            elif "expires_at" in item:
                found.expired_items.append(
                    ExpiredItem(str(item["PK"]), str(item["SK"]), int(item["expires_at"]))
                )
        return found

    def abandon(self, registration: StoredRegistration, withdrawn_at: str, now: int) -> bool:
        registration_id = registration.registration_id
        items = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize({"PK": registration_pk(registration_id), "SK": REG_SK}),
                    "UpdateExpression": (
                        "SET #status = :withdrawn, withdrawn_at = :at, withdrawn_by = :by, "
                        "expires_at = :now REMOVE GSI1PK, GSI1SK"
                    ),
                    "ConditionExpression": "#status = :seen AND created_at = :created",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values(
                        withdrawn=Status.WITHDRAWN.value,
                        at=withdrawn_at,
                        by="retention",
                        now=now,
                        seen=registration.status.value,
                        created=registration.created_at,
                    ),
                }
            },
            {
                # The person's lock, if it is (still) this registration's.
                "Delete": {
                    "TableName": self._table,
                    "Key": serialize({"PK": person_pk(registration.identity_key), "SK": LOCK_SK}),
                    "ConditionExpression": "attribute_not_exists(PK) OR registration_id = :rid",
                    "ExpressionAttributeValues": values(rid=registration_id),
                }
            },
        ]
        try:
            self._repo.call("transact_write_items", TransactItems=items)
        except TransactionCancelled:
            return False
        return True

    def erase_registration(self, registration: StoredRegistration) -> bool:
        pk = registration_pk(registration.registration_id)
        keys: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": values(pk=pk),
            "ProjectionExpression": "PK, SK",
            "ConsistentRead": True,
        }
        keys.extend(
            {"PK": raw["PK"], "SK": raw["SK"]}
            for raw in dynamo_pages.items(self._repo.call, "query", request)
            if raw["SK"]["S"] != REG_SK
        )
        for start in range(0, len(keys), 25):
            batch: dict[str, Any] = {
                self._table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
            }
            while batch:
                answer = self._repo.call("batch_write_item", RequestItems=batch)
                batch = answer.get("UnprocessedItems") or {}
        return self._conditional_delete(
            {"PK": pk, "SK": REG_SK},
            "#status = :seen",
            {"#status": "status"},
            values(seen=registration.status.value),
        )

    def delete_expired(self, item: ExpiredItem, now: int) -> bool:
        return self._conditional_delete(
            {"PK": item.pk, "SK": item.sk},
            "expires_at <= :now",
            None,
            values(now=now),
        )

    def _conditional_delete(
        self,
        key: dict[str, str],
        condition: str,
        names: dict[str, str] | None,
        condition_values: dict[str, Any],
    ) -> bool:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": serialize(key),
            "ConditionExpression": condition,
            "ExpressionAttributeValues": condition_values,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        try:
            self._repo.call("delete_item", **request)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _registration(item: dict[str, Any]) -> StoredRegistration | None:
    try:
        status = Status(str(item.get("status")))
    except ValueError:
        return None
    expires = item.get("expires_at")
    expires_at = int(expires) if expires is not None else None
    if not status.is_final and status not in _ABANDONABLE:
        return None
    return StoredRegistration(
        registration_id=str(item["registration_id"]),
        status=status,
        identity_key=str(item.get("identity_key", "")),
        created_at=str(item.get("created_at", "")),
        expires_at=expires_at,
    )
