"""The ports the use cases talk to; adapters implement them, unit tests fake them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.registration import Status  # a default below

if TYPE_CHECKING:
    # For the signatures only: a function imports the domain modules its own code uses, not
    # every one a port names (the status read needs neither the allocation nor the zone's
    # parser; docs/performance.md 7.4).
    from chalicelib.domain.allocation import (
        AllocationRun,
        DayCounter,
        Invitation,
        MailKind,
        MailStatus,
    )
    from chalicelib.domain.documents import (
        ContentType,
        Document,
        DocumentStatus,
        RejectionReason,
    )
    from chalicelib.domain.machine_readable_zone import MachineReadableZone
    from chalicelib.domain.registration import Appointment, Registration


class RegistrationRepository(Protocol):
    def create(self, registration: Registration) -> None:
        """Store a new registration and claim the person's one active slot.

        Raises DuplicateRegistration, naming the holder, when the person already has an
        active registration."""

    def get(self, registration_id: str) -> Registration | None:
        """The registration with its documents, read consistently."""

    def lock_holder(self, identity_key: str) -> str | None:
        """The registration holding this identity's active slot, if any."""

    def discard_unconfirmed(self, registration: Registration) -> None:
        """Undo `create` for a registration whose link could not be sent."""

    def replace_unconfirmed(self, old: Registration, new: Registration) -> None:
        """Erase `old`, still unconfirmed, and store `new` of the same person in its slot, in
        one step. Raises DuplicateRegistration when `old` changed or left meanwhile."""

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


class Promotion(StrEnum):
    DONE = "done"
    CHANGED = "changed"
    SCANNING = "scanning"
    REFUSED = "refused"


class AddressLimits(Protocol):
    """Registrations per e-mail address and day, under a keyed hash of the address."""

    def take(self, email: str, day: date, limit: int) -> bool:
        """Count one for `email` on `day`; False, counting nothing, when `limit` were."""


class DocumentSanitiser(Protocol):
    """Makes the copy of an upload that staff open (adapters/safe_copy.py)."""

    def safe_copy(self, content_type: ContentType, content: bytes) -> bytes:
        """The file re-encoded or rebuilt without active content; raises UnsafeDocument
        (domain/documents.py) when none can be made."""


class DocumentStore(Protocol):
    def grant_upload(
        self, key: str, content_type: ContentType, size_bytes: int, expires_in: int
    ) -> UploadGrant: ...

    def inspect(self, key: str, prefix_length: int) -> StoredObject | None:
        """Size, type and first bytes of an object, or None when there is none."""

    def promote(
        self, source_key: str, target_key: str, etag: str, content_type: ContentType
    ) -> Promotion:
        """Put exactly the inspected version (by ETag), or the safe copy made of it, under its
        final key and delete the source (DONE); CHANGED when the source changed or vanished
        since it was inspected; SCANNING while its malware scan has no verdict; REFUSED when
        no safe copy can be made or the scan found a threat (the source is left for the
        service to delete)."""

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        """A presigned GET, served as an attachment."""

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...


class DocumentReader(Protocol):
    """Reads the machine-readable zone (ICAO Doc 9303) of a stored document: Amazon Textract
    in the cloud, a local OCR engine in `make run` and the tests."""

    def read_zone(
        self, object_key: str, content_type: ContentType, today: date
    ) -> MachineReadableZone | None:
        """The zone of the document under `object_key` (a JPEG, PNG or PDF), every check digit
        verified; None when no zone could be read whose check digits all hold (unreadable).
        `today` resolves the century of two-digit years. Raises ServiceUnavailable when the
        reader itself failed (the read is then retried), never for a bad document."""


class ReadRequests(Protocol):
    """Hands a document to the reader, off the request path: an SQS queue whose messages
    the `read_document` function takes (adapters/sqs_reads.py)."""

    def request_read(self, registration_id: str, document_id: str) -> None:
        """Raises ServiceUnavailable when the request could not be handed over."""


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a registration's data or state: who, when, what (field -> new value)."""

    at: str
    actor: str  # "applicant", "machine", or a staff member's user name
    action: str  # "read", "corrected", "checking", "queued", "review", "verified", "rejected"
    changes: Mapping[str, str]
    detail: str | None = None


