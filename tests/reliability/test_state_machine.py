"""A stateful property test over the whole life of registrations (Hypothesis
RuleBasedStateMachine on moto): register, upload, submit, withdraw, allocate, check-in,
no-show, capacity changes, the end of the day, and days passing. After every step:

- at most one active registration per person (and the person locks agree);
- no day ever has more appointments given than its capacity when it was given, and no
  registration holds two invitations;
- no registration is lost: each one ever made is still there, in a status it may have
  reached from the one last seen;
- every run invites in queue order: nobody left waiting by a run was ahead of anyone it
  invited.

ASVS V11.1 (business logic: sequential steps, limits, no skipping), V1.11.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from moto import mock_aws

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.dynamo_verification import DynamoVerification
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository, deserialize
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.config import DEFAULT_SERVICE_HOURS, parse_service_hours
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import OFFICE_TZ, office_today
from chalicelib.domain.documents import ContentType, DocumentKind
from chalicelib.domain.errors import DomainError
from chalicelib.domain.registration import (
    TRANSITIONS,
    UNCONFIRMED_REPLACEABLE_AFTER,
    Status,
    TitleType,
)
from chalicelib.domain.schedule import ArrivalPlan, run_time
from chalicelib.services.allocation import AllocationService
from chalicelib.services.links import Links
from chalicelib.services.ports import MailMessage
from chalicelib.services.registration import (
    ApplicantService,
    NewDocument,
    NewRegistration,
    upload_key,
)
from chalicelib.services.verification import VerificationService
from infra.table import create_table
from tests.applicant_flow import PDF
from tests.conftest import REGION, TEST_ENV
from tests.reliability.conftest import FULL, Figures
from tests.zone_documents import ZoneTextReader, documents_for

pytestmark = pytest.mark.reliability

OFFICE = "stuttgart"
TABLE = TEST_ENV["TABLE_NAME"]
BUCKET = TEST_ENV["DOCUMENTS_BUCKET"]
SLOTS = {0: 2, 1: 2, 2: 2, 3: 2, 4: 2}
PEOPLE = [
    ("Olena", "Kovalenko"),
    ("Ahmad", "Rahimi"),
    ("Zoë", "Ünal"),
    ("Li", "Wei"),
    ("Amina", "Diallo"),
    ("Jorge", "Pérez"),
    ("Oksana", "Melnyk"),
    ("Farid", "Haddad"),
]
START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday 23 November 2026, 06:00 in Stuttgart
_MACHINE_FIGURES = Figures()


class RecordingMailer:
    """Mail accepted at once; the link's token is taken from the registration mail."""

    def __init__(self) -> None:
        self.sent: list[MailMessage] = []

    def send(self, message: MailMessage) -> str:
        self.sent.append(message)
        return f"m{len(self.sent)}"


def reachable(before: Status, after: Status) -> bool:
    """`after` is `before`, or lies on a path of allowed moves from it."""
    seen, frontier = {before}, [before]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return after in seen


@dataclass
class Held:
    """A registration as its applicant holds it: the id and the link's token."""

    registration_id: str
    token: str
    person: int


