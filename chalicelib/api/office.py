"""The office's public facts and retention periods: what the legal pages fill in."""

from __future__ import annotations

from dataclasses import asdict

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response, route
from chalicelib.bootstrap import container
from chalicelib.domain.office import office

office_routes = Blueprint(__name__)


@route(office_routes, "/office", methods=["GET"])
def office_facts() -> Response:
    # Loaded here, not by the applicant API function's cold start (docs/performance.md 7.4).
    from chalicelib.api.office_schemas import OfficeFacts, OfficeView, RetentionDays  # noqa: PLC0415
    from chalicelib.services.retention import retention_periods  # noqa: PLC0415

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
