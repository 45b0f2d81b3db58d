"""A day's appointments: its capacity, the invitations given, their mails, and run records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from chalicelib.domain.schedule import is_workday


class MailStatus(StrEnum):
    """The outbox state of one mail: recorded with the appointment, then sent."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # tried, to be tried again by the next pass
    SKIPPED = "skipped"  # no longer needed: the registration left `invited` before it went out

    @property
    def is_open(self) -> bool:
        return self in (MailStatus.PENDING, MailStatus.FAILED)


class MailKind(StrEnum):
    INVITATION = "invitation"
    # Sent when the end-of-day job makes a desk outcome final, so an undone misclick mails
    # nobody (issue 13).
    NO_SHOW = "no_show"
    REJECTION = "rejection"


class Outcome(StrEnum):
    """What became of an invitation: set by the desk (undoable that day) or by the person's
    release; final once the end-of-day job has closed the day."""

    SERVED = "served"
    REJECTED = "rejected"
    NO_SHOW = "no_show"
    RELEASED = "released"  # "I can't come today": the place went back to its window


def day_slots(day: date, default_slots: Mapping[int, int], override: int | None) -> int:
    """The day's capacity: the date's override when staff set one (0 closes the day),
    else the weekday's default; no appointments on weekends and public holidays."""
    if override is not None:
        return max(override, 0)
    if not is_workday(day):
        return 0
    return default_slots.get(day.weekday(), 0)


@dataclass(frozen=True)
class DayCounter:
    """The stored state of a day: invitations made so far (`given`, the last seq, released
    ones included), the places held per arrival window (`taken`, by window key 'HHMM'; a
    release gives one back) and the optional override."""

    day: date
    given: int = 0
    slots_override: int | None = None
    taken: Mapping[str, int] = field(default_factory=dict)
    # The first window the day's places are spread from: set by the day's first invitation
    # (the windows a person could still reach then); None before it.
    plan_from: str | None = None
    # Places per window key ('HHMM') when the office head set the windows one by one (the
    # override is then their sum); None: the day's slots are spread evenly (ArrivalPlan).
    window_caps: Mapping[str, int] | None = None

    @property
    def held(self) -> int:
        """Places held today: invitations not released."""
        return sum(self.taken.values())


@dataclass(frozen=True)
class DayCapacity:
    day: date
    slots: int
    given: int
    per_window: bool = False  # the office head set each window's places (DayCounter)

    @property
    def left(self) -> int:
        return max(self.slots - self.given, 0)

    @property
    def closed(self) -> bool:
        return self.slots == 0


@dataclass(frozen=True)
class Invitation:
    """One appointment given: the staff's day list and the outbox of its mails."""

    office_id: str
    day: date
    seq: int
    registration_id: str
    window_start: str
    window_end: str
    queue_key: str
    run_id: str
    mail_status: MailStatus = MailStatus.PENDING
    mail_attempts: int = 0
    outcome: str | None = None  # Outcome values; None while invited or arrived
    no_show_mail_status: MailStatus | None = None
    reference: str | None = None
    arrived_at: str | None = None
    decided_at: str | None = None
    final: bool = False  # closed by the end-of-day job: no undo, closing mail under way
    rejection_mail_status: MailStatus | None = None
    desk_key: str | None = None  # the Idempotency-Key of the last desk action

    @property
    def window_key(self) -> str:
        return self.window_start[11:16].replace(":", "")

    def mail_status_of(self, kind: MailKind) -> MailStatus | None:
        if kind is MailKind.INVITATION:
            return self.mail_status
        if kind is MailKind.NO_SHOW:
            return self.no_show_mail_status
        return self.rejection_mail_status


@dataclass(frozen=True)
class RunEntry:
    """Why a registration got its place: its number of the day, its queue key, its window."""

    seq: int
    registration_id: str
    queue_key: str
    window_start: str | None = None
    window_end: str | None = None


@dataclass(frozen=True)
class AllocationRun:
    """What one run did, kept so staff can see why A came before B."""

    run_id: str
    office_id: str
    day: date
    trigger: str  # schedule | manual
    started_at: str  # UTC
    local_time: str  # Europe/Berlin, with offset
    capacity: int
    given_before: int
    given_after: int
    invitations: list[RunEntry] = field(default_factory=list)