class RegistrationLife(RuleBasedStateMachine):
    registrations = Bundle("registrations")

    def __init__(self) -> None:
        super().__init__()
        self._aws = mock_aws()
        self._aws.start()
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_table(ddb, TABLE)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.s3 = s3
        self.ddb = ddb
        self.mailer = RecordingMailer()
        self.repository = DynamoRegistrationRepository(ddb, TABLE)
        # Documents are read at once (our ReadRequests port, in process) by the reader of the
        # zones test files carry as text (tests/zone_documents.py).
        self.verification = VerificationService(
            DynamoVerification(self.repository),
            lambda: ZoneTextReader(s3, BUCKET),
            lambda: self,
            office_id=OFFICE,
            identity_secret=b"state-machine-identity-key",
            retention_days=30,
        )
        self.applicants = ApplicantService(
            self.repository,
            S3DocumentStore(s3, BUCKET),
            self.mailer,
            identity_secret=b"state-machine-identity-key",
            office_id=OFFICE,
            web_base_url="http://form.example",
            retention_days=30,
            verification=self.verification,
            links=Links("http://form.example", b"state-machine-link-key"),
        )
        self.days = DynamoAllocationRepository(ddb, TABLE)
        self.allocation = AllocationService(
            self.days,
            self.mailer,
            office_id=OFFICE,
            default_slots=SLOTS,
            arrivals=ArrivalPlan(parse_service_hours(DEFAULT_SERVICE_HOURS)),
            entrance_key=b"state-machine-link-key",
            web_base_url="http://form.example",
            retention_days=30,
        )
        self.now = START
        self.last_seen: dict[str, Status] = {}
        self.registered: dict[str, tuple[int, datetime]] = {}  # id: the person, when
        self.steps = 0
        self.violations = 0
        self.invited_on: date | None = None  # the last day a run gave appointments

    def teardown(self) -> None:
        _MACHINE_FIGURES.add("state_machine.steps", tried=self.steps, bad=self.violations)
        self._aws.stop()

    # -- helpers ------------------------------------------------------------------------------

    def _token_of(self, registration_id: str) -> str:
        for message in reversed(self.mailer.sent):
            marker = f"#id={registration_id}&token="
            if marker in message.text:
                return message.text.split(marker, 1)[1].split()[0].split("&")[0]
        raise AssertionError("no registration mail")

    def _seen(self, registration_id: str, status: Status) -> None:
        self.last_seen[registration_id] = status

    def _items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": TABLE}
        while True:
            page = self.ddb.scan(**request)
            items.extend(deserialize(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _attempt(self, action: Any) -> Any:
        """Run a use case; a refusal the rules allow (a domain error) is an answer, not a bug."""
        self.steps += 1
        try:
            return action()
        except DomainError:
            return None

    # -- rules --------------------------------------------------------------------------------

    @initialize(target=registrations)
    def a_queue_to_start_with(self) -> Any:
        """Three people wait on Monday morning, so that the runs have someone to invite."""
        self.now = START
        return multiple(*(self.register_and_queue(p, e) for p, e in ((0, 2), (1, -3), (2, 5))))

    @rule(
        target=registrations,
        person=st.integers(0, len(PEOPLE) - 1),
        expires_in=st.integers(-20, 7),
    )
    def register(self, person: int, expires_in: int) -> Held:
        return self._register(person, expires_in)

    def _register(self, person: int, expires_in: int) -> Held:
        given, family = PEOPLE[person]
        unconfirmed = [
            registration_id
            for registration_id, (someone, _) in self.registered.items()
            if someone == person and self.last_seen.get(registration_id) is Status.EMAIL_UNVERIFIED
        ]
        registered = self._attempt(
            lambda: self.applicants.register(
                NewRegistration(
                    given_names=given,
                    family_name=family,
                    date_of_birth=BirthDate(1980 + person, 1, 1),
                    nationality="UKR",
                    email=f"p{person}@example.org",
                    language="en",
                    title_type=TitleType.VISA,
                    title_number=None,
                    title_expires_on=office_today(self.now) + timedelta(days=expires_in),
                ),
                self.now,
            )
        )
        registration = registered.registration if registered is not None else None
        if registration is None:
            # The person has one already: the same answer as a new one, nothing stored.
            return Held("0" * 32, "refused", person)
        for replaced in unconfirmed:
            # The person's unconfirmed registration gave way to this one: erased, not lost, and
            # only once UNCONFIRMED_REPLACEABLE_AFTER had passed.
            assert self.now - self.registered[replaced][1] >= UNCONFIRMED_REPLACEABLE_AFTER
            del self.last_seen[replaced]
        self.registered[registration.registration_id] = (person, self.now)
        self._seen(registration.registration_id, registration.status)
        return Held(
            registration.registration_id, self._token_of(registration.registration_id), person
        )

    @rule(
        target=registrations,
        person=st.integers(0, len(PEOPLE) - 1),
        expires_in=st.integers(-20, 7),
    )
    def register_and_queue(self, person: int, expires_in: int) -> Held:
        """Register, confirm, upload both documents, submit: the common path, in one step."""
        held = self._register(person, expires_in)
        self.do_everything_right(held)
        return held

    @rule(held=registrations)
    def confirm(self, held: Held) -> None:
        self._attempt(
            lambda: self.applicants.confirm_email(held.registration_id, held.token, self.now)
        )

    def request_read(self, registration_id: str, document_id: str) -> None:
        self.verification.read_document(registration_id, document_id, self.now)

    def _genuine(self, held: Held, kind: DocumentKind) -> bytes:
        """A document whose zone says what the person typed (any kind: the reader decides)."""
        registration = self.repository.get(held.registration_id)
        if registration is None:
            return PDF
        given, family = PEOPLE[held.person]
        typed = {
            "given_names": given,
            "family_name": family,
            "date_of_birth": registration.date_of_birth.isoformat(),
            "nationality": "UKR",
            "title_expires_on": registration.title_expires_on.isoformat(),
        }
        kind_name = "passport" if kind is DocumentKind.PASSPORT else "residence_title"
        return documents_for(typed)[kind_name]

    @rule(held=registrations, kind=st.sampled_from(list(DocumentKind)), genuine=st.booleans())
    def upload(self, held: Held, kind: DocumentKind, genuine: bool) -> None:
        content = self._genuine(held, kind) if genuine else b"<html>not a pdf</html>"
        granted = self._attempt(
            lambda: self.applicants.request_upload(
                held.registration_id,
                held.token,
                NewDocument(kind, "scan.pdf", ContentType.PDF, len(content)),
                self.now,
            )
        )
        if granted is not None:
            self.s3.put_object(
                Bucket=BUCKET,
                Key=upload_key(held.registration_id, granted.document_id),
                Body=content,
                ContentType="application/pdf",
            )

    @rule(held=registrations)
    def do_everything_right(self, held: Held) -> None:
        """Confirm, upload both documents, submit: the common path, to reach the queue often."""
        self.confirm(held)
        self.upload(held, DocumentKind.PASSPORT, True)
        self.upload(held, DocumentKind.RESIDENCE_TITLE, True)
        self.submit(held)

    @rule(held=registrations)
    def submit(self, held: Held) -> None:
        self._attempt(lambda: self.applicants.submit(held.registration_id, held.token, self.now))

    @rule(held=consumes(registrations))
    def withdraw(self, held: Held) -> None:
        self._attempt(lambda: self.applicants.withdraw(held.registration_id, held.token, self.now))

    @precondition(lambda self: run_time(office_today(self.now)) is not None)
    @rule()
    def allocate(self) -> None:
        today = office_today(self.now)
        at = run_time(today)
        assert at is not None
        run_at = datetime.combine(today, at, OFFICE_TZ).astimezone(UTC)
        self.now = max(self.now, run_at)
        waiting_before = {
            r.registration_id: r.queue_key or "" for r in self.days.waiting(OFFICE, None, 1000)
        }
        summary = self._attempt(lambda: self.allocation.allocate_day(self.now))
        if summary is None:
            return
        _MACHINE_FIGURES.add("state_machine.invitations", tried=summary.invited)
        if summary.invited:
            self.invited_on = today
        if summary.given_after > summary.capacity and summary.invited > 0:
            self.violations += 1
        assert summary.invited == 0 or summary.given_after <= summary.capacity
        invited = [
            i.queue_key for i in self.days.invitations(OFFICE, today) if i.run_id == summary.run_id
        ]
        assert invited == sorted(invited), "a run invited out of queue order"
        if invited:
            left_behind = [
                key
                for rid, key in waiting_before.items()
                if key not in invited and self._status(rid) is Status.WAITING
            ]
            ahead = [key for key in left_behind if key < max(invited)]
            self.violations += bool(ahead)
            assert ahead == [], "a run passed over someone ahead in the queue"

    def _todays_open_invitation(self, pick: int) -> str | None:
        """The registration of one of today's invitations nobody has closed yet: the person
        staff have in front of them (or did not see come)."""
        today = office_today(self.now)
        open_ids = [
            i.registration_id for i in self.days.invitations(OFFICE, today) if not i.outcome
        ]
        return open_ids[pick % len(open_ids)] if open_ids else None

    @precondition(lambda self: run_time(office_today(self.now)) is not None)
    @rule(outcomes=st.lists(st.sampled_from(["served", "rejected", "absent"]), max_size=4))
    def a_day_at_the_office(self, outcomes: list[str]) -> None:
        """The morning's run, the people at the desk one after another, the evening's job."""
        self.allocate()
        for pick, outcome in enumerate(outcomes):
            if outcome != "absent":
                self.check_in(pick, outcome == "served")
        self.end_of_day()

    def _invited_today(self) -> bool:
        return self.invited_on == office_today(self.now)

    @precondition(_invited_today)
    @rule(pick=st.integers(0, 3), correct=st.booleans())
    def check_in(self, pick: int, correct: bool) -> None:
        registration_id = self._todays_open_invitation(pick)
        if registration_id is None:
            return
        done = self._attempt(
            lambda: self.allocation.check_in(
                registration_id,
                data_correct=correct,
                reason=None if correct else "wrong date of birth",
                staff="desk",
                now=self.now,
            )
        )
        _MACHINE_FIGURES.add("state_machine.check_ins", tried=done is not None)

    @rule(held=registrations, correct=st.booleans())
    def check_in_anyone(self, held: Held, correct: bool) -> None:
        """Check-in of any registration, invited today or not (mostly refused)."""
        self._attempt(
            lambda: self.allocation.check_in(
                held.registration_id, data_correct=correct, reason="x", staff="desk", now=self.now
            )
        )

    @precondition(_invited_today)
    @rule(pick=st.integers(0, 3))
    def no_show(self, pick: int) -> None:
        registration_id = self._todays_open_invitation(pick)
        if registration_id is not None:
            self._attempt(lambda: self.allocation.no_show_now(registration_id, self.now))

    @rule(days_ahead=st.integers(0, 3), slots=st.integers(0, 4))
    def set_capacity(self, days_ahead: int, slots: int) -> None:
        day = office_today(self.now) + timedelta(days=days_ahead)
        self._attempt(lambda: self.allocation.set_capacity(day, slots))

    @rule()
    def end_of_day(self) -> None:
        today = office_today(self.now)
        evening = datetime.combine(today, time(21, 0), OFFICE_TZ).astimezone(UTC)
        self.now = max(self.now, evening)
        self._attempt(lambda: self.allocation.end_day(today, self.now))

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    # -- invariants -----------------------------------------------------------------------------

    def _status(self, registration_id: str) -> Status | None:
        answer = self.ddb.get_item(
            TableName=TABLE,
            Key={"PK": {"S": f"REG#{registration_id}"}, "SK": {"S": "REG"}},
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return Status(item["status"]["S"]) if item else None

    @invariant()
    def invariants_hold(self) -> None:
        items = self._items()
        self._one_active_registration_per_person(items)
        self._no_day_over_capacity_and_no_double_booking(items)
        self._no_registration_lost(items)

    def _one_active_registration_per_person(self, items: list[dict[str, Any]]) -> None:
        regs = [i for i in items if i["SK"] == "REG"]
        active = Counter(i["identity_key"] for i in regs if not Status(i["status"]).is_final)
        locks = {i["registration_id"] for i in items if str(i["PK"]).startswith("PERSON#")}
        active_ids = {i["registration_id"] for i in regs if not Status(i["status"]).is_final}
        broken = sum(n - 1 for n in active.values()) + len(active_ids ^ locks)
        self.violations += broken
        assert broken == 0

    def _no_day_over_capacity_and_no_double_booking(self, items: list[dict[str, Any]]) -> None:
        invitations = [i for i in items if str(i["SK"]).startswith("INV#")]
        per_registration = Counter(i["registration_id"] for i in invitations)
        per_day = Counter(str(i["PK"]) for i in invitations)
        counters = {str(i["PK"]): int(i.get("given", 0)) for i in items if i["SK"] == "DAY"}
        double = sum(n - 1 for n in per_registration.values())
        mismatched = sum(1 for pk, n in per_day.items() if counters.get(pk) != n)
        runs = [i for i in items if str(i["SK"]).startswith("RUN#")]
        over = sum(
            1
            for r in runs
            if int(r["given_after"]) > max(int(r["capacity"]), int(r["given_before"]))
        )
        self.violations += double + mismatched + over
        assert (double, mismatched, over) == (0, 0, 0)

    def _no_registration_lost(self, items: list[dict[str, Any]]) -> None:
        stored = {i["registration_id"]: Status(i["status"]) for i in items if i["SK"] == "REG"}
        for registration_id, before in list(self.last_seen.items()):
            now = stored.get(registration_id)
            lost = now is None or not reachable(before, now)
            self.violations += lost
            assert not lost, (registration_id, before, now)
            assert now is not None
            self.last_seen[registration_id] = now


def test_registration_life_keeps_its_invariants(env: dict[str, str], figures: Figures) -> None:
    machine = RegistrationLife.TestCase
    machine.settings = settings(
        max_examples=60 if FULL else 8,
        stateful_step_count=50 if FULL else 40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine().runTest()
    counts = {
        key: _MACHINE_FIGURES.counts.pop(key, {"tried": 0, "bad": 0})
        for key in ("state_machine.steps", "state_machine.invitations", "state_machine.check_ins")
    }
    for key, count in counts.items():
        figures.add(key, tried=count["tried"], bad=count["bad"])
    # The runs reached the interesting states: appointments were given and checked in.
    assert counts["state_machine.invitations"]["tried"] > 0
    assert counts["state_machine.check_ins"]["tried"] > 0