@dataclass(frozen=True)
class IdentityHold:
    until: str
    registration_id: str


@dataclass(frozen=True)
class ReviewPage:
    registrations: list[Registration]
    next_cursor: str | None


class VerificationRepository(Protocol):
    def get(self, registration_id: str) -> Registration | None: ...

    def record_read(
        self, document: Document, outcome: str, zone: MachineReadableZone | None, read_at: str
    ) -> bool:
        """Record a document's read; False when it was read before or is gone."""

    def claim_read_retry(self, document: Document, *, at: str, before: str) -> bool:
        """Note that the document's read is asked for again at `at`, unless it was asked for
        again after `before` (then False: someone else just did)."""

    def start_checking(self, registration: Registration, submitted_at: str) -> None:
        """awaiting_documents -> checking (conditional)."""

    def enqueue_verified(
        self,
        registration: Registration,
        *,
        queued_at: str,
        verified_by: str,
        sources: frozenset[Status],
        title_expires_on: date | None = None,
    ) -> None:
        """One of `sources` -> waiting, in the queue under `title_expires_on` (default: as
        typed), while the typed expiry is still the one read. Raises InvalidState."""

    def send_to_review(
        self,
        registration: Registration,
        *,
        reasons: tuple[str, ...],
        since: str,
        sources: frozenset[Status],
    ) -> None:
        """One of `sources` -> in_review, on the review list from `since`."""

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
    ) -> None: ...

    def correct(
        self,
        registration: Registration,
        changes: Mapping[str, str],
        *,
        new_identity_key: str | None,
        entry: HistoryEntry,
        entry_id: str,
    ) -> None: ...

    def add_history(self, registration_id: str, entry: HistoryEntry, entry_id: str) -> None: ...

    def history(self, registration_id: str) -> list[HistoryEntry]: ...

    def hold(self, identity_key: str) -> IdentityHold | None: ...

    def place_hold(self, registration: Registration, *, until: str, erase_after: int) -> None:
        """Hold the registration's identity until `until` (after a desk rejection)."""

    def lift_hold(self, identity_key: str) -> bool: ...

    def review_page(self, office_id: str, limit: int, cursor: str | None) -> ReviewPage: ...


@dataclass(frozen=True)
class InlineImage:
    """A picture the HTML part shows as `<img src="cid:{cid}">` (the invitation's QR code)."""

    cid: str  # without the angle brackets, e.g. "entrance-pass@notfalltermin"
    content_type: str  # "image/png"
    data: bytes
    filename: str


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str
    html: str
    # Sent along as SES message tags (ids only, never personal data); they come back on
    # bounce and complaint events, e.g. {REGISTRATION_ID_TAG: registration_id}.
    tags: Mapping[str, str] | None = None
    # Shown inside the HTML part only; the text part says the same in words.
    inline_images: tuple[InlineImage, ...] = ()


REGISTRATION_ID_TAG = "registration_id"


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


@dataclass(frozen=True)
class DayTally:
    """What a day brought: appointments given, and how they ended."""

    day: date
    appointments: int = 0
    served: int = 0
    rejected: int = 0
    no_shows: int = 0


class StaffQueries(Protocol):
    def day_tallies(self, office_id: str, days: list[date]) -> list[DayTally]:
        """One tally per day asked for, in the order asked."""

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


@dataclass(frozen=True)
class InviteOutcome:
    """The answer to one invitation transaction."""

    invited: bool
    day_changed: bool = False  # the day's counter or capacity moved: read it again
    not_waiting: bool = False  # the registration left the queue meanwhile: skip it
    mark_refused: bool = False  # the claim of `sent_mark` was lost: mark it apart, try again


