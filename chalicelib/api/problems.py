"""The one place that turns errors into RFC 9457 problem+json answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice.app import Response

from chalicelib.domain.errors import DomainError, FieldError, MalformedRequest, ValidationFailed

if TYPE_CHECKING:
    from pydantic import ValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"
NO_STORE = {"Cache-Control": "no-store"}

# Chalice's own error answers (raised before a view runs) and what they mean to a client.
_CHALICE_CODES = {
    400: "validation_failed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "validation_failed",
    409: "invalid_state",
    413: "payload_too_large",
    415: "validation_failed",
    422: "validation_failed",
    429: "service_unavailable",
}


def problem_body(
    status: int,
    title: str,
    detail: str,
    code: str,
    errors: list[FieldError] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:notfalltermin:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    body.update(extra)
    return body


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=int(body["status"]),
        headers={"Content-Type": PROBLEM_CONTENT_TYPE, **NO_STORE, **(headers or {})},
    )


def from_domain_error(error: DomainError) -> Response:
    headers = {"Retry-After": "5"} if error.status == 503 else None
    return problem_response(
        problem_body(
            error.status, error.title, error.detail, error.code, error.errors, **error.extra
        ),
        headers,
    )


def from_validation_error(error: ValidationError) -> DomainError:
    """Pydantic's findings as field errors; unreadable JSON is a 400, the rest a 422."""
    errors: list[FieldError] = []
    for item in error.errors(include_url=False, include_context=False, include_input=False):
        if item["type"] == "json_invalid":
            return MalformedRequest("The body is not valid JSON.")
        if item["type"] == "model_type" and not item["loc"]:
            return MalformedRequest("The body must be a JSON object.")
        field = ".".join(str(part) for part in item["loc"]) or "body"
        message = str(item["msg"])
        if item["type"] == "extra_forbidden":
            message = "is not a known field"
        errors.append(FieldError(field, message))
    return ValidationFailed("Some fields are not valid.", errors=errors)


def from_chalice_error(status: int, message: str) -> Response:
    """Answers Chalice produced itself (unsupported media type, bad JSON, 500) as problems."""
    if status >= 500:
        return problem_response(
            problem_body(
                500,
                "Internal error",
                "Something went wrong on our side. Nothing you did caused it; please try again.",
                "internal_error",
            )
        )
    code = _CHALICE_CODES.get(status, "validation_failed")
    return problem_response(problem_body(status, "Request refused", message, code))
