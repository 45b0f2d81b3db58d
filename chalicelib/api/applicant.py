"""Applicant routes: public, the registration's access token is the only key."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint, Response

from chalicelib.api.http import bearer_token, empty_response, json_response, parse_body, route
from chalicelib.api.schemas import (
    AppointmentView,
    CorrectionRequest,
    DocumentRequest,
    DocumentView,
    MismatchView,
    ProofOfWorkChallenge,
    RegistrationCreated,
    RegistrationRequest,
    RegistrationView,
    UploadForm,
    UploadGranted,
)
from chalicelib.bootstrap import container
from chalicelib.domain.calendar import office_today
from chalicelib.domain.documents import Document
from chalicelib.domain.entrance_code import entrance_pass
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.registration import AT_THE_DESK, Appointment, Registration, Status
from chalicelib.domain.verification import check_document
from chalicelib.mail import map_link
from chalicelib.services.registration import NewDocument, NewRegistration, RegistrationStatus

applicant_routes = Blueprint(__name__)


def _token() -> str:
    token = bearer_token(applicant_routes.current_request)
    if token is None:
        raise Unauthorized(
            "Open the link from your registration e-mail; it carries your access key."
        )
    return token


@route(applicant_routes, "/registrations/challenge", methods=["GET"])
def registration_challenge() -> Response:
    c = container()
    challenge = c.proof_of_work.challenge(c.clock())
    return json_response(ProofOfWorkChallenge.model_validate(challenge.as_dict()))


@route(applicant_routes, "/registrations", methods=["POST"])
def register() -> Response:
    body = parse_body(applicant_routes.current_request, RegistrationRequest)
    c = container()
    now = c.clock()
    # Anti-automation at the public edge, before anything is written: one solved challenge
    # buys one attempt (services/proof_of_work.py).
    c.proof_of_work.redeem(body.altcha, now)
    registered = c.applicants.register(
        NewRegistration(**body.model_dump(exclude={"privacy_consent", "altcha"})), now
    )
    created = RegistrationCreated(
        registration_id=registered.registration_id, status=registered.status
    )
    return json_response(created, status=201)


@route(applicant_routes, "/registrations/{registration_id}", methods=["GET"])
def get_registration(registration_id: str) -> Response:
    c = container()
    return json_response(
        registration_view(c.applicants.status(registration_id, _token(), c.clock()))
    )


@route(applicant_routes, "/registrations/{registration_id}/confirm-email", methods=["POST"])
def confirm_email(registration_id: str) -> Response:
    c = container()
    status = c.applicants.confirm_email(registration_id, _token(), c.clock())
    return json_response(registration_view(status))


@route(applicant_routes, "/registrations/{registration_id}/documents", methods=["POST"])
def request_upload(registration_id: str) -> Response:
    token = _token()
    body = parse_body(applicant_routes.current_request, DocumentRequest)
    c = container()
    granted = c.applicants.request_upload(
        registration_id, token, NewDocument(**body.model_dump()), c.clock()
    )
    answer = UploadGranted(
        document_id=granted.document_id,
        upload=UploadForm(
            url=granted.grant.url,
            fields=granted.grant.fields,
            expires_at=granted.expires_at.isoformat(timespec="seconds"),
        ),
    )
    return json_response(answer, status=201)


@route(applicant_routes, "/registrations/{registration_id}/submit", methods=["POST"])
def submit(registration_id: str) -> Response:
    c = container()
    return json_response(
        registration_view(c.applicants.submit(registration_id, _token(), c.clock()))
    )


@route(applicant_routes, "/registrations/{registration_id}/corrections", methods=["POST"])
def correct(registration_id: str) -> Response:
    token = _token()
    body = parse_body(applicant_routes.current_request, CorrectionRequest)
    changes = {k: str(v) for k, v in body.model_dump(mode="json", exclude_none=True).items()}
    c = container()
    return json_response(
        registration_view(c.applicants.correct(registration_id, token, changes, c.clock()))
    )


@route(applicant_routes, "/registrations/{registration_id}/release", methods=["POST"])
def release(registration_id: str) -> Response:
    """ "I can't come today": today's place goes to someone else; the person keeps theirs in
    the queue and is not invited again today (issue 13)."""
    token = _token()
    c = container()
    now = c.clock()
    registration = c.applicants.authorize(registration_id, token)
    c.allocation.release(registration, now)
    return json_response(registration_view(c.applicants.status(registration_id, token, now)))


@route(applicant_routes, "/registrations/{registration_id}", methods=["DELETE"])
def withdraw(registration_id: str) -> Response:
    token = _token()
    c = container()
    now = c.clock()
    # Withdrawn on the day of the appointment, before its window ends: the place goes back to
    # its window first, for the next top-up run (issue 13).
    c.allocation.give_back_place(c.applicants.authorize(registration_id, token), now)
    c.applicants.withdraw(registration_id, token, now)
    return empty_response()


def registration_view(status: RegistrationStatus) -> RegistrationView:
    r = status.registration
    appointment = appointment_view(r.appointment)
    can_release = False
    if appointment is not None and r.status in AT_THE_DESK:
        c = container()
        now = c.clock()
        today = office_today(now)
        can_release = (
            r.status is Status.INVITED
            and r.queued_at is not None  # invited from review: withdraw, not release
            and appointment.date == today
            and now < datetime.fromisoformat(appointment.window_end)
        )
        if appointment.date == today and r.reference:
            # Signed with the link key, as the invitation's QR code is, without building the
            # allocation service: a status read needs none of its modules (performance.md 7.4).
            signed = entrance_pass(c.settings.link_key, r.office_id, today, r.reference)
            appointment = appointment.model_copy(update={"entrance_pass": signed})
    return RegistrationView(
        registration_id=r.registration_id,
        status=r.status,
        given_names=r.given_names,
        family_name=r.family_name,
        date_of_birth=r.date_of_birth,
        title_type=r.title_type,
        title_expires_on=r.title_expires_on,
        documents=[document_view(r, d) for d in r.documents],
        missing_documents=r.missing_documents,
        queue_position=status.queue_position,
        appointment=appointment,
        reference=r.reference,
        can_release=can_release,
        released_on=r.released_on,
    )


def document_view(registration: Registration, document: Document) -> DocumentView:
    checked = check_document(registration, document)
    return DocumentView(
        document_id=document.document_id,
        kind=document.kind,
        filename=document.filename,
        status=document.status.value,
        check=checked.check,
        mismatches=[
            MismatchView(
                field=m.field, typed=m.typed, document=m.document, correctable=m.correctable
            )
            for m in checked.mismatches
        ],
    )


def appointment_view(appointment: Appointment | None) -> AppointmentView | None:
    if appointment is None:
        return None
    return AppointmentView(
        date=appointment.date,
        window_start=appointment.window_start,
        window_end=appointment.window_end,
        address=appointment.address,
        map_link=map_link(appointment.address),
    )
