"""The applicant API function (handler `chalicelib.applicant_api.app`): registering, the status
page, uploads and the rest of `/registrations`, the office's facts and `/openapi.json`.

Its cold start is the one people wait for (at 07:45 thousands of them): it imports the
applicant's routes and nothing of the staff console's (`/staff/*`, chalicelib/staff_api.py),
docs/performance.md 7.4. infra/finalize.py points API Gateway's paths at the two functions.
"""

from __future__ import annotations

from chalicelib.api.applicant import applicant_routes
from chalicelib.api.apps import service_app
from chalicelib.api.office import office_routes
from chalicelib.api.openapi_route import openapi_routes

APPLICANT_BLUEPRINTS = (applicant_routes, openapi_routes, office_routes)

app = service_app(*APPLICANT_BLUEPRINTS)
