"""The first answer of a cold start builds what that answer needs: its AWS clients and services,
no others (issue 17 item 3; counted, never timed: `make bench ARGS=cold-answer` times it)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib import bootstrap
from chalicelib.config import TABLE_NAME
from infra.bench.cold_answer import APP as APPLICANT_FUNCTION
from infra.bench.cold_answer import (
    HEAVY_LIBRARIES,
    emulation,
    first_answer,
    registration_events,
    status_event,
)
from infra.bench.seeding import seed_waiting
from infra.local_stack import REGION
from tests.applicant_flow import JSON, queued, registration_body, with_proof
from tests.conftest import FixedClock


@pytest.fixture
def made(clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """The boto3 clients made from now on, by service, in a fresh container (a cold start's)."""
    clients: Counter[str] = Counter()
    real = bootstrap._make_client

    def counting(service: str) -> Any:
        clients[service] += 1
        return real(service)

    bootstrap.reset()
    bootstrap.container().clock = clock
    monkeypatch.setattr(bootstrap, "_make_client", counting)
    yield clients


@pytest.fixture
def waiting(clock: FixedClock) -> tuple[str, str]:
    with Client(app) as client:
        applicant = queued(client)
    return applicant.registration_id, applicant.token


def test_a_status_read_makes_the_dynamodb_client_only(
    waiting: tuple[str, str], made: Counter[str]
) -> None:
    registration_id, token = waiting
    with Client(app) as client:
        answer = client.http.get(
            f"/registrations/{registration_id}", headers={"Authorization": f"Bearer {token}"}
        )

    assert answer.status_code == 200, answer.body
    assert json.loads(answer.body)["queue_position"] == 1
    assert made == {"dynamodb": 1}
    # Nor is the allocation service built (the entrance pass is signed without it).
    assert "allocation" not in vars(bootstrap.container())


def test_a_registration_makes_the_dynamodb_and_mail_clients_only(
    clock: FixedClock, made: Counter[str]
) -> None:
    with Client(app) as client:
        body = with_proof(client, registration_body())
        made.clear()  # the challenge's answer made none; the registration is the first answer
        answer = client.http.post("/registrations", headers=JSON, body=json.dumps(body))

    assert answer.status_code == 201, answer.body
    assert made == {"dynamodb": 1, "sesv2": 1}


def test_a_cold_status_read_loads_no_pydantic_and_a_registration_what_it_validates_with() -> None:
    """In fresh interpreters, as a cold Lambda answers (the bench's child, AWS a moto server):
    the status read people wait for at 07:45 loads none of the heavy libraries (its answer is
    built by api/views.py); a registration loads pydantic and email-validator for its body and
    Jinja2 for its mail."""
    with emulation() as environment:
        seed_waiting(
            boto3.client("dynamodb", region_name=REGION), environment[TABLE_NAME], "stuttgart", 3
        )
        status = first_answer(APPLICANT_FUNCTION, status_event(2), environment)
        (registering,) = registration_events(1, environment)
        registered = first_answer(APPLICANT_FUNCTION, registering, environment)

    assert status.heavy == ()
    assert set(registered.heavy) == set(HEAVY_LIBRARIES)
