"""The registration repository on one DynamoDB table.

Items (PK, SK):
  REG#<id>, REG            the registration; GSI1PK/GSI1SK only while waiting (the queue index)
  REG#<id>, DOC#<doc id>   one document of it
  PERSON#<identity>, ACTIVE  the person's one active registration (a uniqueness lock)
  DAY#<office>#<date>, …     a day's counter, invitations and runs (dynamo_allocation.py)
Every state change is conditional on the state it leaves.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.adapters import dynamo_pages
from chalicelib.adapters import dynamo_queue_counts as queue_counts
from chalicelib.adapters.dynamo_errors import (
    cancellation_reasons,
    error_code,
    is_retryable,
    unavailable,
)
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.documents import (
    COUNTED_STATUSES,
    MAX_DOCUMENTS,
    ContentType,
    Document,
    DocumentKind,
    DocumentStatus,
    RejectionReason,
)
from chalicelib.domain.errors import (
    DuplicateRegistration,
    InvalidState,
    NotFound,
    TooManyDocuments,
)
from chalicelib.domain.machine_readable_zone import MachineReadableZone
from chalicelib.domain.registration import (
    DUPLICATE_DETAIL,
    Appointment,
    Registration,
    Status,
    TitleType,
    queue_sort_key,
    sources_of,
)
from chalicelib.domain.verification import needs_read

QUEUE_INDEX = "queue"
READING = "pending"  # verification.ReadOutcome.PENDING
REG_SK = "REG"
LOCK_SK = "ACTIVE"
CONFLICT_ATTEMPTS = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def is_conflict_only(error: ClientError) -> bool:
    """A transaction cancelled only because another one held one of its items."""
    if error_code(error) == "TransactionConflictException":
        return True
    codes = {r.get("Code") for r in cancellation_reasons(error)}
    return (
        error_code(error) == "TransactionCanceledException"
        and "TransactionConflict" in codes
        and codes <= {"TransactionConflict", "None", None}
    )


def conflict_backoff(attempt: int) -> None:
    """Up to 20, 40, 80, … ms, jittered, before trying a conflicted transaction again."""
    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311  (jitter, not a secret)


def registration_pk(registration_id: str) -> str:
    return f"REG#{registration_id}"


def person_pk(identity: str) -> str:
    return f"PERSON#{identity}"


def queue_pk(office_id: str) -> str:
    return f"QUEUE#{office_id}"


def review_pk(office_id: str) -> str:
    """The review list's partition of the queue index: oldest first."""
    return f"REVIEW#{office_id}"


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(s=1) -> {':s': {'N': '1'}}."""
    return {f":{k}": _serializer.serialize(v) for k, v in named.items()}


def status_in(
    statuses: frozenset[Status] | set[Status], prefix: str = "st"
) -> tuple[str, dict[str, Any]]:
    """A condition `#status IN (...)` and its values, in a stable order."""
    ordered = sorted(s.value for s in statuses)
    names = {f"{prefix}{i}": v for i, v in enumerate(ordered)}
    placeholders = ", ".join(f":{n}" for n in names)
    return f"#status IN ({placeholders})", values(**names)


def release_lock(table_name: str, registration: Registration) -> dict[str, Any]:
    """The transaction item that frees the person's active slot held by this registration."""
    return {
        "Delete": {
            "TableName": table_name,
            "Key": serialize({"PK": person_pk(registration.identity_key), "SK": LOCK_SK}),
            "ConditionExpression": "registration_id = :rid",
            "ExpressionAttributeValues": values(rid=registration.registration_id),
        }
    }


