"""The scheduled functions: parse the event, call one service."""

from __future__ import annotations

from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Cron

from chalicelib.bootstrap import container
from chalicelib.domain.schedule import RunVerdict
from chalicelib.observability import (
    bind_correlation_id,
    publishes_metrics,
    record_allocation_duration,
)

scheduled_jobs = Blueprint(__name__)

# EventBridge rules, which Chalice creates from these expressions, know only UTC. 07:45 in
# Stuttgart is 05:45 UTC in summer and 06:45 UTC in winter (10:15 is 08:15 or 09:15), so each
# rule fires at both candidates and the function acts only when the event's scheduled `time`,
# read in Europe/Berlin, is exactly a run time of a workday (domain/schedule.py); the other
# candidate, weekends and holidays do nothing. This needs nothing beside Chalice: no
# EventBridge Scheduler schedules, roles or time zone settings in infra/, and the one rule that
# decides is the code the tests run over a whole year of events.
ALLOCATION_MON_TUE_WED_FRI = Cron(45, "5,6", "?", "*", "MON,TUE,WED,FRI", "*")
ALLOCATION_THU = Cron(15, "8,9", "?", "*", "THU", "*")
# The top-up runs: every quarter hour from 06:00 to 14:45 UTC on weekdays (08:00 to 15:45 local
# in winter and summer alike), acting only at a configured local time (TOP_UP_TIMES, config.py).
TOP_UP = Cron("0,15,30,45", "6-14", "?", "*", "MON-FRI", "*")
# 20:30 UTC is 21:30 or 22:30 in Stuttgart: after closing, and always the same local date.
END_OF_DAY = Cron(30, 20, "*", "*", "?", "*")
# 02:30 UTC, every night: after the evening's end-of-day job has set the day's final statuses.
PURGE = Cron(30, 2, "*", "*", "?", "*")


@scheduled_jobs.schedule(
    ALLOCATION_MON_TUE_WED_FRI, name="allocate_morning", description="Allocation 07:45 Berlin"
)
@publishes_metrics
def allocate_morning(event: CloudWatchEvent) -> dict[str, Any]:
    return _allocate(event)


@scheduled_jobs.schedule(ALLOCATION_THU, name="allocate_thursday", description="Allocation 10:15")
@publishes_metrics
def allocate_thursday(event: CloudWatchEvent) -> dict[str, Any]:
    return _allocate(event)


@scheduled_jobs.schedule(TOP_UP, name="top_up", description="Top-up runs (released places)")
@publishes_metrics
def top_up(event: CloudWatchEvent) -> dict[str, Any]:
    bind_correlation_id(event.event_id)
    services = container()
    started = monotonic()
    summary = services.allocation.top_up_on_schedule(scheduled_time(event), services.clock())
    if summary.verdict is RunVerdict.RUN:
        record_allocation_duration(timedelta(seconds=monotonic() - started))
    return summary.as_dict()


@scheduled_jobs.schedule(END_OF_DAY, name="end_of_day", description="No-shows of the day")
@publishes_metrics
def end_of_day(event: CloudWatchEvent) -> dict[str, Any]:
    bind_correlation_id(event.event_id)
    services = container()
    return services.allocation.end_day_on_schedule(
        scheduled_time(event), services.clock()
    ).as_dict()


@scheduled_jobs.schedule(PURGE, name="purge_expired", description="Erasure after retention")
@publishes_metrics
def purge_expired(event: CloudWatchEvent) -> dict[str, Any]:
    bind_correlation_id(event.event_id)
    return container().retention.purge(scheduled_time(event)).as_dict()


def _allocate(event: CloudWatchEvent) -> dict[str, Any]:
    bind_correlation_id(event.event_id)
    services = container()
    started = monotonic()
    summary = services.allocation.allocate_on_schedule(scheduled_time(event), services.clock())
    if summary.verdict is RunVerdict.RUN:
        record_allocation_duration(timedelta(seconds=monotonic() - started))
    return summary.as_dict()


def scheduled_time(event: CloudWatchEvent) -> datetime:
    """The instant the rule fired for (EventBridge's `time`, UTC), not when it arrived."""
    scheduled = datetime.fromisoformat(event.time)
    if scheduled.tzinfo is None:
        raise ValueError("the event's time carries no offset")
    return scheduled
