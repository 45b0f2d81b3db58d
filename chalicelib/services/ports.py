"""The ports the use cases talk to; adapters implement them, unit tests fake them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.documents import ContentType, Document, DocumentStatus, RejectionReason
from chalicelib.domain.registration import Registration


class RegistrationRepository(Protocol):
    def create(self, registration: Registration) -> None:
        """Store a new registration and claim the person's one active slot.

        Raises DuplicateRegistration when the person already has an active registration."""

    def get(self, registration_id: str) -> Registration | None:
        """The registration with its documents, read consistently."""

    def discard_unconfirmed(self, registration: Registration) -> None:
        """Undo `create` for a registration whose link could not be sent."""

    def confirm_email(self, registration_id: str, confirmed_at: str) -> None:
        """email_unverified -> awaiting_documents (conditional)."""

    def add_document(self, document: Document) -> None:
        """Record a granted upload; raises TooManyDocuments or InvalidState."""

    def settle_document(
        self,
        document: Document,
        status: DocumentStatus,
        object_key: str,
        reason: RejectionReason | None,
    ) -> bool:
        """Move a pending document to its outcome; False when it was no longer pending."""

    def enqueue(self, registration: Registration, queued_at: str) -> None:
        """awaiting_documents -> waiting, entering the queue index (conditional)."""

    def withdraw(self, registration: Registration, withdrawn_at: str, erase_after: int) -> None:
        """Any active status -> withdrawn, releasing the person's active slot."""

    def remove_documents(self, registration_id: str, document_ids: list[str]) -> None:
        """Delete the document records (after their objects are gone)."""

    def queue_position(self, registration: Registration) -> int:
        """1-based place of a waiting registration in its office's queue."""


@dataclass(frozen=True)
class UploadGrant:
    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str | None
    etag: str
    prefix: bytes


class DocumentStore(Protocol):
    def grant_upload(
        self, key: str, content_type: ContentType, size_bytes: int, expires_in: int
    ) -> UploadGrant: ...

    def inspect(self, key: str, prefix_length: int) -> StoredObject | None:
        """Size, type and first bytes of an object, or None when there is none."""

    def promote(self, source_key: str, target_key: str, etag: str) -> bool:
        """Copy exactly the inspected version (by ETag) to its final key and delete the source.

        False when the source changed or vanished since it was inspected."""

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        """A presigned GET, served as an attachment."""

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    def send(self, message: MailMessage) -> str:
        """Send and return the provider's message id; raises MailNotSent on failure."""


class MailNotSent(Exception):
    """The mail provider refused or failed; nothing was sent."""


@dataclass(frozen=True)
class QueuePage:
    registrations: list[Registration]
    first_position: int
    next_cursor: str | None


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    registration_id: str | None
    document_id: str | None
    detail: str | None


class StaffQueries(Protocol):
    def queue_page(self, office_id: str, limit: int, cursor: str | None) -> QueuePage:
        """Waiting registrations in queue order; `cursor` continues a previous page."""

    def count_queue_between(self, office_id: str, low: str | None, high: str | None) -> int:
        """Waiting registrations whose queue key lies in [low, high)."""

    def status_counts(self, office_id: str) -> dict[str, int]: ...

    def record_audit(
        self, office_id: str, day: date, entry: AuditEntry, entry_id: str, erase_after: int
    ) -> None: ...

    def audit_entries(self, office_id: str, day: date) -> list[AuditEntry]: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
