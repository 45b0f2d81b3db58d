"""Applicant routes: public, the registration's access token is the only key.

The routes that take a body import their request models (api/schemas.py, pydantic) when they
are first called: the status read, which people wait for at 07:45, loads no pydantic; its answer
is built by api/views.py (docs/performance.md 7.4).
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import bearer_token, empty_response, json_response, parse_body, route
from chalicelib.api.views import registration_view
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.registration import NewDocument, NewRegistration

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
    from chalicelib.api.schemas import ProofOfWorkChallenge  # noqa: PLC0415  (module docstring)

    c = container()
    challenge = c.proof_of_work.challenge(c.clock())
    return json_response(ProofOfWorkChallenge.model_validate(challenge.as_dict()))


@route(applicant_routes, "/registrations", methods=["POST"])
def register() -> Response:
    from chalicelib.api.schemas import (  # noqa: PLC0415  (module docstring)
        RegistrationCreated,
        RegistrationRequest,
    )

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
    from chalicelib.api.schemas import (  # noqa: PLC0415  (module docstring)
        DocumentRequest,
        UploadForm,
        UploadGranted,
    )

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
    from chalicelib.api.schemas import CorrectionRequest  # noqa: PLC0415  (module docstring)

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
