"""Verification on the registrations table: document reads, the review list, corrections with
their history, and identity holds.

Items (PK, SK), besides those of dynamodb.py:
  REG#<id>, HIST#<at>#<n>        one entry of the registration's history (erased with it)
  HOLD#<identity>, HOLD          the person's data was found incorrect: new registrations of
                                 that identity go to review until `until` (TTL `expires_at`)
The review list is the queue index's partition REVIEW#<office>, sorted by `review_since#id`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamo_pages
from chalicelib.adapters.dynamo_errors import error_code
from chalicelib.adapters.dynamodb import (
    LOCK_SK,
    QUEUE_INDEX,
    READING,
    REG_SK,
    DynamoRegistrationRepository,
    TransactionCancelled,
    deserialize,
    person_pk,
    queue_pk,
    registration_pk,
    release_lock,
    review_pk,
    serialize,
    values,
    zone_item,
)
from chalicelib.domain.documents import Document, DocumentStatus
from chalicelib.domain.errors import DuplicateRegistration, InvalidState, ValidationFailed
from chalicelib.domain.machine_readable_zone import MachineReadableZone
from chalicelib.domain.registration import (
    DUPLICATE_DETAIL,
    Registration,
    Status,
    queue_sort_key,
)
from chalicelib.domain.verification import typed_value
from chalicelib.services.ports import HistoryEntry, IdentityHold, ReviewPage

HOLD_SK = "HOLD"


def hold_pk(identity: str) -> str:
    return f"HOLD#{identity}"


class DynamoVerification:
    """The VerificationRepository port (services/ports.py) on DynamoDB."""

    def __init__(self, registrations: DynamoRegistrationRepository) -> None:
        self._repo = registrations
        self._table = registrations.table_name

    def get(self, registration_id: str) -> Registration | None:
        return self._repo.get(registration_id)

    # -- reads ------------------------------------------------------------------------------

    def record_read(
        self, document: Document, outcome: str, zone: MachineReadableZone | None, read_at: str
    ) -> bool:
        sets = "SET read_outcome = :outcome, read_at = :at" + (", #zone = :zone" if zone else "")
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": serialize(
                {
                    "PK": registration_pk(document.registration_id),
                    "SK": f"DOC#{document.document_id}",
                }
            ),
            "UpdateExpression": sets,
            "ConditionExpression": (
                "#status = :verified AND "
                "(attribute_not_exists(read_outcome) OR read_outcome = :reading)"
            ),
            "ExpressionAttributeNames": {
                "#status": "status",
                **({"#zone": "zone"} if zone else {}),
            },
            "ExpressionAttributeValues": values(
                outcome=outcome,
                at=read_at,
                verified=DocumentStatus.VERIFIED.value,
                reading=READING,
                **({"zone": zone_item(zone)} if zone else {}),
            ),
        }
        try:
            self._repo.call("transact_write_items", TransactItems=[{"Update": request}])
        except TransactionCancelled:
            return False  # read before, or erased meanwhile
        return True

    def claim_read_retry(self, document: Document, *, at: str, before: str) -> bool:
        try:
            self._repo.call(
                "update_item",
                TableName=self._table,
                Key=serialize(
                    {
                        "PK": registration_pk(document.registration_id),
                        "SK": f"DOC#{document.document_id}",
                    }
                ),
                UpdateExpression="SET read_retried_at = :at",
                ConditionExpression=(
                    "read_outcome = :reading AND "
                    "(attribute_not_exists(read_retried_at) OR read_retried_at < :before)"
                ),
                ExpressionAttributeValues=values(at=at, before=before, reading=READING),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- moves after submit -----------------------------------------------------------------

    def start_checking(self, registration: Registration, submitted_at: str) -> None:
        self._repo.transition(
            registration.registration_id,
            Status.CHECKING,
            set_values={"submitted_at": submitted_at},
            extra_condition="attribute_exists(email_confirmed_at)",
        )

    def enqueue_verified(
        self,
        registration: Registration,
        *,
        queued_at: str,
        verified_by: str,
        sources: frozenset[Status],
        title_expires_on: date | None = None,
    ) -> None:
        expires_on = title_expires_on or registration.title_expires_on
        key = queue_sort_key(expires_on, queued_at, registration.registration_id)
        self._repo.transition(
            registration.registration_id,
            Status.WAITING,
            set_values={
                "queued_at": queued_at,
                "verified_by": verified_by,
                "verified_at": queued_at,
                "title_expires_on": expires_on.isoformat(),
                "GSI1PK": queue_pk(registration.office_id),
                "GSI1SK": key,
            },
            remove=("review_reasons", "review_since"),
            extra_condition="attribute_exists(email_confirmed_at) AND title_expires_on = :typed",
            extra_values=values(typed=registration.title_expires_on.isoformat()),
            sources=sources,
            also=self._repo.queue_count_updates(registration.office_id, key, +1),
        )

    def send_to_review(
        self,
        registration: Registration,
        *,
        reasons: tuple[str, ...],
        since: str,
        sources: frozenset[Status],
    ) -> None:
        self._repo.transition(
            registration.registration_id,
            Status.IN_REVIEW,
            set_values={
                "review_reasons": list(reasons),
                "review_since": since,
                "GSI1PK": review_pk(registration.office_id),
                "GSI1SK": f"{since}#{registration.registration_id}",
            },
            extra_condition="attribute_exists(email_confirmed_at)",
            sources=sources,
        )

    def reject_data_incorrect(
        self,
        registration: Registration,
        *,
        reason: str,
        rejected_at: str,
        rejected_by: str,
        erase_after: int,
        hold_until: str,
        hold_erase_after: int,
    ) -> None:
        """in_review -> rejected (data incorrect), the person's lock released and their
        identity held, in one transaction."""
        self._repo.transition(
            registration.registration_id,
            Status.REJECTED,
            set_values={
                "rejection_reason": reason,
                "rejected_at": rejected_at,
                "rejected_by": rejected_by,
                "expires_at": erase_after,
            },
            remove=("GSI1PK", "GSI1SK"),
            sources=frozenset({Status.IN_REVIEW}),
            also=[
                release_lock(self._table, registration),
                self.hold_item(registration, hold_until, hold_erase_after),
            ],
        )

    def place_hold(self, registration: Registration, *, until: str, erase_after: int) -> None:
        self._repo.call("put_item", **self.hold_item(registration, until, erase_after)["Put"])

    def hold_item(self, registration: Registration, until: str, erase_after: int) -> dict[str, Any]:
        """The transaction item that holds the registration's identity until `until`."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": serialize(
                    {
                        "PK": hold_pk(registration.identity_key),
                        "SK": HOLD_SK,
                        "registration_id": registration.registration_id,
                        "until": until,
                        "expires_at": erase_after,
                    }
                ),
            }
        }

    # -- corrections ------------------------------------------------------------------------

    def correct(
        self,
        registration: Registration,
        changes: Mapping[str, str],
        *,
        new_identity_key: str | None,
        entry: HistoryEntry,
        entry_id: str,
    ) -> None:
        """Set the corrected fields while the registration is in an allowed state and still
        says what `registration` says; with a new identity the person's lock moves with it.
        Raises InvalidState, or DuplicateRegistration when the new identity is taken."""
        sets = dict(changes)
        if new_identity_key:
            sets["identity_key"] = new_identity_key
        names = {f"#c{i}": name for i, name in enumerate(sets)}
        guards = {f"#c{i}": name for i, name in enumerate(changes)}
        old = {f"o{i}": typed_value(registration, name) for i, name in enumerate(changes)}
        condition = "#status IN (:awaiting, :review) AND " + " AND ".join(
            f"#c{i} = :o{i}" for i in range(len(changes))
        )
        update = {
            "Update": {
                "TableName": self._table,
                "Key": serialize(
                    {"PK": registration_pk(registration.registration_id), "SK": REG_SK}
                ),
                "UpdateExpression": "SET " + ", ".join(f"#c{i} = :n{i}" for i in range(len(sets))),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {**names, **guards, "#status": "status"},
                "ExpressionAttributeValues": values(
                    awaiting=Status.AWAITING_DOCUMENTS.value,
                    review=Status.IN_REVIEW.value,
                    **old,
                    **{f"n{i}": v for i, v in enumerate(sets.values())},
                ),
            }
        }
        items: list[dict[str, Any]] = [
            update,
            self._history_item_for(registration.registration_id, entry, entry_id),
        ]
        if new_identity_key and new_identity_key != registration.identity_key:
            items.append(release_lock(self._table, registration))
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": serialize(
                            {
                                "PK": person_pk(new_identity_key),
                                "SK": LOCK_SK,
                                "registration_id": registration.registration_id,
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        try:
            self._repo.call("transact_write_items", TransactItems=items)
        except TransactionCancelled as cancelled:
            if len(cancelled.failed_conditions) > 3 and cancelled.failed_conditions[3]:
                raise DuplicateRegistration(DUPLICATE_DETAIL) from None
            raise InvalidState(
                "This registration changed meanwhile, or can no longer be corrected."
            ) from None

    # -- history ----------------------------------------------------------------------------

    def add_history(self, registration_id: str, entry: HistoryEntry, entry_id: str) -> None:
        item = self._history_item_for(registration_id, entry, entry_id)
        self._repo.call("put_item", **item["Put"])

    def history(self, registration_id: str) -> list[HistoryEntry]:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :hist)",
            "ExpressionAttributeValues": values(pk=registration_pk(registration_id), hist="HIST#"),
            "ConsistentRead": True,
        }
        return [
            HistoryEntry(
                at=item["at"],
                actor=item["actor"],
                action=item["action"],
                changes=json.loads(item.get("changes") or "{}"),
                detail=item.get("detail"),
            )
            for item in map(deserialize, dynamo_pages.items(self._repo.call, "query", request))
        ]

    def _history_item_for(
        self, registration_id: str, entry: HistoryEntry, entry_id: str
    ) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": serialize(
                    {
                        "PK": registration_pk(registration_id),
                        "SK": f"HIST#{entry.at}#{entry_id}",
                        "at": entry.at,
                        "actor": entry.actor,
                        "action": entry.action,
                        "changes": json.dumps(dict(entry.changes), sort_keys=True),
                        "detail": entry.detail,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    # -- holds ------------------------------------------------------------------------------

    def hold(self, identity_key: str) -> IdentityHold | None:
        answer = self._repo.call(
            "get_item",
            TableName=self._table,
            Key=serialize({"PK": hold_pk(identity_key), "SK": HOLD_SK}),
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return None
        item = deserialize(answer["Item"])
        return IdentityHold(until=item["until"], registration_id=item["registration_id"])

    def lift_hold(self, identity_key: str) -> bool:
        try:
            self._repo.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": serialize({"PK": hold_pk(identity_key), "SK": HOLD_SK}),
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    }
                ],
            )
        except TransactionCancelled:
            return False
        return True

    # -- the review list --------------------------------------------------------------------

    def review_page(self, office_id: str, limit: int, cursor: str | None) -> ReviewPage:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": values(pk=review_pk(office_id)),
            "Limit": limit,
        }
        if cursor:
            request["ExclusiveStartKey"] = _decode_cursor(cursor, office_id)
        page = self._repo.call("query", **request)
        ids = [deserialize(raw)["registration_id"] for raw in page.get("Items", [])]
        registrations = [r for r in (self._repo.get(i) for i in ids) if r is not None]
        last = page.get("LastEvaluatedKey")
        return ReviewPage(
            registrations=[r for r in registrations if r.status is Status.IN_REVIEW],
            next_cursor=deserialize(last)["GSI1SK"] if last else None,
        )


def _decode_cursor(cursor: str, office_id: str) -> dict[str, Any]:
    """A review cursor is the last item's sort key `review_since#id`; anything else is 400."""
    since, _, registration_id = cursor.rpartition("#")
    if not since or len(registration_id) != 32 or not registration_id.isalnum():
        raise ValidationFailed("cursor is not one this service gave out.")
    return serialize(
        {
            "PK": registration_pk(registration_id),
            "SK": REG_SK,
            "GSI1PK": review_pk(office_id),
            "GSI1SK": cursor,
        }
    )
