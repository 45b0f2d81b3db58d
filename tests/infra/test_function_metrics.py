"""Every asynchronously invoked function publishes its own metrics, as Lambda runs it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from chalicelib.observability import PUBLISHES_METRICS
from infra.finalize import API_HANDLERS
from tests.infra.conftest import Packaged


def user_function(handler: str) -> Any:
    """The function behind a packaged Handler string, as the Lambda runtime imports it."""
    module_name, _, attribute = handler.rpartition(".")
    wrapped = getattr(importlib.import_module(module_name), attribute)
    return getattr(wrapped, "func", wrapped)


def test_blueprint_event_handlers_flush_their_own_metrics(packaged: Packaged) -> None:
    # Lambda imports a blueprint handler's module (e.g. chalicelib.jobs) without app.py, so the
    # app's publish_metrics middleware never wraps it (aws/chalice#1566). Such a handler needs
    # @publishes_metrics under its Chalice decorator, or its metrics (AllocationMissed!) are
    # never written.
    handlers = {
        logical_id: function["Properties"]["Handler"]
        for logical_id, function in packaged.functions.items()
        if logical_id not in API_HANDLERS  # the API's apps have the middleware (api/apps.py)
    }
    assert "MailEvents" in handlers
    silent = sorted(
        f"{logical_id} ({handler})"
        for logical_id, handler in handlers.items()
        if not getattr(user_function(handler), PUBLISHES_METRICS, False)
    )
    if silent and all("chalicelib.jobs." in name for name in silent):
        pytest.xfail(
            "chalicelib/jobs.py (allocation, in progress elsewhere) still needs "
            "@publishes_metrics under each @scheduled_jobs.schedule: " + ", ".join(silent)
        )
    assert silent == []
