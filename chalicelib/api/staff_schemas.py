"""Bodies of the staff interface."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from chalicelib.api.schemas import (
    AppointmentView,
    BirthDateValue,
    GivenNames,
    MismatchView,
    PersonName,
    RequestModel,
    ResponseModel,
)
from chalicelib.domain.documents import DocumentKind
from chalicelib.domain.registration import Status, TitleType
from chalicelib.domain.verification import Check


def mask_document_number(number: str | None) -> str | None:
    """Lists show only the last three characters of a document number."""
    if not number:
        return None
    visible = number[-3:] if len(number) > 4 else ""
    return "•" * (len(number) - len(visible)) + visible


class QueueItem(ResponseModel):
    registration_id: str
    queue_position: int
    family_name: str
    given_names: str
    nationality: str
    title_type: TitleType
    title_number: str | None = Field(description="Masked: only the last three characters.")
    title_expires_on: date
    queued_at: str | None


class QueueList(ResponseModel):
    items: list[QueueItem]
    next_cursor: str | None


class ZoneView(ResponseModel):
    """What a document's machine-readable zone says (ICAO 9303), every check digit holding."""

    document_format: str = Field(description="TD1, TD2, TD3, MRVA or MRVB")
    document_code: str
    issuing_state: str
    document_number: str
    family_name: str
    given_names: str
    nationality: str
    birth_date: str = Field(description="YYMMDD as in the zone, '<' for an unknown part")
    date_of_birth: date | None
    expires_on: date


class StaffDocument(ResponseModel):
    document_id: str
    kind: DocumentKind
    filename: str
    content_type: str
    size_bytes: int
    status: str
    rejection_reason: str | None
    download_url: str | None = Field(description="Short-lived; saved as an attachment.")
    check: Check
    zone: ZoneView | None = Field(default=None, description="The machine reading, when read.")
    mismatches: list[MismatchView] = Field(default_factory=list)


class HistoryItem(ResponseModel):
    at: str
    actor: str = Field(description="applicant, machine, or a staff member's user name")
    action: str
    changes: dict[str, str]
    detail: str | None


class ReviewItem(ResponseModel):
    """One registration on the review list: typed data, each document's reading, and why."""

    registration_id: str
    review_since: str | None
    review_reasons: list[str]
    family_name: str
    given_names: str
    date_of_birth: BirthDateValue
    nationality: str
    title_type: TitleType
    title_number: str | None
    title_expires_on: date
    documents: list[StaffDocument]


class ReviewList(ResponseModel):
    items: list[ReviewItem]
    next_cursor: str | None


class ReviewCorrection(RequestModel):
    title_expires_on: date | None = None


class ReviewRequest(RequestModel):
    outcome: Literal["verified", "data_incorrect"]
    reason: str = Field(min_length=3, max_length=500)
    corrected: ReviewCorrection | None = None


class LiftHoldRequest(RequestModel):
    reason: str = Field(min_length=3, max_length=500)


class VoidRequest(RequestModel):
    """Why an admin voids a registration (audited, and quoted in the mail to its address)."""

    reason: str = Field(min_length=3, max_length=500)


class ReviewResult(ResponseModel):
    registration_id: str
    status: Status
    title_expires_on: date


class AppointmentItem(ResponseModel):
    registration_id: str
    seq: int = Field(description="The appointment's number of the day (queue order).")
    window_start: str
    window_end: str
    family_name: str | None = Field(description="None once the registration was erased.")
    given_names: str | None
    title_type: TitleType | None
    title_number: str | None = Field(description="Masked: only the last three characters.")
    status: Status | None
    check_in: str | None = Field(
        description="served, rejected, no_show, released, withdrawn, or open"
    )
    mail_status: str
    mail_undeliverable: bool
    reference: str | None = None
    date_of_birth: BirthDateValue | None = None
    state: str = Field(description="invited, arrived, served, rejected, no_show or released")
    arrived_at: str | None = None
    decided_at: str | None = None
    final: bool = Field(description="Closed by the end of the day: no undo.")
    can_undo: bool
    window_over: bool


class WindowCount(ResponseModel):
    start: str
    end: str
    capacity: int
    given: int = Field(description="Places held: invitations not released.")
    arrived: int
    served: int
    rejected: int
    no_show: int
    released: int
    open: int = Field(description="Invited or arrived, not yet decided.")


class AppointmentList(ResponseModel):
    date: date
    items: list[AppointmentItem]
    windows: list[WindowCount] = Field(default_factory=list)
    next_cursor: None = None


class DeskPerson(ResponseModel):
    """One of today's invitations as the entrance sees it."""

    registration_id: str
    reference: str | None
    family_name: str
    given_names: str
    date_of_birth: BirthDateValue
    state: str
    window_start: str
    window_end: str
    arrived_at: str | None


class DeskPeople(ResponseModel):
    items: list[DeskPerson]
    next_cursor: None = None


class ArrivalResult(DeskPerson):
    verdict: Literal["arrived", "already_arrived"]
    late: bool = Field(description="Arrived after the window ended.")


