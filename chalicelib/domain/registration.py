"""A registration and its life: the states, the allowed moves, and the queue key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import parse_utc_timestamp
from chalicelib.domain.documents import Document, DocumentStatus, missing_kinds


class Status(StrEnum):
    EMAIL_UNVERIFIED = "email_unverified"
    AWAITING_DOCUMENTS = "awaiting_documents"
    CHECKING = "checking"  # submitted; a document's machine-readable zone is being read
    IN_REVIEW = "in_review"  # submitted; the data could not be verified by machine
    WAITING = "waiting"  # verified, in the queue
    INVITED = "invited"
    ARRIVED = "arrived"  # at the entrance on the day of the appointment (issue 13)
    SERVED = "served"
    REJECTED = "rejected"
    NO_SHOW = "no_show"
    WITHDRAWN = "withdrawn"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({Status.SERVED, Status.REJECTED, Status.NO_SHOW, Status.WITHDRAWN})
ACTIVE_STATUSES = frozenset(Status) - FINAL_STATUSES
# A registration whose e-mail was never confirmed gives way to a new one of the same person
# after this long: its link went to a mistyped address, or never went out (the function died
# after storing it). Long enough that a double submit or a request still running is refused.
UNCONFIRMED_REPLACEABLE_AFTER = timedelta(minutes=10)
DUPLICATE_DETAIL = (
    "There is already an active registration for this person. Use the link in the e-mail you "
    "received, or withdraw that registration first. If that e-mail never arrived, check the "
    f"address and register again after {UNCONFIRMED_REPLACEABLE_AFTER.seconds // 60} minutes: "
    "a registration whose e-mail was never confirmed is then replaced."
)

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.EMAIL_UNVERIFIED: frozenset({Status.AWAITING_DOCUMENTS, Status.WITHDRAWN}),
    Status.AWAITING_DOCUMENTS: frozenset(
        {Status.CHECKING, Status.IN_REVIEW, Status.WAITING, Status.WITHDRAWN}
    ),
    Status.CHECKING: frozenset({Status.IN_REVIEW, Status.WAITING, Status.WITHDRAWN}),
    # Invited from review only under the `preferred` verification policy (config.py), and
    # only when no verified person is waiting.
    Status.IN_REVIEW: frozenset(
        {Status.WAITING, Status.REJECTED, Status.INVITED, Status.WITHDRAWN}
    ),
    Status.WAITING: frozenset({Status.INVITED, Status.WITHDRAWN}),
    # "I can't come today" takes an invitation back to `waiting` (the person keeps their place):
    # a move of the appointment's day like an undo, made with its own condition
    # (services/allocation.py, `release`), so no write conditioned on these moves allows it.
    Status.INVITED: frozenset(
        {Status.ARRIVED, Status.SERVED, Status.REJECTED, Status.NO_SHOW, Status.WITHDRAWN}
    ),
    Status.ARRIVED: frozenset({Status.SERVED, Status.REJECTED, Status.NO_SHOW, Status.WITHDRAWN}),
    Status.SERVED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.NO_SHOW: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


# A desk action may be undone on its day, before the end-of-day job makes it final (issue 13):
# each state a desk action leads to, and where its undo leads back. A no-show goes back to
# `arrived` when the person had arrived, else to `invited` (services/allocation.py).
UNDO_TARGETS: dict[Status, frozenset[Status]] = {
    Status.ARRIVED: frozenset({Status.INVITED}),
    Status.SERVED: frozenset({Status.ARRIVED}),
    Status.REJECTED: frozenset({Status.ARRIVED}),
    Status.NO_SHOW: frozenset({Status.ARRIVED, Status.INVITED}),
}
# States of a registration that holds today's appointment (the desk may act on it).
AT_THE_DESK = frozenset({Status.INVITED, Status.ARRIVED})


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def sources_of(target: Status) -> frozenset[Status]:
    """Every state from which `target` may be reached: the condition of its write."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


class TitleType(StrEnum):
    RESIDENCE_PERMIT = "residence_permit"
    VISA = "visa"
    FICTIONAL_CERTIFICATE = "fictional_certificate"


def queue_sort_key(title_expires_on: date, queued_at: str, registration_id: str) -> str:
    """Queue order as one sortable string: expiry, then time queued, then id."""
    return f"{title_expires_on.isoformat()}#{queued_at}#{registration_id}"


@dataclass(frozen=True)
class Appointment:
    date: date
    window_start: str
    window_end: str
    address: str


@dataclass
class Registration:
    registration_id: str
    status: Status
    given_names: str
    family_name: str
    date_of_birth: BirthDate  # day or month may be unknown (domain/birth_date.py)
    nationality: str
    email: str
    language: str
    title_type: TitleType
    title_number: str | None
    title_expires_on: date
    token_hash: str
    identity_key: str
    created_at: str
    office_id: str
    email_confirmed_at: str | None = None
    queued_at: str | None = None
    document_count: int = 0
    appointment: Appointment | None = None
    documents: list[Document] = field(default_factory=list)
    # Set when SES reported a bounce or complaint: staff should not count on mail reaching them.
    mail_undeliverable_reason: str | None = None
    checked_in_at: str | None = None
    rejection_reason: str | None = None
    # The short reference (domain/entrance_code.py) people say or show at the entrance; the
    # time they arrived; the day they said they cannot come (not invited again that day).
    reference: str | None = None
    arrived_at: str | None = None
    released_on: date | None = None
    # Why the data could not be verified by machine (verification.ReviewReason values), and
    # since when it waits for staff; who verified it, once verified.
    review_reasons: tuple[str, ...] = ()
    review_since: str | None = None
    verified_by: str | None = None

    @property
    def queue_key(self) -> str | None:
        if self.queued_at is None:
            return None
        return queue_sort_key(self.title_expires_on, self.queued_at, self.registration_id)

    @property
    def missing_documents(self) -> list[str]:
        return missing_kinds(self.documents)

    @property
    def verified_documents(self) -> list[Document]:
        return [d for d in self.documents if d.status is DocumentStatus.VERIFIED]


def gives_way_to_new(registration: Registration, now: datetime) -> bool:
    """Whether a new registration of the same person may replace this one: never confirmed,
    and older than UNCONFIRMED_REPLACEABLE_AFTER. No one has shown to hold its link."""
    return (
        registration.status is Status.EMAIL_UNVERIFIED
        and parse_utc_timestamp(registration.created_at) + UNCONFIRMED_REPLACEABLE_AFTER <= now
    )


@dataclass(frozen=True)
class RegistrationStatus:
    """A registration and its 1-based place in the queue while it waits (None otherwise): what
    the applicant's status page and the staff's search show."""

    registration: Registration
    queue_position: int | None
