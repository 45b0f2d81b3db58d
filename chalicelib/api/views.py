"""The applicant's views as JSON objects, built without pydantic.

A status read (`GET /registrations/{id}`) is what thousands of people ask for at 07:45, many of
them from a cold Lambda: answering it loads no pydantic at all (docs/performance.md 7.4). These
functions write the JSON objects directly; their shapes are declared, for /openapi.json, by the
response models of api/schemas.py (`RegistrationView`, `DocumentView`, `MismatchView`,
`AppointmentView`), and tests/api/test_views.py checks that every view built here is exactly what
its model validates and dumps (the same keys, types and formats).

Shapes (JSON): dates "YYYY-MM-DD"; a date of birth with reduced precision ("1990-05", "1990")
when the document shows no day (domain/birth_date.py); enumerations by their values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.bootstrap import container
from chalicelib.domain.calendar import office_today
from chalicelib.domain.documents import Document
from chalicelib.domain.entrance_code import entrance_pass
from chalicelib.domain.registration import (
    AT_THE_DESK,
    Appointment,
    Registration,
    RegistrationStatus,
    Status,
)
from chalicelib.domain.verification import FieldMismatch, check_document
from chalicelib.mail import map_link

JSON = dict[str, Any]


def registration_view(status: RegistrationStatus) -> JSON:
    """The registration as the applicant sees it (schemas.RegistrationView). Today's
    appointment carries the signed entrance pass; `can_release` is true while the person is
    invited for today, has not arrived and the window is not over (issue 13)."""
    r = status.registration
    appointment = appointment_view(r.appointment)
    can_release = False
    if appointment is not None and r.appointment is not None and r.status in AT_THE_DESK:
        c = container()
        now = c.clock()
        today = office_today(now)
        on_today = r.appointment.date == today
        can_release = (
            r.status is Status.INVITED
            and r.queued_at is not None  # invited from review: withdraw, not release
            and on_today
            and now < datetime.fromisoformat(r.appointment.window_end)
        )
        if on_today and r.reference:
            # Signed with the link key, as the invitation's QR code is, without building the
            # allocation service: a status read needs none of its modules (performance.md 7.4).
            appointment["entrance_pass"] = entrance_pass(
                c.settings.link_key, r.office_id, today, r.reference
            )
    return {
        "registration_id": r.registration_id,
        "status": r.status.value,
        "given_names": r.given_names,
        "family_name": r.family_name,
        "date_of_birth": r.date_of_birth.isoformat(),
        "title_type": r.title_type.value,
        "title_expires_on": r.title_expires_on.isoformat(),
        "documents": [document_view(r, d) for d in r.documents],
        "missing_documents": list(r.missing_documents),
        "queue_position": status.queue_position,
        "appointment": appointment,
        "reference": r.reference,
        "can_release": can_release,
        "released_on": r.released_on.isoformat() if r.released_on else None,
    }


def document_view(registration: Registration, document: Document) -> JSON:
    """One uploaded document and what its machine reading found (schemas.DocumentView)."""
    checked = check_document(registration, document)
    return {
        "document_id": document.document_id,
        "kind": document.kind.value,
        "filename": document.filename,
        "status": document.status.value,
        "check": checked.check.value,
        "mismatches": [mismatch_view(m) for m in checked.mismatches],
    }


def mismatch_view(mismatch: FieldMismatch) -> JSON:
    """A field on which a document disagrees with what was typed (schemas.MismatchView)."""
    return {
        "field": mismatch.field.value,
        "typed": mismatch.typed,
        "document": mismatch.document,
        "correctable": mismatch.correctable,
    }


def appointment_view(appointment: Appointment | None) -> JSON | None:
    """Day, arrival window (ISO 8601 times with offset), address and map link
    (schemas.AppointmentView); `entrance_pass` is added on the day itself."""
    if appointment is None:
        return None
    return {
        "date": appointment.date.isoformat(),
        "window_start": appointment.window_start,
        "window_end": appointment.window_end,
        "address": appointment.address,
        "map_link": map_link(appointment.address),
        "entrance_pass": None,
    }
