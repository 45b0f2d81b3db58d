"""The office's public facts and retention periods: what the legal pages fill in."""

from __future__ import annotations

from dataclasses import asdict

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response, route
from chalicelib.api.office_schemas import OfficeFacts, OfficeView, RetentionDays
from chalicelib.bootstrap import container
from chalicelib.domain.office import office
from chalicelib.services.retention import retention_periods

office_routes = Blueprint(__name__)


@route(office_routes, "/office", methods=["GET"])
def office_facts() -> Response:
    settings = container().settings
    # The same settings the nightly purge is built from (bootstrap.py), so the privacy
    # notice cannot show another period than the one applied.
    periods = retention_periods(settings.retention_days, settings.identity_hold_days)
    view = OfficeView(
        office=OfficeFacts.model_validate(office(settings.office_id).facts),
        region=settings.region,
        retention_days=RetentionDays(**asdict(periods)),
    )
    return json_response(view)
