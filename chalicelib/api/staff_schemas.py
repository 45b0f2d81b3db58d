"""Bodies of the staff interface."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.api.schemas import AppointmentView, RequestModel
from chalicelib.domain.documents import DocumentKind
from chalicelib.domain.registration import Status, TitleType


def mask_document_number(number: str | None) -> str | None:
    """Lists show only the last three characters of a document number."""
    if not number:
        return None
    visible = number[-3:] if len(number) > 4 else ""
    return "•" * (len(number) - len(visible)) + visible


class QueueItem(BaseModel):
    registration_id: str
    queue_position: int
    family_name: str
    given_names: str
    nationality: str
    title_type: TitleType
    title_number: str | None = Field(description="Masked: only the last three characters.")
    title_expires_on: date
    queued_at: str | None


class QueueList(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


class StaffDocument(BaseModel):
    document_id: str
    kind: DocumentKind
    filename: str
    content_type: str
    size_bytes: int
    status: str
    rejection_reason: str | None
    download_url: str | None = Field(description="Short-lived; saved as an attachment.")


class StaffRecord(BaseModel):
    registration_id: str
    status: Status
    given_names: str
    family_name: str
    date_of_birth: date
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
    documents: list[StaffDocument]


class AuditItem(BaseModel):
    at: str
    actor: str
    action: str
    registration_id: str | None
    document_id: str | None
    detail: str | None


class AuditList(BaseModel):
    items: list[AuditItem]
    next_cursor: None = None


class QueueByExpiry(BaseModel):
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
