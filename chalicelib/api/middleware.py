"""HTTP middleware: request logging with a correlation id, problem+json for every error,
security headers on every answer."""

from __future__ import annotations

import json
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib.api.problems import NO_STORE, PROBLEM_CONTENT_TYPE, from_chalice_error
from chalicelib.bootstrap import container
from chalicelib.config import ConfigurationError
from chalicelib.observability import bind_correlation_id, log

# Every answer of the API is JSON (or empty): nothing in it is ever to be sniffed as another
# type, rendered as a page, framed, run as script or sent on as a referrer; the API is HTTPS
# only, in the cloud and for the browsers that once saw it (issue 16, item 7; ASVS V14.4).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def answer_every_error_as_problem(
    event: Request, get_response: Callable[[Request], Response]
) -> Response:
    context = event.context or {}
    bind_correlation_id(context.get("requestId"))
    response = get_response(event)
    content_type = _header(response, "content-type")
    if response.status_code >= 400 and content_type != PROBLEM_CONTENT_TYPE:
        # Chalice answered on its own (415, malformed JSON, an unhandled exception).
        response = from_chalice_error(response.status_code, _chalice_message(response))
    for name, value in {**NO_STORE, **SECURITY_HEADERS}.items():
        response.headers.setdefault(name, value)
    _allow_origin(event, response)
    log().info(
        "request",
        method=event.method,
        route=context.get("resourcePath"),
        status=response.status_code,
    )
    return response


def _allow_origin(request: Request, response: Response) -> None:
    origin = request.headers.get("origin") if request.headers else None
    if not origin:
        return
    try:
        allowed = container().settings.allowed_origins
    except ConfigurationError:
        return
    if origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    elif response.status_code < 400 and request.method == "OPTIONS":
        response.headers.pop("Access-Control-Allow-Methods", None)
        response.headers.pop("Access-Control-Allow-Headers", None)


def _header(response: Response, name: str) -> str:
    for key, value in response.headers.items():
        if key.lower() == name:
            return str(value).split(";")[0].strip().lower()
    return ""


def _chalice_message(response: Response) -> str:
    body = response.body
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            return "The request was refused."
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        return str(body["Message"])
    return "The request was refused."
