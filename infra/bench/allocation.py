"""Figures 1 and 2: what one allocation run reads, writes and sends, against the queue length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.ses import SesMailer
from chalicelib.config import DEFAULT_SERVICE_HOURS, parse_service_hours
from chalicelib.domain.schedule import ArrivalPlan
from chalicelib.services.allocation import AllocationService, RunSummary
from chalicelib.services.links import Links
from infra.bench.counting import AwsCalls
from infra.bench.seeding import seed_waiting

OFFICE = "stuttgart"
# Tuesday 24 November 2026, 07:45 in Stuttgart: a run time of a workday.
RUN_AT = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)
BENCH_KEY = b"bench-only-key-not-secret"  # signs the mails' links and entrance passes


@dataclass(frozen=True)
class AllocationCost:
    slots: int
    waiting: int
    summary: RunSummary
    calls: AwsCalls
    seconds: float

    @property
    def items_read(self) -> int:
        return self.calls.items_read


def allocation_service(dynamodb: Any, sesv2: Any, table: str, sender: str, slots: int) -> Any:
    """The service as bootstrap.py builds it, with `slots` appointments on every weekday and
    windows wide enough for them."""
    return AllocationService(
        DynamoAllocationRepository(dynamodb, table),
        SesMailer(sesv2, sender),
        office_id=OFFICE,
        default_slots=dict.fromkeys(range(7), slots),
        arrivals=ArrivalPlan(parse_service_hours(DEFAULT_SERVICE_HOURS)),
        web_base_url="https://termin.example",
        retention_days=30,
        links=Links("https://termin.example", BENCH_KEY),
        entrance_key=BENCH_KEY,
    )


def measure_allocation(
    dynamodb: Any, sesv2: Any, table: str, sender: str, *, slots: int, waiting: int
) -> AllocationCost:
    """Seed `waiting` registrations into an empty table, then count one run of `slots`.

    The clients must point at an emulation holding `table` and the verified `sender`."""
    seed_waiting(dynamodb, table, OFFICE, waiting)
    calls = AwsCalls()
    service = allocation_service(calls.attach(dynamodb), calls.attach(sesv2), table, sender, slots)
    started = perf_counter()
    summary = service.allocate_day(RUN_AT)
    seconds = perf_counter() - started
    if summary.invited != min(slots, waiting) or summary.mails_sent != summary.invited:
        raise AssertionError(f"the run did not fill the day: {summary.as_dict()}")
    return AllocationCost(slots, waiting, summary, calls, seconds)
