"""The OpenAPI 3 description of the service, generated from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import schemas
from chalicelib.api.http import json_response

openapi_routes = Blueprint(__name__)

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
                "accessToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The access token from the registration e-mail's link.",
                }
            },
        },
        "paths": {
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
                        **_problems(400, 409, 413, 415, 422, 503),
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
                    "security": _TOKEN,
                    "responses": {"200": view, **_problems(401, 404, 409, 503)},
                },
            },
        },
    }


@openapi_routes.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    return json_response(openapi_document())