class ArrivalRequest(RequestModel):
    """The reference typed (or read aloud), or the text of the scanned QR code."""

    code: str | None = Field(default=None, min_length=1, max_length=20)
    entrance_pass: str | None = Field(default=None, alias="pass", min_length=1, max_length=200)


class LookupRequest(RequestModel):
    family_name: str = Field(min_length=1, max_length=200)
    date_of_birth: str = Field(min_length=4, max_length=10, description="YYYY-MM-DD, YYYY-MM, YYYY")


class SearchRequest(RequestModel):
    """A person as they tell it on the phone: names and date of birth, folded as identities
    are (domain/identity.py), so 'MUELLER' finds 'Müller'."""

    family_name: PersonName
    given_names: GivenNames = Field(
        default="", description="Empty (or left out) for a person with one name only."
    )
    date_of_birth: BirthDateValue


class SearchItem(ResponseModel):
    registration_id: str
    status: Status
    family_name: str
    given_names: str
    queue_position: int | None = Field(description="1-based, when waiting; else null.")


class SearchResult(ResponseModel):
    """The person's one active registration at this office, or none."""

    items: list[SearchItem] = Field(max_length=1)


class UndoRequest(RequestModel):
    reason: str = Field(min_length=3, max_length=500)


class UndoResult(ResponseModel):
    registration_id: str
    status: Status
    undone: Status


class WindowPlan(ResponseModel):
    start: str
    end: str
    capacity: int


class AllocationRunView(ResponseModel):
    run_id: str
    trigger: str
    started_at: str
    local_time: str
    capacity: int
    given_before: int
    given_after: int
    invitations: list[dict[str, Any]]


class AllocationDay(ResponseModel):
    date: date
    scheduled_runs: list[str] = Field(description="Local times of the day's scheduled runs.")
    notice: str | None
    windows: list[WindowPlan]
    runs: list[AllocationRunView]


class CapacityDay(ResponseModel):
    date: date
    slots: int
    given: int
    left: int
    closed: bool
    scheduled_run: str | None = Field(
        default=None, description="The local time of the day's scheduled run, if any."
    )
    notice: str | None = Field(
        default=None, description="Set when the day has places but no scheduled run."
    )
    windows: list[WindowPlan] = Field(default_factory=list)
    windows_set: bool = Field(
        default=False,
        description="The office head set each window's places (else the slots are spread).",
    )
    holiday: str | None = Field(
        default=None, description="The public holiday's name (German), if the day is one."
    )


class CapacityList(ResponseModel):
    items: list[CapacityDay]
    next_cursor: None = None


class CheckInResult(ResponseModel):
    registration_id: str
    status: Status


class DayStats(ResponseModel):
    date: date
    appointments: int
    served: int
    rejected: int
    no_shows: int


class StaffRecord(ResponseModel):
    registration_id: str
    status: Status
    given_names: str
    family_name: str
    date_of_birth: BirthDateValue
    nationality: str
    email: str
    language: str
    title_type: TitleType
    title_number: str | None
    title_expires_on: date
    created_at: str
    email_confirmed_at: str | None
    queued_at: str | None
    appointment: AppointmentView | None
    checked_in_at: str | None
    rejection_reason: str | None
    mail_undeliverable: str | None = Field(
        description="Why mail to the applicant bounced or was refused; None when it arrives."
    )
    documents: list[StaffDocument]
    review_reasons: list[str] = Field(default_factory=list)
    verified_by: str | None = Field(
        default=None, description="machine, or the staff member who verified the data"
    )
    history: list[HistoryItem] = Field(default_factory=list)


class AuditItem(ResponseModel):
    at: str
    actor: str
    action: str
    registration_id: str | None
    document_id: str | None
    detail: str | None


class AuditList(ResponseModel):
    items: list[AuditItem]
    next_cursor: None = None


class QueueByExpiry(ResponseModel):
    expired: int
    within_2_days: int
    within_7_days: int


class CheckInRequest(RequestModel):
    outcome: Literal["data_correct", "data_incorrect"]
    reason: str | None = Field(default=None, min_length=3, max_length=500)


class WindowCapacity(RequestModel):
    start: str = Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="The window's local start, HH:MM"
    )
    capacity: int = Field(ge=0, le=1000, description="Places in this window")


class CapacityRequest(RequestModel):
    """Either `slots` (the day's places, spread evenly over its windows; 0 closes the day) or
    `windows` (the places of each of the day's windows, every window named once; the day's
    slots become their sum)."""

    slots: int | None = Field(default=None, ge=0, le=1000)
    windows: list[WindowCapacity] | None = Field(default=None, max_length=1440)

    @model_validator(mode="after")
    def one_of_slots_or_windows(self) -> CapacityRequest:
        if (self.slots is None) == (self.windows is None):
            raise ValueError("give either slots or windows")
        if self.windows is not None and len({w.start for w in self.windows}) != len(self.windows):
            raise ValueError("name each window once")
        return self


class AllocationRequest(RequestModel):
    date: date
