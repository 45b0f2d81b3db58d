"""Structured JSON logs and CloudWatch metrics (Powertools). Ids and counts, never personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache, wraps
from typing import Any, ParamSpec, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE_NAME = "notfalltermin"

P = ParamSpec("P")
R = TypeVar("R")


@cache
def log() -> Logger:
    # Created on first use so that importing the app reads no environment.
    return Logger(service=SERVICE_NAME)


def bind_correlation_id(correlation_id: str | None) -> None:
    log().set_correlation_id(correlation_id)


# -- metrics ------------------------------------------------------------------------------
# CloudWatch embedded metric format: one JSON line on stdout per invocation, turned into
# metrics by CloudWatch Logs. Namespace "Notfalltermin", one dimension `service`. Names and
# units are listed in the README runbook; the alarms in infra/resources.json use them. No
# dimension may name a person or a registration: ids belong in logs, not in metrics.

METRICS_NAMESPACE = "Notfalltermin"

REGISTRATIONS_CREATED = "RegistrationsCreated"
DOCUMENTS_VERIFIED = "DocumentsVerified"
DOCUMENTS_READ = "DocumentsRead"
DOCUMENTS_UNREADABLE = "DocumentsUnreadable"
DOCUMENTS_REJECTED = "DocumentsRejected"
MAILS_SENT = "MailsSent"
MAILS_FAILED = "MailsFailed"
MAILS_UNDELIVERABLE = "MailsUndeliverable"
QUEUE_LENGTH = "QueueLength"
OLDEST_EXPIRY_WAITING_DAYS = "OldestExpiryWaitingDays"
INVITATIONS = "Invitations"
NO_SHOWS = "NoShows"
ALLOCATION_DURATION = "AllocationDuration"
ALLOCATION_MISSED = "AllocationMissed"


@cache
def metrics() -> Metrics:
    # Created on first use, like the logger; namespace and service are fixed, not read
    # from the environment, so the alarms can rely on them.
    return Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)


def _count(name: str, value: float = 1) -> None:
    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def record_registration_created() -> None:
    _count(REGISTRATIONS_CREATED)


def record_document_settled(verified: bool) -> None:
    _count(DOCUMENTS_VERIFIED if verified else DOCUMENTS_REJECTED)


def record_document_read(readable: bool) -> None:
    """A passport or title was read by machine: its zone found (check digits holding) or not."""
    _count(DOCUMENTS_READ if readable else DOCUMENTS_UNREADABLE)


def record_mail_sent() -> None:
    _count(MAILS_SENT)


def record_mail_failed() -> None:
    _count(MAILS_FAILED)


def record_mail_undeliverable() -> None:
    _count(MAILS_UNDELIVERABLE)


def record_queue_length(waiting: int) -> None:
    """Registrations waiting in the queue (after a run, or whenever it was counted)."""
    _count(QUEUE_LENGTH, waiting)


def record_oldest_expiry_waiting(title_expires_on: date, today: date) -> None:
    """Days since the earliest title expiry in the queue (negative: it expires later)."""
    _count(OLDEST_EXPIRY_WAITING_DAYS, (today - title_expires_on).days)


def record_invitations(given: int) -> None:
    """Appointments given by one allocation run."""
    _count(INVITATIONS, given)


def record_no_shows(marked: int) -> None:
    _count(NO_SHOWS, marked)


def record_allocation_duration(duration: timedelta) -> None:
    metrics().add_metric(
        name=ALLOCATION_DURATION,
        unit=MetricUnit.Milliseconds,
        value=duration.total_seconds() * 1000,
    )


def record_allocation_missed(missed: bool) -> None:
    """Emitted by the end-of-day job on every workday: 1 when no run gave out the day."""
    _count(ALLOCATION_MISSED, 1 if missed else 0)


def flush_metrics() -> None:
    """Write what this invocation recorded as one EMF line; nothing when nothing was recorded."""
    recorder = metrics()
    if recorder.metric_set:
        recorder.flush_metrics()
        # With POWERTOOLS_METRICS_DISABLED set, flushing neither prints nor forgets.
        recorder.clear_metrics()


def publish_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware for every kind of function (HTTP, schedule, SNS): flush per invocation."""
    try:
        return get_response(event)
    finally:
        flush_metrics()


PUBLISHES_METRICS = "publishes_metrics"


def publishes_metrics(handler: Callable[P, R]) -> Callable[P, R]:
    """Flush after each call of a blueprint's event handler; put it under the Chalice decorator.

    In Lambda such a handler's module is imported without app.py, so the app's middleware
    (publish_metrics) never wraps it (aws/chalice#1566): it has to flush by itself."""

    @wraps(handler)
    def publishing(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        finally:
            flush_metrics()

    setattr(publishing, PUBLISHES_METRICS, True)  # a marker the tests look for
    return publishing
