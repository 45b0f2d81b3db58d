"""Staff routes: Cognito-authenticated; every read of personal data is audited."""

from __future__ import annotations

from datetime import date

from chalice.app import Blueprint, Response

from chalicelib.api.applicant import appointment_view
from chalicelib.api.http import json_response
from chalicelib.api.staff_auth import staff_route
from chalicelib.api.staff_schemas import (
    AuditItem,
    AuditList,
    QueueByExpiry,
    QueueItem,
    QueueList,
    StaffDocument,
    StaffRecord,
    mask_document_number,
)
from chalicelib.bootstrap import container
from chalicelib.domain.calendar import office_today
from chalicelib.domain.errors import FieldError, ValidationFailed
from chalicelib.domain.staff import StaffGroup, StaffIdentity

staff_routes = Blueprint(__name__)

MAX_PAGE = 100


def _query(name: str) -> str | None:
    params = staff_routes.current_request.query_params
    value: str | None = params.get(name) if params else None
    return value or None


def _limit() -> int:
    raw = _query("limit")
    if raw is None:
        return 50
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationFailed(
            "limit must be a whole number from 1 to 100.",
            errors=[FieldError("limit", "must be 1 to 100")],
        )
    return int(raw)


def query_date(name: str = "date") -> date | None:
    raw = _query(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date (YYYY-MM-DD).", errors=[FieldError(name, "must be YYYY-MM-DD")]
        ) from None


@staff_route(staff_routes, "/staff/queue", methods=["GET"])
def queue(staff: StaffIdentity) -> Response:
    page = container().staff.queue(_limit(), _query("cursor"))
    items = [
        QueueItem(
            registration_id=r.registration_id,
            queue_position=page.first_position + i,
            family_name=r.family_name,
            given_names=r.given_names,
            nationality=r.nationality,
            title_type=r.title_type,
            title_number=mask_document_number(r.title_number),
            title_expires_on=r.title_expires_on,
            queued_at=r.queued_at,
        )
        for i, r in enumerate(page.registrations)
    ]
    return json_response(QueueList(items=items, next_cursor=page.next_cursor))


@staff_route(staff_routes, "/staff/registrations/{registration_id}", methods=["GET"])
def registration_record(staff: StaffIdentity, registration_id: str) -> Response:
    c = container()
    record = c.staff.full_record(staff, registration_id, c.clock())
    r = record.registration
    body = StaffRecord(
        registration_id=r.registration_id,
        status=r.status,
        given_names=r.given_names,
        family_name=r.family_name,
        date_of_birth=r.date_of_birth,
        nationality=r.nationality,
        email=r.email,
        language=r.language,
        title_type=r.title_type,
        title_number=r.title_number,
        title_expires_on=r.title_expires_on,
        created_at=r.created_at,
        email_confirmed_at=r.email_confirmed_at,
        queued_at=r.queued_at,
        appointment=appointment_view(r.appointment),
        documents=[
            StaffDocument(
                document_id=d.document.document_id,
                kind=d.document.kind,
                filename=d.document.filename,
                content_type=d.document.content_type.value,
                size_bytes=d.document.size_bytes,
                status=d.document.status.value,
                rejection_reason=d.document.rejection_reason.value
                if d.document.rejection_reason
                else None,
                download_url=d.url,
            )
            for d in record.documents
        ],
    )
    return json_response(body)


@staff_route(staff_routes, "/staff/audit", StaffGroup.ADMIN, methods=["GET"])
def audit_trail(staff: StaffIdentity) -> Response:
    c = container()
    day = query_date() or office_today(c.clock())
    entries = c.staff.audit_trail(day)
    return json_response(
        AuditList(
            items=[
                AuditItem(
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    registration_id=e.registration_id,
                    document_id=e.document_id,
                    detail=e.detail,
                )
                for e in entries
            ]
        )
    )


@staff_route(staff_routes, "/staff/stats", methods=["GET"])
def stats(staff: StaffIdentity) -> Response:
    c = container()
    bands = c.staff.queue_bands(c.clock())
    return json_response(
        {
            "counts_by_status": c.staff.status_counts(),
            "queue_by_expiry": QueueByExpiry(
                expired=bands.expired,
                within_2_days=bands.within_2_days,
                within_7_days=bands.within_7_days,
            ).model_dump(),
        }
    )
