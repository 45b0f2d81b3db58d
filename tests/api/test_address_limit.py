"""No mail cannon (issue 16, item 2): an e-mail address gets at most three registrations a day,
counted under a keyed hash of the address; the table never holds the address for it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chalice.test import Client

from chalicelib.config import REGISTRATIONS_PER_ADDRESS
from tests.api.test_registration import post, problem, table_items
from tests.applicant_flow import register, registration_body
from tests.conftest import FixedClock, sent_mails

TARGET = "Victim.Mailbox@example.org"


@pytest.fixture(autouse=True)
def three_a_day(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The cloud's setting (infra/functions.json), before the app reads its settings."""
    monkeypatch.setenv(REGISTRATIONS_PER_ADDRESS, "3")


def test_the_fourth_registration_to_one_address_in_a_day_is_refused(
    client: Client, clock: FixedClock
) -> None:
    for n in range(3):
        answer = post(client, registration_body(family_name=f"Random{'abc'[n]}", email=TARGET))
        assert answer.status_code == 201, answer.body

    fourth = post(client, registration_body(family_name="Randomd", email=TARGET.lower()))

    found = problem(fourth, 429, "too_many_registrations")
    assert "try again tomorrow" in found["detail"]
    assert len([m for m in sent_mails() if m["To"].lower() == TARGET.lower()]) == 3
    # Nothing stored holds the address for the count: a keyed hash and a number.
    counts = [i for i in table_items() if i["PK"]["S"].startswith("ADDRESS#")]
    assert len(counts) == 1 and counts[0]["registrations"]["N"] == "3"
    assert "victim" not in json.dumps(counts).lower()
    # Another address, and the next day, are not affected.
    assert (
        post(client, registration_body(family_name="Other", email="x@example.org")).status_code
        == 201
    )
    clock.now += timedelta(days=1)
    assert post(client, registration_body(family_name="Randomd", email=TARGET)).status_code == 201


def test_attempts_on_a_held_identity_count_and_the_holder_is_not_mailed_more_than_three_times(
    client: Client,
) -> None:
    register(client)  # olena.k@example.org holds the identity: one mail
    for n in range(4):
        post(client, registration_body(email=f"stranger{n}@example.org"))
    notices = [m for m in sent_mails() if m["To"] == "olena.k@example.org"]
    assert len(notices) == 3  # the registration link and two notices: three a day
