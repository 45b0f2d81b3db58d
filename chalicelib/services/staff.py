"""Staff use cases: the queue, a registration's full record, the audit trail, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import office_today, utc_timestamp
from chalicelib.domain.documents import Document, DocumentStatus
from chalicelib.domain.errors import InvalidState, NotFound
from chalicelib.domain.identity import identity_key, legacy_identity_key
from chalicelib.domain.office import office
from chalicelib.domain.registration import (
    Registration,
    RegistrationStatus,
    Status,
    queue_sort_key,
)
from chalicelib.domain.staff import StaffIdentity
from chalicelib.domain.tokens import is_well_formed_id, new_id
from chalicelib.mail import render
from chalicelib.observability import log
from chalicelib.services.ports import (
    AuditEntry,
    DayTally,
    DocumentStore,
    Mailer,
    MailNotSent,
    QueuePage,
    RegistrationRepository,
    StaffQueries,
)

DOWNLOAD_URL_SECONDS = 120
AUDIT_RETENTION = timedelta(days=730)


@dataclass(frozen=True)
class DocumentDownload:
    document: Document
    url: str | None


@dataclass(frozen=True)
class FullRecord:
    registration: Registration
    documents: list[DocumentDownload]


@dataclass(frozen=True)
class QueueBands:
    expired: int
    within_2_days: int
    within_7_days: int


class StaffService:
    def __init__(
        self,
        repository: RegistrationRepository,
        queries: StaffQueries,
        store: DocumentStore,
        *,
        office_id: str,
        mailer: Mailer | None = None,
        web_base_url: str = "",
        retention_days: int = 30,
        identity_secret: bytes,
    ) -> None:
        self._repo = repository
        self._queries = queries
        self._store = store
        self._office_id = office_id
        self._mailer = mailer
        self._web_base_url = web_base_url
        self._retention = timedelta(days=retention_days)
        self._identity_secret = identity_secret

    def queue(self, limit: int, cursor: str | None) -> QueuePage:
        return self._queries.queue_page(self._office_id, limit, cursor)

    def find_active(
        self, family_name: str, given_names: str, date_of_birth: BirthDate
    ) -> RegistrationStatus | None:
        """The person's one active registration at this office, found through the person's lock
        as registering finds it (names folded as domain/identity.py folds them, the date as
        typed: "1990" is not "1990-01-01"); a registration of before issue 15 under the key of
        then. None when the person holds none here. The queue position (1-based) when waiting."""
        keys = [identity_key(self._identity_secret, family_name, given_names, date_of_birth)]
        legacy = legacy_identity_key(self._identity_secret, family_name, given_names, date_of_birth)
        if legacy:
            keys.append(legacy)
        for key in keys:
            holder_id = self._repo.lock_holder(key)
            registration = self._repo.get(holder_id) if holder_id else None
            if (
                registration is not None
                and registration.office_id == self._office_id
                and not registration.status.is_final
            ):
                position = None
                if registration.status is Status.WAITING:
                    position = self._repo.queue_position(registration)
                return RegistrationStatus(registration, position)
        return None

    def full_record(self, staff: StaffIdentity, registration_id: str, now: datetime) -> FullRecord:
        registration = self._registration(registration_id)
        downloads = []
        for document in registration.documents:
            downloads.append(DocumentDownload(document, self.document_url(staff, document, now)))
        self.audit(staff, "record_read", now, registration_id=registration_id)
        return FullRecord(registration, downloads)

    def document_url(self, staff: StaffIdentity, document: Document, now: datetime) -> str | None:
        """A short-lived download link of a verified document (audited); None for others."""
        if document.status is not DocumentStatus.VERIFIED:
            return None
        url = self._store.download_url(document.object_key, document.filename, DOWNLOAD_URL_SECONDS)
        self.audit(
            staff,
            "document_url_issued",
            now,
            registration_id=document.registration_id,
            document_id=document.document_id,
        )
        return url

    def queue_bands(self, now: datetime) -> QueueBands:
        today = office_today(now)

        def key(day: date) -> str:
            return queue_sort_key(day, "", "")

        return QueueBands(
            expired=self._queries.count_queue_between(self._office_id, None, key(today)),
            within_2_days=self._queries.count_queue_between(
                self._office_id, key(today), key(today + timedelta(days=3))
            ),
            within_7_days=self._queries.count_queue_between(
                self._office_id, key(today + timedelta(days=3)), key(today + timedelta(days=8))
            ),
        )

    def recent_days(self, now: datetime, days: int = 14) -> list[DayTally]:
        today = office_today(now)
        return self._queries.day_tallies(
            self._office_id, [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
        )

    def status_counts(self) -> dict[str, int]:
        return self._queries.status_counts(self._office_id)

    def audit(
        self,
        staff: StaffIdentity,
        action: str,
        now: datetime,
        *,
        registration_id: str | None = None,
        document_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        entry = AuditEntry(
            at=utc_timestamp(now),
            actor=staff.username,
            action=action,
            registration_id=registration_id,
            document_id=document_id,
            detail=detail,
        )
        self._queries.record_audit(
            self._office_id,
            office_today(now),
            entry,
            new_id(),
            int((now + AUDIT_RETENTION).timestamp()),
        )
        log().info(
            "staff_audit",
            action=action,
            actor=staff.subject,
            registration_id=registration_id,
            document_id=document_id,
        )

    def audit_trail(self, day: date) -> list[AuditEntry]:
        return self._queries.audit_entries(self._office_id, day)

    def void(self, staff: StaffIdentity, registration_id: str, reason: str, now: datetime) -> None:
        """End a registration made with another person's identity (issue 16): after staff
        checked the person's passport, the registration that holds their identity is
        withdrawn and its documents erased, so that they can register themselves; the
        holder's address is told why. Audited with the reason."""
        registration = self._registration(registration_id)
        if registration.status.is_final:
            raise InvalidState(f"This registration is already {registration.status.value}.")
        erase_after = int((now + self._retention).timestamp())
        self._repo.withdraw(registration, utc_timestamp(now), erase_after)
        self._store.delete_prefix(f"uploads/{registration_id}/")
        self._store.delete_prefix(f"documents/{registration_id}/")
        self._repo.remove_documents(
            registration_id, [d.document_id for d in registration.documents]
        )
        self.audit(
            staff, "registration_voided", now, registration_id=registration_id, detail=reason
        )
        if self._mailer is not None and registration.email:
            the_office = office(self._office_id)
            mail = render(
                "voided",
                registration.language,
                registration.email,
                {
                    "reason": reason,
                    "office_name": the_office.name,
                    "office_address": the_office.address,
                    "privacy_link": (
                        f"{self._web_base_url}/privacy.html?lang={registration.language}"
                    ),
                },
            )
            try:
                self._mailer.send(mail)
            except MailNotSent:
                log().warning("void_mail_failed", registration_id=registration_id)

    def _registration(self, registration_id: str) -> Registration:
        registration = None
        if is_well_formed_id(registration_id):
            registration = self._repo.get(registration_id)
        if registration is None:
            raise NotFound("No registration with this id.")
        return registration
