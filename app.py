"""The Chalice app: wiring only — middleware and blueprints."""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.api.applicant import applicant_routes
from chalicelib.api.desk import desk_routes
from chalicelib.api.middleware import answer_every_error_as_problem
from chalicelib.api.office import office_routes
from chalicelib.api.openapi import openapi_routes
from chalicelib.api.staff import staff_routes
from chalicelib.jobs import scheduled_jobs
from chalicelib.mail_events import mail_event_handlers
from chalicelib.observability import publish_metrics
from chalicelib.reading import reading_handlers
from chalicelib.screening import screening_handlers

# Chalice would add its own plain-text handler to the "notfalltermin" logger, which
# Powertools already writes as JSON: one handler, one line per event.
app = Chalice(app_name="notfalltermin", configure_logs=False)
app.register_middleware(publish_metrics, "all")
app.register_middleware(answer_every_error_as_problem, "http")
app.register_blueprint(applicant_routes)
app.register_blueprint(openapi_routes)
app.register_blueprint(office_routes)
app.register_blueprint(staff_routes)
app.register_blueprint(desk_routes)
app.register_blueprint(scheduled_jobs)
app.register_blueprint(mail_event_handlers)
app.register_blueprint(reading_handlers)
app.register_blueprint(screening_handlers)