@dataclass(frozen=True)
class DeskMove:
    """What a desk action (arrival, decision, no-show), its undo or a release writes: the
    registration `source` -> `target` (on the invitation's day) with `registration_sets`
    (None removes) and `registration_removes`; the invitation's outcome from
    `outcome_before` (None: open) with `invitation_sets`/`invitation_removes`; the day's
    tallies changed by `day_counts` and the invitation's window by `window_delta`; with
    `requeue`, the registration back in the queue under its queue key."""

    source: Status
    target: Status
    outcome_before: str | None
    registration_sets: Mapping[str, Any] = field(default_factory=dict)
    registration_removes: tuple[str, ...] = ()
    invitation_sets: Mapping[str, Any] = field(default_factory=dict)
    invitation_removes: tuple[str, ...] = ()
    day_counts: Mapping[str, int] = field(default_factory=dict)
    window_delta: int = 0
    desk_key: str | None = None
    requeue: bool = False  # back into the queue at its old place (a release)


@dataclass(frozen=True)
class SentMark:
    """A claimed mail the provider accepted, still to be recorded `sent` (with the next
    invitation of its run, so that a run writes once per invitation, docs/performance.md)."""

    invitation: Invitation
    kind: MailKind
    claim_id: str
    at: int


class AllocationRepository(Protocol):
    def day(self, office_id: str, day: date) -> DayCounter:
        """The day's counter and capacity override, read consistently."""

    def set_capacity(
        self, office_id: str, day: date, slots: int, window_caps: Mapping[str, int] | None = None
    ) -> None:
        """Override the date's capacity; 0 closes the day. With `window_caps` (places per
        window key 'HHMM', summing to `slots`) the windows keep them; without, any are
        dropped."""

    def waiting(self, office_id: str, after: str | None, limit: int) -> list[Registration]:
        """Up to `limit` waiting registrations in queue order, after the queue key `after`."""

    def unverified(self, office_id: str) -> list[Registration]:
        """Every registration in review, by typed expiry (the `preferred` policy's second
        line, services/verification.py)."""

    def invite(
        self,
        invitation: Invitation,
        counter: DayCounter,
        *,
        window_capacity: int,
        appointment: Appointment,
        invited_at: str,
        lease_until: int,
        erase_after: int,
        sent_mark: SentMark | None = None,
        from_status: Status = Status.WAITING,
        plan_from: str | None = None,
    ) -> InviteOutcome:
        """One transaction: the day's counter from `counter.given` to `invitation.seq` (and
        the day's `plan_from` when it has none yet: the first invitation sets it), a place
        taken in the invitation's window while it holds fewer than `window_capacity`, the
        registration `from_status` (waiting; in_review under the `preferred` policy) ->
        invited (its reference kept, or set to the invitation's), and the invitation recorded
        with its mail pending and claimed by `invitation.run_id` until `lease_until`; with
        `sent_mark`, that earlier mail recorded `sent` too, under its claim."""

    def invitations(self, office_id: str, day: date) -> list[Invitation]:
        """The day's invitations in order, read consistently."""

    def registration(self, registration_id: str) -> Registration | None:
        """The registration without its documents, read consistently."""

    def claim_mail(
        self, invitation: Invitation, kind: MailKind, claim_id: str, now: int, lease_until: int
    ) -> bool:
        """Take an open mail whose last claim has lapsed; False when someone else holds it."""

    def settle_mail(
        self, invitation: Invitation, kind: MailKind, claim_id: str, status: MailStatus, now: int
    ) -> bool:
        """Record the outcome of a claimed mail; False when the claim was lost."""

    def record_run(self, run: AllocationRun, erase_after: int) -> None: ...

    def runs(self, office_id: str, day: date) -> list[AllocationRun]: ...

    def move(self, invitation: Invitation, registration: Registration, move: DeskMove) -> bool:
        """One desk action, undo or release as one transaction; False when the registration
        or the invitation had moved meanwhile (or the day is final)."""

    def finalise(
        self,
        invitation: Invitation,
        registration: Registration,
        *,
        final_status: Status,
        outcome: str,
        erase_after: int,
        mail: MailKind | None,
        claim_id: str,
        lease_until: int,
        at: str,
    ) -> bool:
        """The end of the day for one invitation: the registration final (its person free to
        register again), the invitation final with its closing mail pending and claimed."""

    def close_invitation(self, invitation: Invitation, outcome: str) -> None:
        """Note how an invitation ended that the end of the day need not touch."""
