"""Request plumbing shared by every route: body parsing, bearer tokens, JSON answers."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from chalice.app import Request, Response

from chalicelib.api.problems import NO_STORE, from_domain_error, from_validation_error
from chalicelib.domain.errors import DomainError, PayloadTooLarge

if TYPE_CHECKING:
    # Not imported at run time: a route without a body (the status read) loads no pydantic;
    # a route with one has imported it with its request model (docs/performance.md 7.4).
    from pydantic import BaseModel

MAX_BODY_BYTES = 16 * 1024

M = TypeVar("M", bound="BaseModel")
P = ParamSpec("P")


def parse_body(request: Request, model: type[M]) -> M:
    """`model` validated from the JSON body; PayloadTooLarge over MAX_BODY_BYTES, ValidationFailed
    or MalformedRequest (api/problems.py) when it does not fit."""
    from pydantic import ValidationError  # noqa: PLC0415  (loaded with `model`, see above)

    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body may be at most {MAX_BODY_BYTES} bytes.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise from_validation_error(error) from None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def json_response(body: BaseModel | dict[str, Any], status: int = 200) -> Response:
    """`body` (a response model, or a JSON object built by api/views.py) as application/json."""
    payload = body if isinstance(body, dict) else body.model_dump(mode="json")
    return Response(
        body=json.dumps(payload, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json", **NO_STORE},
    )


def empty_response(status: int = 204) -> Response:
    return Response(body="", status_code=status, headers=dict(NO_STORE))


def answers_problems(view: Callable[P, Response]) -> Callable[P, Response]:
    """Let a view raise domain errors; they leave as problem+json, mapped in one place."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            return from_domain_error(error)

    return wrapper


_PREFLIGHT_PATHS: set[str] = set()


def route(blueprint: Any, path: str, **options: Any) -> Callable[[Callable[P, Response]], Any]:
    """`blueprint.route`, with the view's domain errors answered as problem+json, and a CORS
    preflight answer for the path (the allowed origins are settings, read per request)."""

    def register(view: Callable[P, Response]) -> Any:
        # One preflight per path of the app, whichever blueprint serves its methods.
        if path not in _PREFLIGHT_PATHS:
            _PREFLIGHT_PATHS.add(path)
            blueprint.route(
                path,
                methods=["OPTIONS"],
                name=f"preflight{path}".replace("/", "_").replace("{", "").replace("}", ""),
            )(preflight)
        return blueprint.route(path, **options)(answers_problems(view))

    return register


def preflight(**_: str) -> Response:
    # The CORS headers themselves are added by the middleware for allowed origins.
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
            "Access-Control-Max-Age": "600",
        },
    )