class DynamoRegistrationRepository:
    def __init__(
        self, client: Any, table_name: str, pause: Callable[[int], None] | None = None
    ) -> None:
        self._client = client
        self._table = table_name
        self._pause = pause or conflict_backoff

    @property
    def table_name(self) -> str:
        return self._table

    def call(self, operation: str, **request: Any) -> Any:
        """One DynamoDB call, with throttling answered as ServiceUnavailable."""
        return self._call(operation, **request)

    # -- reading ----------------------------------------------------------------------------

    def get(self, registration_id: str) -> Registration | None:
        items = list(
            self._query(
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=values(pk=registration_pk(registration_id)),
                ConsistentRead=True,
            )
        )
        head = next((i for i in items if i["SK"] == REG_SK), None)
        if head is None:
            return None
        registration = registration_from_item(head)
        registration.documents = sorted(
            (document_from_item(i) for i in items if str(i["SK"]).startswith("DOC#")),
            key=lambda d: d.created_at,
        )
        return registration

    def queue_position(self, registration: Registration) -> int:
        """The place in the queue, from the queue's counts (dynamo_queue_counts.py): the same
        few items read at any place."""
        key = registration.queue_key
        if key is None:
            raise InvalidState("This registration is not in the queue.")
        return queue_counts.position(
            self._call,
            self._table,
            index=QUEUE_INDEX,
            office_id=registration.office_id,
            partition=queue_pk(registration.office_id),
            key=key,
        )

    def queue_count_updates(
        self, office_id: str, queue_key: str, delta: int
    ) -> list[dict[str, Any]]:
        """The transaction items that count a registration into (+1) or out of (-1) the queue."""
        return queue_counts.updates(self._table, office_id, queue_key, delta)

    # -- writing ----------------------------------------------------------------------------

    def create(self, registration: Registration) -> None:
        lock = self._lock_item(registration)
        lock["ConditionExpression"] = "attribute_not_exists(PK)"
        lock["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self._call(
                "transact_write_items",
                TransactItems=[self._new_registration_item(registration), {"Put": lock}],
            )
        except TransactionCancelled as cancelled:
            if cancelled.failed_conditions[1]:
                holder = (cancelled.old_items[1] or {}).get("registration_id")
                raise DuplicateRegistration(DUPLICATE_DETAIL, holder_id=holder) from None
            raise

    def lock_holder(self, identity_key: str) -> str | None:
        """The id of the registration holding this identity's lock, if any."""
        found = self._call(
            "get_item",
            TableName=self._table,
            Key=serialize({"PK": person_pk(identity_key), "SK": LOCK_SK}),
            ConsistentRead=True,
        )
        holder = deserialize(found.get("Item") or {}).get("registration_id")
        return str(holder) if holder else None

    def replace_unconfirmed(self, old: Registration, new: Registration) -> None:
        lock = self._lock_item(new)
        moves: list[dict[str, Any]] = []
        if old.identity_key == new.identity_key:
            lock["ConditionExpression"] = "registration_id = :old"
            lock["ExpressionAttributeValues"] = values(old=old.registration_id)
        else:
            # The old one is locked under its key from before issue 15 (domain/identity.py).
            lock["ConditionExpression"] = "attribute_not_exists(PK)"
            moves.append(self._release_lock(old))
        try:
            self._call(
                "transact_write_items",
                TransactItems=[
                    self._delete_unconfirmed_item(old),
                    self._new_registration_item(new),
                    {"Put": lock},
                    *moves,
                ],
            )
        except TransactionCancelled:
            # Confirmed, withdrawn or replaced by someone else meanwhile.
            raise DuplicateRegistration(DUPLICATE_DETAIL) from None

    def _new_registration_item(self, registration: Registration) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": serialize(registration_item(registration)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _lock_item(self, registration: Registration) -> dict[str, Any]:
        """The put (without its condition) of the person's lock, held by `registration`."""
        return {
            "TableName": self._table,
            "Item": serialize(
                {
                    "PK": person_pk(registration.identity_key),
                    "SK": LOCK_SK,
                    "registration_id": registration.registration_id,
                }
            ),
        }

    def discard_unconfirmed(self, registration: Registration) -> None:
        self._call(
            "transact_write_items",
            TransactItems=[
                self._delete_unconfirmed_item(registration),
                self._release_lock(registration),
            ],
        )

    def _delete_unconfirmed_item(self, registration: Registration) -> dict[str, Any]:
        """The delete of a registration while its e-mail is still unconfirmed."""
        condition, condition_values = status_in({Status.EMAIL_UNVERIFIED})
        return {
            "Delete": {
                "TableName": self._table,
                "Key": serialize(
                    {"PK": registration_pk(registration.registration_id), "SK": REG_SK}
                ),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": condition_values,
            }
        }

    def confirm_email(self, registration_id: str, confirmed_at: str) -> None:
        self.transition(
            registration_id,
            Status.AWAITING_DOCUMENTS,
            set_values={"email_confirmed_at": confirmed_at},
        )

    def enqueue(self, registration: Registration, queued_at: str) -> None:
        key = queue_sort_key(registration.title_expires_on, queued_at, registration.registration_id)
        self.transition(
            registration.registration_id,
            Status.WAITING,
            set_values={
                "queued_at": queued_at,
                "GSI1PK": queue_pk(registration.office_id),
                "GSI1SK": key,
            },
            extra_condition="attribute_exists(email_confirmed_at)",
            also=self.queue_count_updates(registration.office_id, key, +1),
        )

    def withdraw(self, registration: Registration, withdrawn_at: str, erase_after: int) -> None:
        # A waiting registration leaves the queue's counts in the same transaction, so the
        # condition names the state it was read in; a move meanwhile is read again.
        for attempt in range(3):
            leaves_queue = registration.status is Status.WAITING
            key = registration.queue_key
            counts: list[dict[str, Any]] = []
            if leaves_queue and key is not None:
                counts = self.queue_count_updates(registration.office_id, key, -1)
            sources = frozenset({Status.WAITING}) if leaves_queue else None
            try:
                self.transition(
                    registration.registration_id,
                    Status.WITHDRAWN,
                    set_values={
                        "withdrawn_at": withdrawn_at,
                        "expires_at": erase_after,
                        **erased_person(registration),
                    },
                    remove=("GSI1PK", "GSI1SK", "title_number"),
                    also=[self._release_lock(registration), *counts],
                    sources=sources or sources_of(Status.WITHDRAWN) - {Status.WAITING},
                )
                return
            except InvalidState:
                current = self.get(registration.registration_id)
                if attempt == 2 or current is None or current.status is registration.status:
                    raise
                registration = current

    def add_document(self, document: Document) -> None:
        condition, condition_values = status_in({Status.AWAITING_DOCUMENTS})
        try:
            self._call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": serialize(
                                {"PK": registration_pk(document.registration_id), "SK": REG_SK}
                            ),
                            "UpdateExpression": "SET document_count = document_count + :one",
                            "ConditionExpression": f"{condition} AND document_count < :max",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                **condition_values,
                                **values(one=1, max=MAX_DOCUMENTS),
                            },
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": serialize(document_item(document)),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ],
            )
        except TransactionCancelled as cancelled:
            old = cancelled.old_items[0]
            if old is None:
                raise NotFound("No registration with this id for this access link.") from None
            if old.get("status") != Status.AWAITING_DOCUMENTS.value:
                raise InvalidState(f"This registration is {old.get('status')}.") from None
            raise TooManyDocuments(
                f"A registration may hold at most {MAX_DOCUMENTS} documents."
            ) from None

    def settle_document(
        self,
        document: Document,
        status: DocumentStatus,
        object_key: str,
        reason: RejectionReason | None,
    ) -> bool:
        # A verified passport or title is read next (services/reading.py): pending until then.
        to_read = needs_read(document, status)
        update: dict[str, Any] = {
            "Update": {
                "TableName": self._table,
                "Key": serialize(
                    {
                        "PK": registration_pk(document.registration_id),
                        "SK": f"DOC#{document.document_id}",
                    }
                ),
                "UpdateExpression": "SET #status = :new, object_key = :key"
                + (", rejection_reason = :reason" if reason else "")
                + (", read_outcome = :reading" if to_read else ""),
                "ConditionExpression": "#status = :pending",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": values(
                    new=status.value,
                    key=object_key,
                    pending=DocumentStatus.PENDING.value,
                    **({"reason": reason.value} if reason else {}),
                    **({"reading": READING} if to_read else {}),
                ),
            }
        }
        items = [update]
        if status not in COUNTED_STATUSES:
            # A refused or expired upload gives its place back.
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": serialize(
                            {"PK": registration_pk(document.registration_id), "SK": REG_SK}
                        ),
                        "UpdateExpression": "SET document_count = document_count - :one",
                        "ConditionExpression": "document_count > :zero",
                        "ExpressionAttributeValues": values(one=1, zero=0),
                    }
                }
            )
        try:
            self._call("transact_write_items", TransactItems=items)
        except TransactionCancelled:
            return False
        return True

    def remove_documents(self, registration_id: str, document_ids: list[str]) -> None:
        for start in range(0, len(document_ids), 25):
            batch = document_ids[start : start + 25]
            request: dict[str, Any] = {
                self._table: [
                    {
                        "DeleteRequest": {
                            "Key": serialize(
                                {"PK": registration_pk(registration_id), "SK": f"DOC#{doc_id}"}
                            )
                        }
                    }
                    for doc_id in batch
                ]
            }
            while request:
                answer = self._call("batch_write_item", RequestItems=request)
                request = answer.get("UnprocessedItems") or {}

    # -- helpers ----------------------------------------------------------------------------

    def _release_lock(self, registration: Registration) -> dict[str, Any]:
        return release_lock(self._table, registration)

    def transition(
        self,
        registration_id: str,
        target: Status,
        *,
        set_values: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        extra_condition: str | None = None,
        also: list[dict[str, Any]] | None = None,
        sources: frozenset[Status] | None = None,
        extra_values: dict[str, Any] | None = None,
    ) -> None:
        """Move a registration to `target` if, and only if, it is in a state that may (or in
        one of `sources`, a narrower set for a move only some of those states may make)."""
        condition, condition_values = status_in(sources or sources_of(target))
        if extra_condition:
            condition = f"{condition} AND {extra_condition}"
        assignments = {"status": target.value, **(set_values or {})}
        names = {f"#a{i}": name for i, name in enumerate(assignments)}
        expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(assignments)))
        if remove:
            expression += " REMOVE " + ", ".join(remove)
        condition_values = {**condition_values, **(extra_values or {})}
        update = {
            "Update": {
                "TableName": self._table,
                "Key": serialize({"PK": registration_pk(registration_id), "SK": REG_SK}),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {**names, "#status": "status"},
                "ExpressionAttributeValues": {
                    **condition_values,
                    **values(**{f"a{i}": v for i, v in enumerate(assignments.values())}),
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        try:
            self._call("transact_write_items", TransactItems=[update, *(also or [])])
        except TransactionCancelled as cancelled:
            old = cancelled.old_items[0]
            if old is None:
                raise NotFound("No registration with this id for this access link.") from None
            raise InvalidState(
                f"This registration is {old.get('status')}; it cannot become {target.value}."
            ) from None

    def _query(self, **request: Any) -> Iterator[dict[str, Any]]:
        request["TableName"] = self._table
        for raw in dynamo_pages.items(self._call, "query", request):
            yield deserialize(raw)

    def _call(self, operation: str, **request: Any) -> Any:
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return getattr(self._client, operation)(**request)
            except ClientError as error:
                # Transactions on one item meet (the queue's counts, a day's counter): one that
                # met another was cancelled whole and is simply tried again, a little later.
                if is_conflict_only(error) and attempt < CONFLICT_ATTEMPTS - 1:
                    self._pause(attempt)
                    continue
                if error_code(error) == "TransactionCanceledException" and not is_retryable(error):
                    raise TransactionCancelled(error) from error
                if is_retryable(error):
                    raise unavailable(error) from error
                raise
        raise AssertionError("unreachable")  # pragma: no cover


class TransactionCancelled(Exception):
    """A transaction whose conditions did not hold (and was not merely throttled)."""

    def __init__(self, error: ClientError) -> None:
        super().__init__(str(error))
        reasons = cancellation_reasons(error)
        self.failed_conditions = [r.get("Code") == "ConditionalCheckFailed" for r in reasons]
        self.old_items: list[dict[str, Any] | None] = [
            deserialize(r["Item"]) if "Item" in r else None for r in reasons
        ]


# -- item mapping -----------------------------------------------------------------------------


def registration_item(r: Registration) -> dict[str, Any]:
    return {
        "PK": registration_pk(r.registration_id),
        "SK": REG_SK,
        "type": "registration",
        "registration_id": r.registration_id,
        "status": r.status.value,
        "given_names": r.given_names,
        "family_name": r.family_name,
        "date_of_birth": r.date_of_birth.isoformat(),
        "nationality": r.nationality,
        "email": r.email,
        "language": r.language,
        "title_type": r.title_type.value,
        "title_number": r.title_number,
        "title_expires_on": r.title_expires_on.isoformat(),
        "token_hash": r.token_hash,
        "identity_key": r.identity_key,
        "created_at": r.created_at,
        "office_id": r.office_id,
        "email_confirmed_at": r.email_confirmed_at,
        "queued_at": r.queued_at,
        "document_count": r.document_count,
        "reference": r.reference,
    }


def erased_person(registration: Registration) -> dict[str, str]:
    """What a withdrawn registration keeps of its person: nothing (issue 16, item 8). The item
    stays until `expires_at` for the counters and the audit (status, office, times, title type
    and expiry, reference); the name, e-mail, nationality, identity key and title number go at
    once, the date of birth keeps only its year (the field is required, the year says
    nobody)."""
    return {
        "given_names": "",
        "family_name": "",
        "email": "",
        "nationality": "",
        "identity_key": "",
        "date_of_birth": f"{registration.date_of_birth.year:04d}",
    }


def registration_from_item(item: Mapping[str, Any]) -> Registration:
    appointment = None
    if item.get("appointment_date"):
        appointment = Appointment(
            date=date.fromisoformat(item["appointment_date"]),
            window_start=item["window_start"],
            window_end=item["window_end"],
            address=item["appointment_address"],
        )
    return Registration(
        registration_id=item["registration_id"],
        status=Status(item["status"]),
        given_names=item["given_names"],
        family_name=item["family_name"],
        date_of_birth=BirthDate.parse(item["date_of_birth"]),
        nationality=item["nationality"],
        email=item["email"],
        language=item["language"],
        title_type=TitleType(item["title_type"]),
        title_number=item.get("title_number"),
        title_expires_on=date.fromisoformat(item["title_expires_on"]),
        token_hash=item["token_hash"],
        identity_key=item["identity_key"],
        created_at=item["created_at"],
        office_id=item["office_id"],
        email_confirmed_at=item.get("email_confirmed_at"),
        queued_at=item.get("queued_at"),
        document_count=int(item.get("document_count", 0)),
        appointment=appointment,
        mail_undeliverable_reason=(
            str(item.get("mail_undeliverable_reason") or "undeliverable")
            if item.get("mail_undeliverable")
            else None
        ),
        checked_in_at=item.get("checked_in_at"),
        rejection_reason=item.get("rejection_reason"),
        review_reasons=tuple(item.get("review_reasons") or ()),
        review_since=item.get("review_since"),
        verified_by=item.get("verified_by"),
        reference=item.get("reference"),
        arrived_at=item.get("arrived_at"),
        released_on=date.fromisoformat(item["released_on"]) if item.get("released_on") else None,
    )


def document_item(d: Document) -> dict[str, Any]:
    return {
        "PK": registration_pk(d.registration_id),
        "SK": f"DOC#{d.document_id}",
        "type": "document",
        "document_id": d.document_id,
        "registration_id": d.registration_id,
        "kind": d.kind.value,
        "filename": d.filename,
        "content_type": d.content_type.value,
        "size_bytes": d.size_bytes,
        "status": d.status.value,
        "created_at": d.created_at,
        "upload_expires_at": d.upload_expires_at,
        "object_key": d.object_key,
        "rejection_reason": d.rejection_reason.value if d.rejection_reason else None,
        "read_outcome": d.read_outcome,
        "zone": zone_item(d.zone) if d.zone else None,
    }


def zone_item(zone: MachineReadableZone) -> dict[str, Any]:
    item = asdict(zone)
    item["expires_on"] = zone.expires_on.isoformat()
    item["date_of_birth"] = zone.date_of_birth.isoformat() if zone.date_of_birth else None
    return {k: v for k, v in item.items() if v is not None}


def zone_from_item(item: Mapping[str, Any]) -> MachineReadableZone:
    born = item.get("date_of_birth")
    return MachineReadableZone(
        document_format=item["document_format"],
        document_code=item["document_code"],
        issuing_state=item["issuing_state"],
        document_number=item["document_number"],
        family_name=item["family_name"],
        given_names=item["given_names"],
        nationality=item["nationality"],
        birth_date=item["birth_date"],
        date_of_birth=date.fromisoformat(born) if born else None,
        expires_on=date.fromisoformat(item["expires_on"]),
    )


def document_from_item(item: Mapping[str, Any]) -> Document:
    reason = item.get("rejection_reason")
    return Document(
        document_id=item["document_id"],
        registration_id=item["registration_id"],
        kind=DocumentKind(item["kind"]),
        filename=item["filename"],
        content_type=ContentType(item["content_type"]),
        size_bytes=int(item["size_bytes"]),
        status=DocumentStatus(item["status"]),
        created_at=item["created_at"],
        upload_expires_at=item["upload_expires_at"],
        object_key=item["object_key"],
        rejection_reason=RejectionReason(reason) if reason else None,
        read_outcome=item.get("read_outcome"),
        zone=zone_from_item(item["zone"]) if item.get("zone") else None,
    )
