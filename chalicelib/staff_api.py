"""The staff API function (handler `chalicelib.staff_api.app`): the staff console's and the
desk's routes, every path under `/staff`, each behind a Cognito staff token (api/staff_auth.py).
"""

from __future__ import annotations

from chalicelib.api.apps import service_app
from chalicelib.api.desk import desk_routes
from chalicelib.api.staff import staff_routes

STAFF_BLUEPRINTS = (staff_routes, desk_routes)

app = service_app(*STAFF_BLUEPRINTS)
