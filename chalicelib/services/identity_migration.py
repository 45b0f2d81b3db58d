"""Once after issue 15: every active registration's person lock, and every identity hold, moved
to the key of the new name fold (domain/identity.py), so that the same person typed another
way is found.

Until it has run, the service also looks for a lock under the key of before
(services/registration.py), so nothing depends on when it runs; it may run again at any
time (a lock already under its new key is left alone)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.identity import identity_key
from chalicelib.domain.registration import Registration
from chalicelib.observability import log


class IdentityLocks(Protocol):
    def locks(self) -> Iterator[tuple[str, str]]:
        """(identity key, holding registration id) of every person lock."""

    def holds(self) -> Iterator[tuple[str, str]]:
        """(identity key, the registration that placed it) of every identity hold."""

    def get(self, registration_id: str) -> Registration | None: ...

    def move(self, registration: Registration, new_key: str) -> bool:
        """Lock and registration to `new_key` in one step; False when the old lock is no longer
        the registration's, or the new key is held already."""

    def move_hold(self, registration: Registration, new_key: str) -> bool:
        """The hold the registration placed, and the registration, to `new_key`; False when
        the hold changed, or the new key has one already."""


@dataclass
class MigrationReport:
    moved: int = 0
    unchanged: int = 0
    left: int = 0  # the lock changed hands or went while the migration ran
    # Registrations whose person holds another active registration under the new fold: the
    # one already there keeps the lock, this one keeps its old key. Ids, for staff.
    same_person: list[str] = field(default_factory=list)
    holds_moved: int = 0
    # Holds whose registration was erased (its names are gone) or that changed meanwhile:
    # they run out by themselves (IDENTITY_HOLD_DAYS).
    holds_left: int = 0


def migrate_identity_keys(locks: IdentityLocks, secret: bytes) -> MigrationReport:
    report = MigrationReport()
    for held_key, registration_id in list(locks.locks()):
        registration = locks.get(registration_id)
        if registration is None or registration.identity_key != held_key:
            report.left += 1
            continue
        new_key = identity_key(
            secret, registration.family_name, registration.given_names, registration.date_of_birth
        )
        if new_key == held_key:
            report.unchanged += 1
        elif locks.move(registration, new_key):
            report.moved += 1
        else:
            report.same_person.append(registration_id)
            log().warning("identity_migration_same_person", registration_id=registration_id)
    for held_key, registration_id in list(locks.holds()):
        placed_by = locks.get(registration_id)
        if placed_by is None or placed_by.identity_key != held_key:
            report.holds_left += 1
            continue
        new_key = identity_key(
            secret, placed_by.family_name, placed_by.given_names, placed_by.date_of_birth
        )
        if new_key != held_key:
            if locks.move_hold(placed_by, new_key):
                report.holds_moved += 1
            else:
                report.holds_left += 1
    log().info(
        "identity_migration_done",
        moved=report.moved,
        unchanged=report.unchanged,
        left=report.left,
        same_person=len(report.same_person),
        holds_moved=report.holds_moved,
        holds_left=report.holds_left,
    )
    return report
