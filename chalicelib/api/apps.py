"""The Chalice app of a function that answers HTTP: the API's middleware and its blueprints."""

from __future__ import annotations

from chalice.app import Blueprint, Chalice

from chalicelib.api.middleware import answer_every_error_as_problem
from chalicelib.observability import publish_metrics

APP_NAME = "notfalltermin"


def service_app(*blueprints: Blueprint) -> Chalice:
    """The service's Chalice app with `blueprints` registered, in order.

    Each Lambda function builds one app of the blueprints it serves (app.py: all of them, for
    `chalice package`, `chalice local` and the tests; chalicelib/applicant_api.py and
    chalicelib/staff_api.py: the API's two functions). One per process: Chalice registers a
    blueprint with one app only (a second registration loses the routes' methods)."""
    # Chalice would add its own plain-text handler to the "notfalltermin" logger, which
    # Powertools already writes as JSON: one handler, one line per event.
    app = Chalice(app_name=APP_NAME, configure_logs=False)
    app.register_middleware(publish_metrics, "all")
    app.register_middleware(answer_every_error_as_problem, "http")
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
