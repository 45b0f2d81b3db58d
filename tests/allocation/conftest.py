"""Allocation fixtures: a waiting queue on moto, the service built on chosen clients."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto.core.botocore_stubber import BotocoreStubber

from app import app
from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
from chalicelib.adapters.ses import SesMailer
from chalicelib.config import DEFAULT_SERVICE_HOURS, LINK_KEY, parse_service_hours
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.registration import Registration, Status, TitleType
from chalicelib.domain.schedule import ArrivalPlan
from chalicelib.domain.tokens import new_id
from chalicelib.services.allocation import AllocationService
from chalicelib.services.links import Links
from chalicelib.services.ports import Clock
from infra.local_secrets import LOCAL_KEYS
from tests.conftest import REGION, TEST_ENV, FixedClock, sent_mails

OFFICE = "stuttgart"
# Tuesday 24 November 2026, 07:45 in Stuttgart (winter time): a run time.
TUESDAY_RUN = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)
TUESDAY = date(2026, 11, 24)
SLOTS = {0: 3, 1: 3, 2: 3, 3: 2, 4: 3}


@pytest.fixture(autouse=True)
def one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve moto's in-process requests one at a time, as DynamoDB serialises each request
    (moto restores a whole table snapshot when a transaction fails, which would undo another
    thread's write). Threads still interleave between calls, where a run's races are."""
    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def serialized(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", serialized)


@pytest.fixture
def ddb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def registrations(ddb: Any) -> DynamoRegistrationRepository:
    return DynamoRegistrationRepository(ddb, TEST_ENV["TABLE_NAME"])


@pytest.fixture
def days(ddb: Any) -> DynamoAllocationRepository:
    return DynamoAllocationRepository(ddb, TEST_ENV["TABLE_NAME"])


def build_service(
    dynamodb: Any | None = None,
    sesv2: Any | None = None,
    *,
    slots: dict[int, int] | None = None,
    table: str | None = None,
    clock: Clock | None = None,
    top_up_times: dict[int, tuple[time, ...]] | None = None,
) -> AllocationService:
    """The service on the given clients (fresh ones by default), with small capacities."""
    return AllocationService(
        DynamoAllocationRepository(
            dynamodb or boto3.client("dynamodb", region_name=REGION),
            table or TEST_ENV["TABLE_NAME"],
        ),
        SesMailer(sesv2 or boto3.client("sesv2", region_name=REGION), TEST_ENV["MAIL_SENDER"]),
        office_id=OFFICE,
        default_slots=SLOTS if slots is None else slots,
        arrivals=ArrivalPlan(parse_service_hours(DEFAULT_SERVICE_HOURS), window_minutes=30),
        web_base_url=TEST_ENV["WEB_BASE_URL"],
        retention_days=30,
        clock=clock,
        top_up_times=top_up_times,
        links=Links(TEST_ENV["WEB_BASE_URL"], LOCAL_KEYS[LINK_KEY].encode()),
        entrance_key=LOCAL_KEYS[LINK_KEY].encode(),
    )


@pytest.fixture
def allocation(aws: None) -> AllocationService:
    return build_service()


@dataclass
class Queue:
    """Waiting registrations written through the repository's own state changes."""

    repository: DynamoRegistrationRepository
    people: list[Registration] = field(default_factory=list)
    prefix: str = "p"

    def add(
        self,
        expires_on: date = date(2026, 11, 26),
        queued_at: str | None = None,
        registration_id: str | None = None,
        language: str = "en",
    ) -> Registration:
        n = len(self.people)
        registration = Registration(
            registration_id=registration_id or new_id(),
            status=Status.EMAIL_UNVERIFIED,
            given_names="Given",
            family_name=f"Family{n}",
            date_of_birth=BirthDate(1990, 1, 1),
            nationality="UKR",
            email=f"{self.prefix}{n}@example.org",
            language=language,
            title_type=TitleType.RESIDENCE_PERMIT,
            title_number=None,
            title_expires_on=expires_on,
            token_hash="hash",
            identity_key=f"{self.prefix}-identity-{n}",
            created_at="2026-11-20T09:00:00.000000Z",
            office_id=OFFICE,
        )
        queued_at = queued_at or f"2026-11-20T09:{n // 60:02d}:{n % 60:02d}.000000Z"
        self.repository.create(registration)
        self.repository.confirm_email(registration.registration_id, "2026-11-20T09:00:00.000000Z")
        self.repository.enqueue(registration, queued_at)
        stored = self.repository.get(registration.registration_id)
        assert stored is not None
        self.people.append(stored)
        return stored

    def fill(self, count: int, expires_on: date = date(2026, 11, 26)) -> list[Registration]:
        return [self.add(expires_on) for _ in range(count)]

    def in_order(self) -> list[Registration]:
        return sorted(self.people, key=lambda r: r.queue_key or "")

    def email_of(self, registration_id: str) -> str:
        return next(r.email for r in self.people if r.registration_id == registration_id)


@pytest.fixture
def queue(registrations: DynamoRegistrationRepository) -> Queue:
    return Queue(registrations)


def mails_by_recipient(subject_part: str = "") -> Counter[str]:
    return Counter(
        str(m["To"]) for m in sent_mails() if subject_part.lower() in str(m["Subject"]).lower()
    )


def scheduled_event(time: datetime | str) -> dict[str, Any]:
    """An EventBridge scheduled event for `time` (Chalice's own carries a 2015 timestamp)."""
    stamp = time if isinstance(time, str) else time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": new_id(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": stamp,
        "region": REGION,
        "resources": ["arn:aws:events:eu-central-1:123456789012:rule/test"],
        "detail": {},
    }


def invited_ids(days: DynamoAllocationRepository, day: date = TUESDAY) -> list[str]:
    return [i.registration_id for i in days.invitations(OFFICE, day)]


@pytest.fixture
def client(clock: FixedClock) -> Iterator[Client]:
    """Chalice's test client on the real app (routes and scheduled functions), over moto."""
    with Client(app) as test_client:
        yield test_client
