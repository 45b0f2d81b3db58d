"""Erasure after the retention period, by a daily job rather than DynamoDB's TTL alone.

TTL deletes an item some time after its `expires_at` (days, at times), and until then the item
is still read like any other; it also knows nothing of the S3 objects of a registration. So the
purge, every night:

- erases each registration in a final status whose `expires_at` (set with the final status:
  then + the retention period) has passed: its document objects in S3, its document items,
  then the registration itself;
- ends abandoned registrations: one whose e-mail address was never confirmed within
  UNCONFIRMED_AFTER (the mailed link is its only key: after a week it is lost, and the
  registration would lock the person out of registering again), and one still waiting for its
  documents a retention period after it was made (kept no longer than a finished one). They
  become `withdrawn` (freeing the person's lock) with an `expires_at` of now, and are erased
  like any other in the same run;
- deletes every other item whose `expires_at` has passed (invitations, run records, audit
  entries, spent proofs of work), as TTL would.

Every step is conditional on what was read and repeated by the next run if it fails part-way:
the registration item goes last, so what remains of it is found again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.calendar import utc_timestamp
from chalicelib.domain.registration import Status
from chalicelib.observability import log
from chalicelib.services.staff import AUDIT_RETENTION

UNCONFIRMED_AFTER = timedelta(days=7)
# What the infrastructure keeps beyond the purge (infra/resources.json; tests/infra checks that
# the template says the same): DynamoDB's point-in-time recovery holds the table's changes for
# its fixed 35 days, and the documents bucket drops an upload never judged after 2 days.
POINT_IN_TIME_RECOVERY_DAYS = 35
ABANDONED_UPLOAD_DAYS = 2


@dataclass(frozen=True)
class RetentionPeriods:
    """How long each kind of data is kept, in days, as the purge and the stores apply it:
    what the privacy notice says (GET /office)."""

    finished_registration: int
    unconfirmed_registration: int
    unsubmitted_registration: int
    identity_hold: int
    audit_entries: int
    backups: int
    abandoned_uploads: int


def retention_periods(retention_days: int, identity_hold_days: int) -> RetentionPeriods:
    """The periods for these settings (Settings.retention_days, Settings.identity_hold_days)."""
    return RetentionPeriods(
        finished_registration=retention_days,
        unconfirmed_registration=UNCONFIRMED_AFTER.days,
        unsubmitted_registration=retention_days,
        identity_hold=identity_hold_days,
        audit_entries=AUDIT_RETENTION.days,
        backups=POINT_IN_TIME_RECOVERY_DAYS,
        abandoned_uploads=ABANDONED_UPLOAD_DAYS,
    )


@dataclass(frozen=True)
class StoredRegistration:
    """What the purge needs to know of a registration item."""

    registration_id: str
    status: Status
    identity_key: str
    created_at: str
    expires_at: int | None


@dataclass(frozen=True)
class ExpiredItem:
    pk: str
    sk: str
    expires_at: int


@dataclass(frozen=True)
class RetentionScan:
    registrations: list[StoredRegistration] = field(default_factory=list)
    expired_items: list[ExpiredItem] = field(default_factory=list)


class RetentionRepository(Protocol):
    def scan(self, now: int, unconfirmed_before: str, unsubmitted_before: str) -> RetentionScan:
        """Registrations that expired (final, `expires_at` <= now) or were abandoned
        (email_unverified created before `unconfirmed_before`, awaiting_documents created
        before `unsubmitted_before`), and every other item whose `expires_at` <= now."""

    def abandon(self, registration: StoredRegistration, withdrawn_at: str, now: int) -> bool:
        """Its observed status -> withdrawn, erasable from `now`, releasing the person's lock;
        False when the registration moved on meanwhile."""

    def erase_registration(self, registration: StoredRegistration) -> bool:
        """Delete its document items, then the registration (conditional on its status);
        False when it was no longer there or had changed."""

    def delete_expired(self, item: ExpiredItem, now: int) -> bool:
        """Delete an item while its `expires_at` is still <= now."""


class DocumentEraser(Protocol):
    def delete_prefix(self, prefix: str) -> None: ...


@dataclass(frozen=True)
class PurgeSummary:
    registrations_erased: int = 0
    abandoned: int = 0
    items_deleted: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "registrations_erased": self.registrations_erased,
            "abandoned": self.abandoned,
            "items_deleted": self.items_deleted,
            "skipped": self.skipped,
        }


class RetentionService:
    def __init__(
        self, repository: RetentionRepository, documents: DocumentEraser, *, retention_days: int
    ) -> None:
        self._repo = repository
        self._documents = documents
        self._retention = timedelta(days=retention_days)

    def purge(self, now: datetime) -> PurgeSummary:
        epoch = int(now.timestamp())
        found = self._repo.scan(
            epoch,
            unconfirmed_before=utc_timestamp(now - UNCONFIRMED_AFTER),
            unsubmitted_before=utc_timestamp(now - self._retention),
        )
        erased = abandoned = deleted = skipped = 0
        for seen in found.registrations:
            registration = seen
            if not seen.status.is_final:
                if not self._repo.abandon(seen, utc_timestamp(now), epoch):
                    skipped += 1
                    continue
                abandoned += 1
                log().info(
                    "registration_abandoned",
                    registration_id=seen.registration_id,
                    was=seen.status.value,
                )
                registration = _withdrawn(seen, epoch)
            elif seen.expires_at is None or seen.expires_at > epoch:
                skipped += 1
                continue
            if self._erase(registration):
                erased += 1
            else:
                skipped += 1
        for item in found.expired_items:
            if self._repo.delete_expired(item, epoch):
                deleted += 1
        summary = PurgeSummary(erased, abandoned, deleted, skipped)
        log().info("retention_purge", **summary.as_dict())
        return summary

    def _erase(self, registration: StoredRegistration) -> bool:
        registration_id = registration.registration_id
        self._documents.delete_prefix(f"uploads/{registration_id}/")
        self._documents.delete_prefix(f"documents/{registration_id}/")
        if not self._repo.erase_registration(registration):
            return False
        log().info("registration_erased", registration_id=registration_id)
        return True


def _withdrawn(registration: StoredRegistration, epoch: int) -> StoredRegistration:
    return StoredRegistration(
        registration.registration_id,
        Status.WITHDRAWN,
        registration.identity_key,
        registration.created_at,
        epoch,
    )
