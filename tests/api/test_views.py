"""The applicant's views, built as JSON without pydantic (api/views.py), are exactly what their
response models in api/schemas.py — the /openapi.json contract — validate and dump: the same
keys, no more, no fewer, in the same formats."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.api.schemas import AppointmentView, RegistrationView
from chalicelib.api.views import appointment_view, registration_view
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.documents import ContentType, Document, DocumentKind, DocumentStatus
from chalicelib.domain.machine_readable_zone import MachineReadableZone
from chalicelib.domain.registration import Appointment, Registration, RegistrationStatus, Status
from tests.conftest import FixedClock
from tests.registrations import a_registration

TODAY = date(2026, 11, 24)
APPOINTMENT = Appointment(
    date=TODAY,
    window_start="2026-11-24T09:00+01:00",
    window_end="2026-11-24T09:30+01:00",
    address="Eberhardstraße 39, 70173 Stuttgart",
)


def _person(**changes: Any) -> Registration:
    waiting = {
        "registration_id": "0" * 32,
        "status": Status.WAITING,
        "date_of_birth": BirthDate(1991, 4),  # the document shows no day
        "title_expires_on": date(2026, 11, 28),
        "queued_at": "2026-11-20T08:05:00+00:00",
        "reference": "7K3M9QXA",
    }
    return a_registration(**{**waiting, **changes})


def _document(kind: DocumentKind, zone: MachineReadableZone | None, outcome: str) -> Document:
    return Document(
        document_id=f"{kind.value}-1",
        registration_id="0" * 32,
        kind=kind,
        filename="scan.pdf",
        content_type=ContentType.PDF,
        size_bytes=1000,
        status=DocumentStatus.VERIFIED,
        created_at="2026-11-20T08:01:00+00:00",
        upload_expires_at="2026-11-20T08:16:00+00:00",
        object_key="k",
        read_outcome=outcome,
        zone=zone,
    )


# The title's zone says another expiry date and family name than were typed: two mismatches.
TITLE_ZONE = MachineReadableZone(
    document_format="TD1",
    document_code="AR",
    issuing_state="D",
    document_number="Y00000000",
    family_name="KOWALENKO",
    given_names="OLENA",
    nationality="UKR",
    birth_date="9104<<",
    date_of_birth=None,
    expires_on=date(2026, 12, 30),
)


def _round_trip(model: type[BaseModel], view: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_validate(view).model_dump(mode="json")
    return dumped


PEOPLE = {
    "waiting, a title read with mismatches, a passport pending": (
        _person(
            documents=[
                _document(DocumentKind.RESIDENCE_TITLE, TITLE_ZONE, "read"),
                _document(DocumentKind.PASSPORT, None, "pending"),
            ]
        ),
        12,
    ),
    "invited for today: entrance pass, may release": (
        _person(status=Status.INVITED, appointment=APPOINTMENT, date_of_birth=BirthDate(1991)),
        None,
    ),
    "released today, back in the queue": (
        _person(released_on=TODAY, reference=None),
        7,
    ),
}


@pytest.mark.parametrize("name", PEOPLE)
def test_a_registration_view_is_what_its_model_dumps(name: str, clock: FixedClock) -> None:
    clock.set("2026-11-24T07:50:00+00:00")
    person, position = PEOPLE[name]

    view = registration_view(RegistrationStatus(person, position))

    assert view == _round_trip(RegistrationView, view)


def test_the_views_carry_what_the_status_page_shows(clock: FixedClock) -> None:
    clock.set("2026-11-24T07:50:00+00:00")
    waiting, position = PEOPLE["waiting, a title read with mismatches, a passport pending"]
    invited, _ = PEOPLE["invited for today: entrance pass, may release"]

    read = registration_view(RegistrationStatus(waiting, position))
    at_the_desk = registration_view(RegistrationStatus(invited, None))

    assert read["date_of_birth"] == "1991-04"
    assert [d["check"] for d in read["documents"]] == ["mismatch", "pending"]
    assert {m["field"] for m in read["documents"][0]["mismatches"]} == {
        "family_name",
        "title_expires_on",
    }
    assert at_the_desk["date_of_birth"] == "1991"
    assert at_the_desk["can_release"] is True
    assert at_the_desk["appointment"]["entrance_pass"].startswith("NT1:STUTTGART:20261124:")


def test_an_appointment_view_is_what_its_model_dumps() -> None:
    view = appointment_view(APPOINTMENT)

    assert view is not None
    assert view == _round_trip(AppointmentView, view)
    assert appointment_view(None) is None
