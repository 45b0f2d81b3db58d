"""Verification use cases: read a document, decide where a submitted registration goes,
correct typed data to what a document says, and the staff review.

Source of the rules: issue 12 ("Verified queue") and domain/verification.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import count
from typing import Any

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import office_today, parse_utc_timestamp, utc_timestamp
from chalicelib.domain.eligibility import ensure_eligible
from chalicelib.domain.entrance_code import format_reference
from chalicelib.domain.errors import (
    CorrectionNotOnDocument,
    ErrorList,
    InvalidState,
    NotFound,
)
from chalicelib.domain.identity import identity_key
from chalicelib.domain.office import office
from chalicelib.domain.registration import Registration, Status
from chalicelib.domain.tokens import is_well_formed_id, new_id
from chalicelib.domain.verification import (
    Field,
    ReadOutcome,
    ReviewReason,
    Verdict,
    document_says,
    judge,
    needs_reading,
    typed_value,
)
from chalicelib.mail import render, template_language
from chalicelib.observability import log, record_document_read
from chalicelib.services.links import Links
from chalicelib.services.ports import (
    REGISTRATION_ID_TAG,
    DocumentReader,
    HistoryEntry,
    Mailer,
    MailNotSent,
    ReadRequests,
    ReviewPage,
    VerificationRepository,
)

_SEQUENCE = count()


def history_id() -> str:
    """Orders entries of the same instant (one request's `now`) as they were written."""
    return f"{next(_SEQUENCE):012d}{new_id()[:8]}"


MACHINE = "machine"
APPLICANT = "applicant"
# A read still pending this long after its request is asked for again (the message or the
# function was lost); the read itself is idempotent.
READ_RETRY_AFTER = timedelta(minutes=5)
DEFAULT_HOLD_DAYS = 30


class VerificationPolicy(StrEnum):
    """Office policy: `required` invites verified registrations only; `preferred` invites
    unverified ones (in review) when no verified person is waiting, never ahead of one."""

    REQUIRED = "required"
    PREFERRED = "preferred"


class ReviewOutcome(StrEnum):
    VERIFIED = "verified"
    DATA_INCORRECT = "data_incorrect"


# The rejection reason code of the review and of the desk for false data.
DATA_INCORRECT = ReviewOutcome.DATA_INCORRECT.value


class VerificationService:
    def __init__(
        self,
        repository: VerificationRepository,
        reader: Callable[[], DocumentReader],
        read_requests: Callable[[], ReadRequests],
        *,
        mailer: Mailer | None = None,
        web_base_url: str = "",
        office_id: str,
        identity_secret: bytes,
        retention_days: int,
        hold_days: int = DEFAULT_HOLD_DAYS,
        links: Links | None = None,
    ) -> None:
        self._repo = repository
        self._links = links
        # Built on first use: the API never reads a document, the reader never requests one.
        self._reader = reader
        self._requests = read_requests
        self._mailer = mailer
        self._web_base_url = web_base_url
        self._office_id = office_id
        self._identity_secret = identity_secret
        self._retention = timedelta(days=retention_days)
        self._hold = timedelta(days=hold_days)

    # -- reading ----------------------------------------------------------------------------

    def request_reads(self, registration: Registration, now: datetime) -> None:
        """Hand every document that still needs reading to the reader; a request already
        made is repeated once READ_RETRY_AFTER has passed since the upload was granted, and
        then at most once per READ_RETRY_AFTER however often the status is read."""
        for document in registration.documents:
            if not needs_reading(document):
                continue
            if document.read_outcome is not None:  # requested once already
                granted = parse_utc_timestamp(document.created_at)
                if now - granted < READ_RETRY_AFTER or not self._repo.claim_read_retry(
                    document, at=utc_timestamp(now), before=utc_timestamp(now - READ_RETRY_AFTER)
                ):
                    continue  # too early, or asked again within the last READ_RETRY_AFTER
            self._requests().request_read(registration.registration_id, document.document_id)

    def document_verified(self, registration_id: str, document_id: str) -> None:
        """A passport or title was just verified as a file: read it next."""
        self._requests().request_read(registration_id, document_id)

    def read_document(self, registration_id: str, document_id: str, now: datetime) -> None:
        """Read one document's zone, record it, and settle a registration that waited for it.
        Idempotent: a second delivery of the same request changes nothing. Raises
        ServiceUnavailable when the reader failed (the request is then delivered again)."""
        registration = self._repo.get(registration_id)
        document = (
            next((d for d in registration.documents if d.document_id == document_id), None)
            if registration
            else None
        )
        if registration is None or document is None or not needs_reading(document):
            log().info("read_skipped", registration_id=registration_id, document_id=document_id)
            return
        zone = self._reader().read_zone(
            document.object_key, document.content_type, office_today(now)
        )
        outcome = ReadOutcome.READ if zone is not None else ReadOutcome.UNREADABLE
        if self._repo.record_read(document, outcome.value, zone, utc_timestamp(now)):
            record_document_read(readable=zone is not None)
            self._repo.add_history(
                registration_id,
                HistoryEntry(
                    at=utc_timestamp(now),
                    actor=MACHINE,
                    action="read",
                    changes={"document_id": document_id, "outcome": outcome.value},
                ),
                history_id(),
            )
            log().info(
                "document_read",
                registration_id=registration_id,
                document_id=document_id,
                outcome=outcome.value,
                document_format=zone.document_format if zone else None,
            )
        current = self._repo.get(registration_id)
        if current is not None and current.status is Status.CHECKING:
            self.settle(current, now)

    # -- where a submitted registration goes ------------------------------------------------

    def verdict(self, registration: Registration, now: datetime) -> Verdict:
        on_hold = False
        held = self._repo.hold(registration.identity_key)
        if held is not None and held.registration_id != registration.registration_id:
            on_hold = parse_utc_timestamp(held.until) > now
        return judge(registration, office_today(now), on_hold=on_hold)

    def settle(self, registration: Registration, now: datetime) -> Registration:
        """Move a submitted registration on: into the queue when verified by machine, to the
        review list when not, or to `checking` while a read is outstanding. A move someone
        else made first is left as it is. Returns the registration as it now stands."""
        sources = frozenset({registration.status})
        verdict = self.verdict(registration, now)
        at = utc_timestamp(now)
        try:
            if verdict.pending:
                if registration.status is Status.AWAITING_DOCUMENTS:
                    self._repo.start_checking(registration, at)
                    self._history(registration, now, MACHINE, "checking")
                    # A read that ended between our look and this move found the registration
                    # not yet checking, and left it: look again.
                    return self._settle_again(registration.registration_id, now)
                self.request_reads(registration, now)
                return registration
            if verdict.verified:
                self._repo.enqueue_verified(
                    registration, queued_at=at, verified_by=MACHINE, sources=sources
                )
                self._history(registration, now, MACHINE, "queued")
                log().info("registration_queued", registration_id=registration.registration_id)
                self._tell_queued(registration)
            else:
                reasons = tuple(r.value for r in verdict.reasons)
                self._repo.send_to_review(registration, reasons=reasons, since=at, sources=sources)
                self._history(registration, now, MACHINE, "review", detail=",".join(reasons))
                log().info(
                    "registration_to_review",
                    registration_id=registration.registration_id,
                    reasons=list(reasons),
                )
        except InvalidState:
            log().info("settle_lost_race", registration_id=registration.registration_id)
        return self._repo.get(registration.registration_id) or registration

    def _settle_again(self, registration_id: str, now: datetime) -> Registration:
        current = self._repo.get(registration_id)
        if current is None:
            raise NotFound("No registration with this id for this access link.")
        if current.status is Status.CHECKING and not self.verdict(current, now).pending:
            return self.settle(current, now)
        return current

    # -- corrections by the applicant -------------------------------------------------------

    def correct(
        self, registration: Registration, changes: dict[str, str], now: datetime
    ) -> Registration:
        """Make typed data what a read document says (and nothing else); kept in the history.
        In review for a mismatch, a correction that makes everything match enters the queue.
        Raises ValidationFailed (code correction_not_on_document), NotEligible,
        InvalidState, DuplicateRegistration (the corrected identity has a registration)."""
        if registration.status not in (Status.AWAITING_DOCUMENTS, Status.IN_REVIEW):
            raise InvalidState(
                "Data can be corrected before the registration enters the queue only."
            )
        errors = ErrorList()
        for name, value in changes.items():
            if not document_says(registration, Field(name), value):
                errors.add(name, "is not what your document says")
        if errors.errors:
            raise CorrectionNotOnDocument(
                "A correction must make your data what your document says.",
                errors=errors.errors,
            )
        changed = {k: v for k, v in changes.items() if typed_value(registration, k) != v}
        if not changed:
            return registration
        corrected = _apply(registration, changed)
        if Field.TITLE_EXPIRES_ON.value in changed:
            ensure_eligible(corrected.title_expires_on, office_today(now))
        new_key = identity_key(
            self._identity_secret,
            corrected.family_name,
            corrected.given_names,
            corrected.date_of_birth,
        )
        entry = HistoryEntry(
            at=utc_timestamp(now),
            actor=APPLICANT,
            action="corrected",
            changes={k: f"{typed_value(registration, k)} -> {v}" for k, v in changed.items()},
        )
        self._repo.correct(
            registration,
            changed,
            new_identity_key=new_key if new_key != registration.identity_key else None,
            entry=entry,
            entry_id=history_id(),
        )
        log().info(
            "registration_corrected",
            registration_id=registration.registration_id,
            fields=sorted(changed),
        )
        current = self._repo.get(registration.registration_id) or corrected
        if current.status is Status.IN_REVIEW and set(current.review_reasons) <= {
            ReviewReason.DATA_MISMATCH.value
        }:
            verdict = self.verdict(current, now)
            if verdict.verified:
                return self.settle(current, now)
        return current

    # -- the staff review -------------------------------------------------------------------

    def review_page(self, limit: int, cursor: str | None) -> ReviewPage:
        return self._repo.review_page(self._office_id, limit, cursor)

    def review(
        self,
        registration_id: str,
        *,
        actor: str,
        outcome: ReviewOutcome,
        reason: str,
        corrected_expiry: date | None,
        now: datetime,
    ) -> Registration:
        """A staff decision on a registration in review: verified (into the queue, under the
        expiry the document shows) or data_incorrect (rejected; identity held)."""
        registration = self.registration(registration_id)
        if registration.status is not Status.IN_REVIEW:
            raise InvalidState(f"This registration is {registration.status.value}, not in review.")
        at = utc_timestamp(now)
        if outcome is ReviewOutcome.VERIFIED:
            self._repo.enqueue_verified(
                registration,
                queued_at=at,
                verified_by=actor,
                sources=frozenset({Status.IN_REVIEW}),
                title_expires_on=corrected_expiry,
            )
            changes = {"outcome": outcome.value}
            if corrected_expiry and corrected_expiry != registration.title_expires_on:
                changes[Field.TITLE_EXPIRES_ON.value] = (
                    f"{registration.title_expires_on.isoformat()} -> {corrected_expiry.isoformat()}"
                )
            self._history(registration, now, actor, "verified", detail=reason, changes=changes)
        else:
            self.reject_data_incorrect(registration, actor=actor, reason=reason, now=now)
        decided = self.registration(registration_id)
        self._tell_applicant(decided, outcome, reason)
        return decided

    def _tell_queued(self, registration: Registration) -> None:
        """ "You are in the queue", after the machine verified the data (issue 13); the queue
        place does not depend on the mail."""
        if self._mailer is None:
            return
        language = template_language(registration.language, "queued")
        self._send(
            registration,
            "queued",
            {
                "given_names": registration.given_names,
                "family_name": registration.family_name,
                "registration_id": registration.registration_id,
                "reference": format_reference(registration.reference or ""),
                "status_link": self._links.status(registration) if self._links else None,
                "privacy_link": f"{self._web_base_url}/privacy.html?lang={language}",
                "office_name": office(self._office_id).name,
            },
        )

    def _send(self, registration: Registration, template: str, context: dict[str, Any]) -> None:
        if self._mailer is None:
            return
        message = render(template, registration.language, registration.email, context)
        try:
            self._mailer.send(
                replace(message, tags={REGISTRATION_ID_TAG: registration.registration_id})
            )
        except MailNotSent:
            log().warning(
                "mail_failed", kind=template, registration_id=registration.registration_id
            )

    def _tell_applicant(
        self, registration: Registration, outcome: ReviewOutcome, reason: str
    ) -> None:
        """The review's outcome by mail, in the applicant's language. The decision stands
        whether or not the mail goes out (the status page shows it too)."""
        if self._mailer is None:
            return
        from chalicelib.services.allocation import date_text  # noqa: PLC0415

        template = "review_verified" if outcome is ReviewOutcome.VERIFIED else "review_rejected"
        language = template_language(registration.language, template)
        self._send(
            registration,
            template,
            {
                "given_names": registration.given_names,
                "family_name": registration.family_name,
                "registration_id": registration.registration_id,
                "reference": format_reference(registration.reference or ""),
                "status_link": self._links.status(registration) if self._links else None,
                "expiry_text": date_text(registration.title_expires_on, language),
                "reason": reason,
                "hold_days": self._hold.days,
                "privacy_link": f"{self._web_base_url}/privacy.html?lang={language}",
                "office_name": office(self._office_id).name,
            },
        )

    def reject_data_incorrect(
        self, registration: Registration, *, actor: str, reason: str, now: datetime
    ) -> None:
        self._repo.reject_data_incorrect(
            registration,
            reason=f"{DATA_INCORRECT}: {reason}",
            rejected_at=utc_timestamp(now),
            rejected_by=actor,
            erase_after=int((now + self._retention).timestamp()),
            hold_until=utc_timestamp(now + self._hold),
            hold_erase_after=int((now + self._hold).timestamp()),
        )
        self._history(registration, now, actor, "rejected", detail=reason)

    def hold_identity(self, registration: Registration, now: datetime) -> None:
        """After a desk rejection for incorrect data: hold the person's identity."""
        self._repo.place_hold(
            registration,
            until=utc_timestamp(now + self._hold),
            erase_after=int((now + self._hold).timestamp()),
        )

    def lift_hold(self, registration_id: str, *, actor: str, reason: str, now: datetime) -> bool:
        registration = self.registration(registration_id)
        lifted = self._repo.lift_hold(registration.identity_key)
        if lifted:
            self._history(registration, now, actor, "hold_lifted", detail=reason)
        return lifted

    def history(self, registration_id: str) -> list[HistoryEntry]:
        return self._repo.history(registration_id)

    def registration(self, registration_id: str) -> Registration:
        registration = (
            self._repo.get(registration_id) if is_well_formed_id(registration_id) else None
        )
        if registration is None:
            raise NotFound("No registration with this id.")
        return registration

    def _history(
        self,
        registration: Registration,
        now: datetime,
        actor: str,
        action: str,
        *,
        detail: str | None = None,
        changes: dict[str, str] | None = None,
    ) -> None:
        self._repo.add_history(
            registration.registration_id,
            HistoryEntry(
                at=utc_timestamp(now),
                actor=actor,
                action=action,
                changes=changes or {},
                detail=detail,
            ),
            history_id(),
        )


def _apply(registration: Registration, changes: dict[str, str]) -> Registration:
    typed: dict[str, object] = {}
    for name, value in changes.items():
        if name == Field.TITLE_EXPIRES_ON.value:
            typed[name] = date.fromisoformat(value)
        elif name == Field.DATE_OF_BIRTH.value:
            typed[name] = BirthDate.parse(value)
        else:
            typed[name] = value
    return replace(registration, **typed)  # type: ignore[arg-type]
