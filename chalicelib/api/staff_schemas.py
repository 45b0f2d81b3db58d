"""Bodies of the staff interface."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from chalicelib.api.schemas import (
    AppointmentView,
    BirthDateValue,
    MismatchView,
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
    check_in: str | None = Field(description="served, rejected, no_show, withdrawn, or open")
    mail_status: str
    mail_undeliverable: bool


class AppointmentList(ResponseModel):
    date: date
    items: list[AppointmentItem]
    next_cursor: None = None


class CapacityDay(ResponseModel):
    date: date
    slots: int
    given: int
    left: int
    closed: bool


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


class CapacityRequest(RequestModel):
    slots: int = Field(ge=0, le=1000)


class AllocationRequest(RequestModel):
    date: date
