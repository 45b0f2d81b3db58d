"""Applicant use cases: register, confirm the e-mail, upload documents, submit, withdraw."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from chalicelib.domain import documents as docs
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import office_today, utc_timestamp
from chalicelib.domain.documents import ContentType, Document, DocumentKind, DocumentStatus
from chalicelib.domain.eligibility import ensure_eligible
from chalicelib.domain.entrance_code import format_reference, new_reference
from chalicelib.domain.errors import (
    DocumentsIncomplete,
    DuplicateRegistration,
    ErrorList,
    FieldError,
    InvalidState,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRegistrations,
)
from chalicelib.domain.identity import identity_key, legacy_identity_key
from chalicelib.domain.office import office
from chalicelib.domain.registration import (
    DUPLICATE_DETAIL,
    Registration,
    RegistrationStatus,
    Status,
    TitleType,
    gives_way_to_new,
)
from chalicelib.domain.tokens import (
    hash_token,
    is_well_formed_id,
    new_id,
    token_matches,
)
from chalicelib.domain.verification import ReadOutcome, needs_read
from chalicelib.mail import render
from chalicelib.observability import log, record_document_settled, record_registration_created
from chalicelib.services.links import Links
from chalicelib.services.ports import (
    REGISTRATION_ID_TAG,
    AddressLimits,
    DocumentStore,
    Mailer,
    MailMessage,
    MailNotSent,
    Promotion,
    RegistrationRepository,
    UploadGrant,
)
from chalicelib.services.verification import VerificationService

OLDEST_PLAUSIBLE_AGE_YEARS = 130
# Submitted: submitting again answers the state as it is.
SUBMITTED = frozenset({Status.CHECKING, Status.IN_REVIEW, Status.WAITING})


@dataclass(frozen=True)
class NewRegistration:
    given_names: str
    family_name: str
    date_of_birth: BirthDate
    nationality: str
    email: str
    language: str
    title_type: TitleType
    title_number: str | None
    title_expires_on: date


@dataclass(frozen=True)
class NewDocument:
    kind: DocumentKind
    filename: str
    content_type: ContentType
    size_bytes: int


@dataclass(frozen=True)
class GrantedUpload:
    document_id: str
    grant: UploadGrant
    expires_at: datetime


def upload_key(registration_id: str, document_id: str) -> str:
    return f"uploads/{registration_id}/{document_id}"


def verified_key(registration_id: str, document_id: str) -> str:
    return f"documents/{registration_id}/{document_id}"


@dataclass(frozen=True)
class Registered:
    """What registering answers: an id and `email_unverified`, the same whether a registration
    was made (`registration`) or the person already had an active one (None: the id is stored
    nowhere and opens nothing, like any unknown id)."""

    registration_id: str
    status: Status
    registration: Registration | None


class ApplicantService:
    def __init__(
        self,
        repository: RegistrationRepository,
        store: DocumentStore,
        mailer: Mailer,
        *,
        identity_secret: bytes,
        office_id: str,
        web_base_url: str,
        retention_days: int,
        verification: VerificationService,
        address_limits: AddressLimits | None = None,
        registrations_per_address: int = 0,
        links: Links,
    ) -> None:
        self._verification = verification
        self._address_limits = address_limits
        self._per_address = registrations_per_address
        self._links = links
        self._repo = repository
        self._store = store
        self._mailer = mailer
        self._identity_secret = identity_secret
        self._office = office(office_id)
        self._web_base_url = web_base_url
        self._retention = timedelta(days=retention_days)

    # -- register ---------------------------------------------------------------------------

    def register(self, new: NewRegistration, now: datetime) -> Registered:
        today = office_today(now)
        _check_dates(new, today)
        ensure_eligible(new.title_expires_on, today)
        if not self._may_mail(new.email, today):
            raise TooManyRegistrations(
                f"This e-mail address has had {self._per_address} registrations today. "
                "Please use the link from one of the e-mails, or try again tomorrow."
            )
        registration_id = new_id()
        token = self._links.access_token(registration_id)
        registration = Registration(
            registration_id=registration_id,
            status=Status.EMAIL_UNVERIFIED,
            given_names=new.given_names,
            family_name=new.family_name,
            date_of_birth=new.date_of_birth,
            nationality=new.nationality,
            email=new.email,
            language=new.language,
            title_type=new.title_type,
            title_number=new.title_number,
            title_expires_on=new.title_expires_on,
            token_hash=hash_token(token),
            identity_key=identity_key(
                self._identity_secret, new.family_name, new.given_names, new.date_of_birth
            ),
            created_at=utc_timestamp(now),
            office_id=self._office.office_id,
            reference=new_reference(),
        )
        legacy_key = legacy_identity_key(
            self._identity_secret, new.family_name, new.given_names, new.date_of_birth
        )
        try:
            self._save_new(registration, now, legacy_key)
        except DuplicateRegistration as duplicate:
            # The same answer as for a new registration (issue 16): whether a person has an
            # active registration is told only by mail, to the address that asked and to the
            # holder's, and neither mail names the other's data.
            self._identity_in_use(registration, duplicate.holder_id, today)
            return Registered(registration.registration_id, registration.status, None)
        try:
            self._mailer.send(self._registration_mail(registration, token))
        except MailNotSent as exc:
            # Without the mail the applicant holds no key to this registration, and it would
            # block them from registering again: take it back, and let them retry.
            self._repo.discard_unconfirmed(registration)
            log().warning("registration_mail_failed", registration_id=registration.registration_id)
            raise ServiceUnavailable(
                "We could not send the confirmation e-mail. Nothing was saved; please try "
                "again in a few minutes."
            ) from exc
        log().info("registration_created", registration_id=registration.registration_id)
        record_registration_created()
        return Registered(registration.registration_id, registration.status, registration)

    def _may_mail(self, email: str, today: date) -> bool:
        """One more registration mail to this address today (issue 16: no mail cannon)."""
        if self._address_limits is None or self._per_address < 1:
            return True
        return self._address_limits.take(email, today, self._per_address)

    def _identity_in_use(self, attempt: Registration, holder_id: str | None, today: date) -> None:
        """Mail the address that asked what happened and how to get a taken identity back,
        and the holder's address that someone tried; the attempt is stored nowhere."""
        holder = self._repo.get(holder_id) if holder_id else None
        try:
            self._mailer.send(
                self._security_mail("identity_in_use", attempt.language, attempt.email)
            )
        except MailNotSent as exc:
            raise ServiceUnavailable(
                "We could not send the confirmation e-mail. Nothing was saved; please try "
                "again in a few minutes."
            ) from exc
        if (
            holder is not None
            and holder.email.casefold() != attempt.email.casefold()
            and self._may_mail(holder.email, today)
        ):
            try:
                self._mailer.send(
                    self._security_mail("identity_attempt", holder.language, holder.email)
                )
            except MailNotSent:
                log().warning("identity_attempt_mail_failed", holder_id=holder.registration_id)
        log().info(
            "registration_identity_in_use",
            holder_id=holder.registration_id if holder else None,
        )

    def _security_mail(self, template: str, language: str, to: str) -> MailMessage:
        return render(
            template,
            language,
            to,
            {
                "office_name": self._office.name,
                "office_address": self._office.address,
                "privacy_link": f"{self._web_base_url}/privacy.html?lang={language}",
            },
        )

    def _save_new(self, registration: Registration, now: datetime, legacy_key: str | None) -> None:
        """Store a new registration; in place of the person's unconfirmed one that has given
        way (its link went nowhere, domain/registration.py), or else refuse it as a duplicate.
        A registration made before issue 15 holds its lock under the key of then: it counts."""
        try:
            holder_id = self._repo.lock_holder(legacy_key) if legacy_key else None
            if holder_id:
                raise DuplicateRegistration(DUPLICATE_DETAIL, holder_id=holder_id)
            self._repo.create(registration)
        except DuplicateRegistration as duplicate:
            holder = self._repo.get(duplicate.holder_id) if duplicate.holder_id else None
            if holder is None or not gives_way_to_new(holder, now):
                raise
            self._repo.replace_unconfirmed(holder, registration)
            log().info(
                "registration_replaced_unconfirmed",
                registration_id=registration.registration_id,
                replaced_id=holder.registration_id,
            )

    def _registration_mail(self, registration: Registration, token: str) -> MailMessage:
        link = (
            f"{self._web_base_url}/status.html#id={registration.registration_id}&token={token}"
            f"&lang={registration.language}"
        )
        message = render(
            "registration",
            registration.language,
            registration.email,
            {
                "given_names": registration.given_names,
                "family_name": registration.family_name,
                "registration_id": registration.registration_id,
                "status_link": link,
                "reference": format_reference(registration.reference or ""),
                "privacy_link": self._links.privacy(registration.language),
                "office_name": self._office.name,
            },
        )
        return replace(message, tags={REGISTRATION_ID_TAG: registration.registration_id})

    # -- access -----------------------------------------------------------------------------

    def authorize(self, registration_id: str, token: str | None) -> Registration:
        """The registration this token opens. Unknown id and wrong token look the same."""
        well_formed = bool(token) and is_well_formed_id(registration_id)
        registration = self._repo.get(registration_id) if well_formed else None
        if registration is None or not token_matches(token or "", registration.token_hash):
            raise NotFound("No registration with this id for this access link.")
        return registration

    def status(self, registration_id: str, token: str | None, now: datetime) -> RegistrationStatus:
        registration = self._verify_pending(self.authorize(registration_id, token), now)
        if registration.status is Status.CHECKING:
            self._verification.request_reads(registration, now)
        position = None
        if registration.status is Status.WAITING:
            position = self._repo.queue_position(registration)
        return RegistrationStatus(registration, position)

    # -- confirm ----------------------------------------------------------------------------

    def confirm_email(
        self, registration_id: str, token: str | None, now: datetime
    ) -> RegistrationStatus:
        registration = self.authorize(registration_id, token)
        if registration.status is Status.EMAIL_UNVERIFIED:
            self._repo.confirm_email(registration_id, utc_timestamp(now))
            log().info("email_confirmed", registration_id=registration_id)
        elif registration.status.is_final:
            raise InvalidState(f"This registration is {registration.status.value}.")
        return self.status(registration_id, token, now)

    # -- documents --------------------------------------------------------------------------

    def request_upload(
        self, registration_id: str, token: str | None, new: NewDocument, now: datetime
    ) -> GrantedUpload:
        registration = self.authorize(registration_id, token)
        if new.size_bytes > docs.MAX_DOCUMENT_BYTES:
            raise PayloadTooLarge(
                f"A document may be at most {docs.MAX_DOCUMENT_BYTES} bytes (10 MiB).",
                errors=[FieldError("size_bytes", "must be at most 10485760 bytes")],
            )
        if registration.status is not Status.AWAITING_DOCUMENTS:
            raise InvalidState(_upload_refusal(registration.status))
        document_id = new_id()
        expires_at = now + timedelta(seconds=docs.UPLOAD_EXPIRY_SECONDS)
        key = upload_key(registration_id, document_id)
        document = Document(
            document_id=document_id,
            registration_id=registration_id,
            kind=new.kind,
            filename=docs.named_for_type(new.filename, new.content_type),
            content_type=new.content_type,
            size_bytes=new.size_bytes,
            status=DocumentStatus.PENDING,
            created_at=utc_timestamp(now),
            upload_expires_at=utc_timestamp(expires_at),
            object_key=key,
        )
        self._repo.add_document(document)
        grant = self._store.grant_upload(
            key, new.content_type, new.size_bytes, docs.UPLOAD_EXPIRY_SECONDS
        )
        log().info(
            "upload_granted",
            registration_id=registration_id,
            document_id=document_id,
            kind=new.kind.value,
        )
        return GrantedUpload(document_id, grant, expires_at)

    def _verify_pending(self, registration: Registration, now: datetime) -> Registration:
        """Look at every pending upload once: count it, refuse it, or let it expire."""
        pending = [d for d in registration.documents if d.status is DocumentStatus.PENDING]
        if not pending:
            return registration
        settled = [self._settle(d, now) for d in pending]
        if any(d.read_outcome is not None for d in settled):
            # Handed to the reader, which may have finished already (it runs apart).
            return self._repo.get(registration.registration_id) or registration
        by_id = {d.document_id: d for d in settled}
        documents = [by_id.get(d.document_id, d) for d in registration.documents]
        return replace(registration, documents=documents)

    def _settle(self, document: Document, now: datetime) -> Document:
        stored = self._store.inspect(document.object_key, docs.MAGIC_PREFIX_LENGTH)
        if stored is None:
            if utc_timestamp(now) <= document.upload_expires_at:
                return document
            return self._record(document, DocumentStatus.EXPIRED, document.object_key, None)
        reason = docs.judge_upload(
            document.content_type,
            document.size_bytes,
            stored.size,
            stored.content_type,
            stored.prefix,
        )
        if reason is not None:
            self._store.delete(document.object_key)
            return self._record(document, DocumentStatus.REJECTED, document.object_key, reason)
        target = verified_key(document.registration_id, document.document_id)
        promoted = self._store.promote(
            document.object_key, target, stored.etag, document.content_type
        )
        if promoted is Promotion.REFUSED:
            self._store.delete(document.object_key)
            return self._record(
                document,
                DocumentStatus.REJECTED,
                document.object_key,
                docs.RejectionReason.UNSAFE_CONTENT,
            )
        if promoted is not Promotion.DONE:
            # Replaced between our look and the copy, or its malware scan has no verdict yet:
            # judge it again next time.
            return document
        return self._record(document, DocumentStatus.VERIFIED, target, None)

    def _record(
        self,
        document: Document,
        status: DocumentStatus,
        object_key: str,
        reason: docs.RejectionReason | None,
    ) -> Document:
        if self._repo.settle_document(document, status, object_key, reason):
            log().info(
                "document_settled",
                registration_id=document.registration_id,
                document_id=document.document_id,
                outcome=status.value,
                reason=reason.value if reason else None,
            )
            if status in (DocumentStatus.VERIFIED, DocumentStatus.REJECTED):
                record_document_settled(verified=status is DocumentStatus.VERIFIED)
            settled = replace(
                document,
                status=status,
                object_key=object_key,
                rejection_reason=reason,
                read_outcome=ReadOutcome.PENDING.value if needs_read(document, status) else None,
            )
            if settled.read_outcome is not None:
                self._hand_to_reader(settled)
            return settled
        return document

    def _hand_to_reader(self, document: Document) -> None:
        try:
            self._verification.document_verified(document.registration_id, document.document_id)
        except ServiceUnavailable:
            # The document counts; its read is asked for again by `submit` and `status`.
            log().warning(
                "read_request_failed",
                registration_id=document.registration_id,
                document_id=document.document_id,
            )

    # -- submit -----------------------------------------------------------------------------

    def submit(self, registration_id: str, token: str | None, now: datetime) -> RegistrationStatus:
        registration = self._verify_pending(self.authorize(registration_id, token), now)
        if registration.status in SUBMITTED:
            return self.status(registration_id, token, now)
        if registration.status is Status.EMAIL_UNVERIFIED:
            raise InvalidState("Please confirm your e-mail address first.")
        if registration.status is not Status.AWAITING_DOCUMENTS:
            raise InvalidState(f"This registration is {registration.status.value}.")
        missing = registration.missing_documents
        if missing:
            raise DocumentsIncomplete(
                "These documents are still missing or not yet verified: " + ", ".join(missing),
                missing_documents=missing,
            )
        self._verification.request_reads(registration, now)
        self._verification.settle(registration, now)
        return self.status(registration_id, token, now)

    # -- correct ----------------------------------------------------------------------------

    def correct(
        self, registration_id: str, token: str | None, changes: dict[str, str], now: datetime
    ) -> RegistrationStatus:
        """Correct typed data to what a read document says (services/verification.py)."""
        registration = self._verify_pending(self.authorize(registration_id, token), now)
        self._verification.correct(registration, changes, now)
        return self.status(registration_id, token, now)

    # -- withdraw ---------------------------------------------------------------------------

    def withdraw(self, registration_id: str, token: str | None, now: datetime) -> None:
        registration = self.authorize(registration_id, token)
        if registration.status.is_final and registration.status is not Status.WITHDRAWN:
            raise InvalidState(f"This registration is already {registration.status.value}.")
        if registration.status is not Status.WITHDRAWN:
            erase_after = int((now + self._retention).timestamp())
            self._repo.withdraw(registration, utc_timestamp(now), erase_after)
            log().info("registration_withdrawn", registration_id=registration_id)
        # Erasure is repeated on every call until nothing is left, so a failure part-way
        # through is mended by withdrawing again.
        self._store.delete_prefix(f"uploads/{registration_id}/")
        self._store.delete_prefix(f"documents/{registration_id}/")
        self._repo.remove_documents(
            registration_id, [d.document_id for d in registration.documents]
        )


def _upload_refusal(status: Status) -> str:
    if status is Status.EMAIL_UNVERIFIED:
        return "Please confirm your e-mail address before uploading documents."
    if status in SUBMITTED:
        return "Your registration is already submitted; documents can no longer be changed."
    return f"Documents cannot be uploaded: this registration is {status.value}."


def _check_dates(new: NewRegistration, today: date) -> None:
    errors = ErrorList()
    if new.date_of_birth.earliest > today:
        errors.add("date_of_birth", "must not be in the future")
    elif new.date_of_birth.latest < _years_before(today, OLDEST_PLAUSIBLE_AGE_YEARS):
        errors.add("date_of_birth", f"must be within the last {OLDEST_PLAUSIBLE_AGE_YEARS} years")
    if new.title_expires_on <= new.date_of_birth.earliest:
        errors.add("title_expires_on", "must be after the date of birth")
    errors.raise_if_any()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
