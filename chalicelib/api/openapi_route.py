"""GET /openapi.json. The description (api/openapi.py) loads every route's schemas, the staff
console's too: it is imported on the first request that asks for it, not by the applicant API
function's cold start (docs/performance.md 7.4)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response

openapi_routes = Blueprint(__name__)


@openapi_routes.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    from chalicelib.api.openapi import openapi_document  # noqa: PLC0415

    return json_response(openapi_document())
