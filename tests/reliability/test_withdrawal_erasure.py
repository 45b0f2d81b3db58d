"""Withdrawal erases the person at once (issue 16, item 8): what stays until the purge is what
the counters need, and no name, e-mail, birth date, nationality, identity key or title number.
ASVS V8.3.1, V8.3.8."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests.applicant_flow import queued, register
from tests.conftest import REGION, TEST_ENV
from tests.reliability.conftest import Figures
from tests.staff.conftest import StaffClient, admin, pool

__all__ = ["admin", "pool"]
pytestmark = pytest.mark.reliability

CANARIES = ("Kanarienvogel", "Zwitscher", "canary.bird@example.org", "X9876543", "1987-06-05")
PERSON = {
    "family_name": "Kanarienvogel",
    "given_names": "Zwitscher",
    "email": "canary.bird@example.org",
    "title_number": "X9876543",
    "date_of_birth": "1987-06-05",
}


def items() -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    return list(ddb.scan(TableName=TEST_ENV["TABLE_NAME"])["Items"])


def found(canary: str) -> list[str]:
    return [i["PK"]["S"] + "/" + i["SK"]["S"] for i in items() if canary in json.dumps(i)]


@pytest.mark.parametrize("state", ["email_unverified", "waiting"])
def test_a_withdrawal_leaves_no_trace_of_the_person_in_the_table(
    client: Client, figures: Figures, state: str
) -> None:
    applicant = queued(client, **PERSON) if state == "waiting" else register(client, **PERSON)
    assert found("Kanarienvogel")

    withdrawn = client.http.delete(
        f"/registrations/{applicant.registration_id}", headers=applicant.auth
    )

    assert withdrawn.status_code in (200, 204), withdrawn.body
    left = {canary: found(canary) for canary in CANARIES}
    figures.add(
        "privacy.withdrawal_erasure", tried=len(CANARIES), bad=sum(map(bool, left.values()))
    )
    assert left == {canary: [] for canary in CANARIES}, left
    # The registration still answers its link, as withdrawn, for the counters' sake.
    view = json.loads(applicant.get().body)
    assert view["status"] == "withdrawn"
    [item] = [i for i in items() if i["SK"]["S"] == "REG"]
    assert item["status"]["S"] == "withdrawn" and "expires_at" in item
    assert item["date_of_birth"]["S"] == "1987"


def test_a_voided_registration_is_erased_the_same_way(
    client: Client, admin: StaffClient, figures: Figures
) -> None:
    applicant = queued(client, **PERSON)
    voided = admin.call(
        "POST", f"/staff/registrations/{applicant.registration_id}/void", {"reason": "not hers"}
    )
    assert voided.status_code == 204, voided.body
    left = {canary: found(canary) for canary in CANARIES}
    figures.add(
        "privacy.withdrawal_erasure", tried=len(CANARIES), bad=sum(map(bool, left.values()))
    )
    assert left == {canary: [] for canary in CANARIES}, left
