"""The OpenAPI 3 description of the service, generated from the pydantic models (served by
api/openapi_route.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import office_schemas, schemas, staff_schemas

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _problems(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": "Problem",
            "content": {PROBLEM: {"schema": _ref(schemas.Problem)}},
        }
        for status in statuses
    }


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


_ID = {
    "name": "registration_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
}
_TOKEN: list[dict[str, list[str]]] = [{"accessToken": []}]

_MODELS: tuple[type[BaseModel], ...] = (
    schemas.RegistrationRequest,
    schemas.ProofOfWorkChallenge,
    schemas.RegistrationCreated,
    schemas.RegistrationView,
    schemas.DocumentRequest,
    schemas.UploadGranted,
    schemas.Problem,
    staff_schemas.QueueList,
    staff_schemas.AppointmentList,
    staff_schemas.StaffRecord,
    staff_schemas.CheckInRequest,
    staff_schemas.CheckInResult,
    staff_schemas.CapacityList,
    staff_schemas.CapacityDay,
    staff_schemas.CapacityRequest,
    staff_schemas.AllocationRequest,
    staff_schemas.AuditList,
    schemas.CorrectionRequest,
    staff_schemas.ReviewList,
    staff_schemas.ReviewRequest,
    staff_schemas.ReviewResult,
    staff_schemas.LiftHoldRequest,
    staff_schemas.VoidRequest,
    office_schemas.OfficeView,
    staff_schemas.DeskPerson,
    staff_schemas.DeskPeople,
    staff_schemas.ArrivalRequest,
    staff_schemas.ArrivalResult,
    staff_schemas.LookupRequest,
    staff_schemas.SearchRequest,
    staff_schemas.SearchResult,
    staff_schemas.UndoRequest,
    staff_schemas.UndoResult,
    staff_schemas.AllocationDay,
)


@cache
def openapi_document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(m, "validation" if m.__name__.endswith("Request") else "serialization") for m in _MODELS],
        ref_template=REF,
    )
    view = _json(schemas.RegistrationView, "The registration as the applicant sees it")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Notfalltermin",
            "version": "1.0.0",
            "description": "Emergency appointments of the immigration office, by expiry date.",
        },
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {
                "staffToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito access token of the staff user pool.",
                },
                "accessToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The access token from the registration e-mail's link.",
                },
            },
        },
        "paths": {
            "/office": {
                "get": {
                    "operationId": "officeFacts",
                    "summary": "The office's public facts and the retention periods in days, "
                    "as the purge applies them (the legal pages show them)",
                    "responses": {
                        "200": _json(office_schemas.OfficeView, "The office"),
                        **_problems(503),
                    },
                }
            },
            "/registrations/challenge": {
                "get": {
                    "operationId": "registrationChallenge",
                    "summary": "A proof-of-work challenge; its solution goes in `altcha`",
                    "responses": {
                        "200": _json(schemas.ProofOfWorkChallenge, "A challenge (ALTCHA v1)"),
                        **_problems(503),
                    },
                }
            },
            "/registrations": {
                "post": {
                    "operationId": "register",
                    "summary": "Register for an emergency appointment",
                    "requestBody": _body(schemas.RegistrationRequest),
                    "responses": {
                        "201": _json(schemas.RegistrationCreated, "Registered; a link was mailed"),
                        **_problems(400, 409, 413, 415, 422, 429, 503),
                    },
                }
            },
            "/registrations/{registration_id}": {
                "parameters": [_ID],
                "get": {
                    "operationId": "getRegistration",
                    "security": _TOKEN,
                    "responses": {"200": view, **_problems(401, 404, 503)},
                },
                "delete": {
                    "operationId": "withdrawRegistration",
                    "security": _TOKEN,
                    "responses": {
                        "204": {"description": "Withdrawn; documents erased"},
                        **_problems(401, 404, 409, 503),
                    },
                },
            },
            "/registrations/{registration_id}/confirm-email": {
                "parameters": [_ID],
                "post": {
                    "operationId": "confirmEmail",
                    "security": _TOKEN,
                    "responses": {"200": view, **_problems(401, 404, 409, 503)},
                },
            },
            "/registrations/{registration_id}/documents": {
                "parameters": [_ID],
                "post": {
                    "operationId": "requestUpload",
                    "security": _TOKEN,
                    "requestBody": _body(schemas.DocumentRequest),
                    "responses": {
                        "201": _json(schemas.UploadGranted, "A presigned POST for one file"),
                        **_problems(400, 401, 404, 409, 413, 415, 422, 503),
                    },
                },
            },
            "/registrations/{registration_id}/submit": {
                "parameters": [_ID],
                "post": {
                    "operationId": "submitRegistration",
                    "summary": "Submit: into the queue when the residence title's machine-readable "
                    "zone matches (waiting), while documents are read (checking), or to staff "
                    "review (in_review)",
                    "security": _TOKEN,
                    "responses": {"200": view, **_problems(401, 404, 409, 503)},
                },
            },
            "/registrations/{registration_id}/corrections": {
                "parameters": [_ID],
                "post": {
                    "operationId": "correctRegistration",
                    "summary": "Correct typed data to what a read document says (and to nothing "
                    "else; 422 correction_not_on_document); kept in the history",
                    "security": _TOKEN,
                    "requestBody": _body(schemas.CorrectionRequest),
                    "responses": {"200": view, **_problems(400, 401, 404, 409, 415, 422, 503)},
                },
            },
            "/registrations/{registration_id}/release": {
                "parameters": [_ID],
                "post": {
                    "operationId": "releaseAppointment",
                    "summary": "I can't come today: today's place goes to someone else; the "
                    "person keeps their place in the queue and is not invited again today "
                    "(409 once arrived or after the window)",
                    "security": _TOKEN,
                    "responses": {"200": view, **_problems(401, 404, 409, 503)},
                },
            },
            **_staff_paths(),
        },
    }


_STAFF: list[dict[str, list[str]]] = [{"staffToken": []}]
_OBJECT = {
    "description": "A summary",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _staff(
    operation_id: str,
    summary: str,
    answer: dict[str, Any],
    *,
    body: type[BaseModel] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    problems: tuple[int, ...] = (),
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "security": _STAFF,
        "responses": {"200": answer, **_problems(401, 403, *problems, 503)},
    }
    if body is not None:
        operation["requestBody"] = _body(body)
    if parameters:
        operation["parameters"] = parameters
    return operation


def _no_content(operation: dict[str, Any]) -> dict[str, Any]:
    """An operation that answers 204 with no body where _staff says 200."""
    responses = operation["responses"]
    responses["204"] = responses.pop("200")
    return operation


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


_DATE = {"type": "string", "format": "date"}


def _staff_paths() -> dict[str, Any]:
    """The staff interface (Cognito access tokens; groups staff and admin)."""
    ids = [_ID]
    return {
        "/staff/queue": {
            "get": _staff(
                "staffQueue",
                "Waiting registrations in queue order",
                _json(staff_schemas.QueueList, "A page of the queue"),
                parameters=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("cursor", {"type": "string"}),
                ],
                problems=(422,),
            )
        },
        "/staff/appointments": {
            "get": _staff(
                "staffAppointments",
                "The day's invitations with arrival window and check-in state",
                _json(staff_schemas.AppointmentList, "The day's list"),
                parameters=[_query("date", _DATE)],
                problems=(422,),
            )
        },
        "/staff/registrations/{registration_id}": {
            "get": _staff(
                "staffRegistration",
                "A registration's full record; the read is audited",
                _json(staff_schemas.StaffRecord, "The full record"),
                parameters=ids,
                problems=(404,),
            )
        },
        "/staff/registrations/search": {
            "post": _staff(
                "staffSearch",
                "A person's one active registration at this office, whatever day they are "
                "invited: names and date of birth (in the body; folded as identities are); "
                "0 or 1 item; audited",
                _json(staff_schemas.SearchResult, "The active registration, or none"),
                body=staff_schemas.SearchRequest,
                problems=(400, 415, 422),
            )
        },
        "/staff/registrations/{registration_id}/check-in": {
            "post": _staff(
                "staffCheckIn",
                "Record the on-site check of today's invitation",
                _json(staff_schemas.CheckInResult, "The new status"),
                body=staff_schemas.CheckInRequest,
                parameters=ids,
                problems=(400, 404, 409, 415, 422),
            )
        },
        "/staff/registrations/{registration_id}/no-show": {
            "post": _staff(
                "staffNoShow",
                "Mark today's invitation as missed, after its window (409 window_not_over "
                "before); mailed when the end of the day makes it final",
                _json(staff_schemas.CheckInResult, "The new status"),
                parameters=ids,
                problems=(404, 409),
            )
        },
        "/staff/registrations/{registration_id}/undo": {
            "post": _staff(
                "staffUndo",
                "Undo the last desk action of today (arrived, served, rejected, no_show) with "
                "a reason (audited); 409 when there is none or the day is final",
                _json(staff_schemas.UndoResult, "The status now and the one undone"),
                body=staff_schemas.UndoRequest,
                parameters=ids,
                problems=(400, 404, 409, 415, 422),
            )
        },
        "/staff/lookup": {
            "get": _staff(
                "staffLookupCode",
                "Today's invitation of a reference (?code=7K3M-Q9XD; loosely typed is fine)",
                _json(staff_schemas.DeskPerson, "The invitation"),
                parameters=[_query("code", {"type": "string"})],
                problems=(404, 422),
            ),
            "post": _staff(
                "staffLookupPerson",
                "Today's invitations of a family name and date of birth (in the body)",
                _json(staff_schemas.DeskPeople, "The matching invitations"),
                body=staff_schemas.LookupRequest,
                problems=(400, 415, 422),
            ),
        },
        "/staff/arrivals": {
            "post": _staff(
                "staffArrival",
                "The entrance: a scanned QR code (pass) or a typed reference (code) -> arrived; "
                "422 pass_invalid, 409 not_today, 404 not_found, 409 invalid_state",
                _json(staff_schemas.ArrivalResult, "Green: the invitation, arrived now or before"),
                body=staff_schemas.ArrivalRequest,
                problems=(400, 404, 409, 415, 422),
            )
        },
        "/staff/capacity": {
            "get": _staff(
                "staffCapacity",
                "Slots per day, given and left, closure days",
                _json(staff_schemas.CapacityList, "One item per day"),
                parameters=[_query("from", _DATE), _query("to", _DATE)],
                problems=(422,),
            )
        },
        "/staff/capacity/{day}": {
            "put": _staff(
                "staffSetCapacity",
                "Set a date's slots, spread over its windows, or each window's places "
                "(admin); 0 closes the day",
                _json(staff_schemas.CapacityDay, "The date's capacity"),
                body=staff_schemas.CapacityRequest,
                parameters=[{"name": "day", "in": "path", "required": True, "schema": _DATE}],
                problems=(400, 413, 415, 422),
            )
        },
        "/staff/allocations": {
            "get": _staff(
                "staffAllocations",
                "The day's scheduled runs, windows and run records: who was invited before "
                "whom, into which window, and why; a notice on a day without a scheduled run",
                _json(staff_schemas.AllocationDay, "The day"),
                parameters=[_query("date", _DATE)],
                problems=(422,),
            ),
            "post": _staff(
                "staffAllocate",
                "Run today's allocation now (admin): the places of windows at least the "
                "minimum notice away; idempotent",
                _OBJECT,
                body=staff_schemas.AllocationRequest,
                problems=(400, 415, 422),
            ),
        },
        "/staff/reviews": {
            "get": _staff(
                "staffReviews",
                "Registrations whose data could not be verified by machine, oldest first; "
                "typed and machine-read data side by side (audited)",
                _json(staff_schemas.ReviewList, "A page of the review list"),
                parameters=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("cursor", {"type": "string"}),
                ],
                problems=(422,),
            )
        },
        "/staff/registrations/{registration_id}/review": {
            "post": _staff(
                "staffReview",
                "Decide a registration in review: verified (into the queue, under the expiry "
                "the document shows) or data_incorrect (rejected; the identity is held)",
                _json(staff_schemas.ReviewResult, "The new status"),
                body=staff_schemas.ReviewRequest,
                parameters=ids,
                problems=(400, 404, 409, 415, 422),
            )
        },
        "/staff/registrations/{registration_id}/lift-hold": {
            "post": _staff(
                "staffLiftHold",
                "Lift the hold on this registration's identity (admin)",
                {"description": "Lifted"},
                body=staff_schemas.LiftHoldRequest,
                parameters=ids,
                problems=(400, 404, 415, 422),
            )
        },
        "/staff/registrations/{registration_id}/void": {
            "post": _no_content(
                _staff(
                    "staffVoid",
                    "Void a registration made with another person's identity (admin; audited, "
                    "its address mailed the reason)",
                    {"description": "Voided"},
                    body=staff_schemas.VoidRequest,
                    parameters=ids,
                    problems=(400, 404, 409, 415, 422),
                )
            )
        },
        "/staff/stats": {
            "get": _staff("staffStats", "Counts per status, queue by expiry, days", _OBJECT)
        },
        "/staff/stats.csv": {
            "get": _staff(
                "staffStatsCsv",
                "The figures as a CSV download (counts only, no personal data; audited as "
                "figures_export): date,appointments,served,rejected,no_shows per day of the "
                "last 14, then queue_by_expiry and status,count",
                {
                    "description": "The CSV (attachment)",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
            )
        },
        "/staff/audit": {
            "get": _staff(
                "staffAudit",
                "The audit trail of a day (admin)",
                _json(staff_schemas.AuditList, "Audit entries"),
                parameters=[_query("date", _DATE)],
                problems=(422,),
            )
        },
    }
