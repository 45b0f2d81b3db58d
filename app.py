"""The Chalice app: wiring only — every blueprint of every function, in one app.

`chalice package` reads the routes and event handlers from it, and `chalice local` and the
tests serve it. In the cloud the API is two functions of the same code, each importing only
its own blueprints (chalicelib/applicant_api.py, chalicelib/staff_api.py, placed by
infra/finalize.py); the event handlers are their modules' functions (chalicelib/jobs.py...).
"""

from __future__ import annotations

from chalicelib.api.applicant import applicant_routes
from chalicelib.api.apps import service_app
from chalicelib.api.desk import desk_routes
from chalicelib.api.office import office_routes
from chalicelib.api.openapi_route import openapi_routes
from chalicelib.api.staff import staff_routes
from chalicelib.jobs import scheduled_jobs
from chalicelib.mail_events import mail_event_handlers
from chalicelib.reading import reading_handlers
from chalicelib.screening import screening_handlers

app = service_app(
    applicant_routes,
    openapi_routes,
    office_routes,
    staff_routes,
    desk_routes,
    scheduled_jobs,
    mail_event_handlers,
    reading_handlers,
    screening_handlers,
)
