"""Staff reads on the table: the queue page by page, the audit trail, counts for stats."""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from datetime import date
from typing import Any

from chalicelib.adapters import dynamo_pages
from chalicelib.adapters.dynamodb import (
    QUEUE_INDEX,
    DynamoRegistrationRepository,
    deserialize,
    queue_pk,
    registration_from_item,
    serialize,
    values,
)
from chalicelib.domain.errors import FieldError, ValidationFailed
from chalicelib.services.ports import AuditEntry, DayTally, QueuePage

# Far more than an office's queue ever holds; a cursor claiming more was not given out here.
MAX_CURSOR_OFFSET = 10_000_000


def audit_pk(office_id: str, day: date) -> str:
    return f"AUDIT#{office_id}#{day.isoformat()}"


class DynamoStaffQueries:
    def __init__(
        self, repository: DynamoRegistrationRepository, audit_table: str | None = None
    ) -> None:
        self._repo = repository
        # Append-only in the cloud: the API role may put new entries and read, not change or
        # delete one (infra/functions.json); DynamoDB's TTL ends them after two years.
        self._audit_table = audit_table or repository.table_name

    def queue_page(self, office_id: str, limit: int, cursor: str | None) -> QueuePage:
        offset, start_key = _decode_cursor(cursor)
        request: dict[str, Any] = {
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": values(pk=queue_pk(office_id)),
            "Limit": limit,
        }
        if start_key:
            request["ExclusiveStartKey"] = start_key
        page = self._repo.call("query", TableName=self._repo.table_name, **request)
        registrations = [registration_from_item(deserialize(i)) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        next_cursor = _encode_cursor(offset + len(registrations), last) if last else None
        return QueuePage(registrations, offset + 1, next_cursor)

    def day_tallies(self, office_id: str, days: list[date]) -> list[DayTally]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(days), 100):
            keys = [
                serialize({"PK": f"DAY#{office_id}#{d.isoformat()}", "SK": "DAY"})
                for d in days[start : start + 100]
            ]
            request: dict[str, Any] = {self._repo.table_name: {"Keys": keys}}
            while request:
                answer = self._repo.call("batch_get_item", RequestItems=request)
                for raw in answer.get("Responses", {}).get(self._repo.table_name, []):
                    item = deserialize(raw)
                    found[str(item["PK"])] = item
                request = answer.get("UnprocessedKeys") or {}
        tallies = []
        for d in days:
            item = found.get(f"DAY#{office_id}#{d.isoformat()}", {})
            tallies.append(
                DayTally(
                    day=d,
                    appointments=int(item.get("given", 0)),
                    served=int(item.get("served", 0)),
                    rejected=int(item.get("rejected", 0)),
                    no_shows=int(item.get("no_shows", 0)),
                )
            )
        return tallies

    def count_queue_between(self, office_id: str, low: str | None, high: str | None) -> int:
        """Waiting registrations whose queue key lies in [low, high)."""
        condition = "GSI1PK = :pk"
        named: dict[str, Any] = {"pk": queue_pk(office_id)}
        if low is not None and high is not None:
            condition += " AND GSI1SK BETWEEN :low AND :high"
            named.update(low=low, high=high)
        elif low is not None:
            condition += " AND GSI1SK >= :low"
            named["low"] = low
        elif high is not None:
            condition += " AND GSI1SK < :high"
            named["high"] = high
        request: dict[str, Any] = {
            "TableName": self._repo.table_name,
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values(**named),
            "Select": "COUNT",
        }
        return dynamo_pages.count(self._repo.call, request)

    def status_counts(self, office_id: str) -> dict[str, int]:
        """Registrations per status. A scan of the status attribute only: the office's
        numbers are in the thousands, and stats are read by staff, not on a hot path."""
        counts: Counter[str] = Counter()
        request: dict[str, Any] = {
            "TableName": self._repo.table_name,
            "FilterExpression": "#type = :type AND office_id = :office",
            "ProjectionExpression": "#status",
            "ExpressionAttributeNames": {"#type": "type", "#status": "status"},
            "ExpressionAttributeValues": values(type="registration", office=office_id),
        }
        found = dynamo_pages.items(self._repo.call, "scan", request)
        counts.update(deserialize(item)["status"] for item in found)
        return dict(counts)

    def record_audit(
        self, office_id: str, day: date, entry: AuditEntry, entry_id: str, erase_after: int
    ) -> None:
        item = {
            "PK": audit_pk(office_id, day),
            "SK": f"{entry.at}#{entry_id}",
            "type": "audit",
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "registration_id": entry.registration_id,
            "document_id": entry.document_id,
            "detail": entry.detail,
            "expires_at": erase_after,
        }
        self._repo.call(
            "put_item",
            TableName=self._audit_table,
            Item=serialize(item),
            ConditionExpression="attribute_not_exists(PK)",  # never over an entry
        )

    def audit_entries(self, office_id: str, day: date) -> list[AuditEntry]:
        request: dict[str, Any] = {
            "TableName": self._audit_table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": values(pk=audit_pk(office_id, day)),
        }
        entries: list[AuditEntry] = []
        for raw in dynamo_pages.items(self._repo.call, "query", request):
            item = deserialize(raw)
            entries.append(
                AuditEntry(
                    at=item["at"],
                    actor=item["actor"],
                    action=item["action"],
                    registration_id=item.get("registration_id"),
                    document_id=item.get("document_id"),
                    detail=item.get("detail"),
                )
            )
        return entries


def _encode_cursor(offset: int, key: dict[str, Any]) -> str:
    raw = json.dumps({"o": offset, "k": deserialize(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[int, dict[str, Any] | None]:
    if not cursor:
        return 0, None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = data["o"]
        key = dict(data["k"])
        # Only what _encode_cursor writes: a whole offset, four string keys. A float such as
        # Infinity or 1e999 (json reads both) is no offset.
        if (
            type(offset) is not int
            or not 0 <= offset <= MAX_CURSOR_OFFSET
            or set(key) != {"PK", "SK", "GSI1PK", "GSI1SK"}
            or not all(isinstance(v, str) for v in key.values())
        ):
            raise ValueError("cursor out of shape")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "The cursor is not one this service gave out.",
            errors=[FieldError("cursor", "is not valid")],
        ) from None
    return offset, serialize(key)
