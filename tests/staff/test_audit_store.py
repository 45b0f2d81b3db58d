"""The staff audit in its own table (issue 16, item 4): entries go there, not into the main
table, and are only ever added (a put never replaces an entry)."""

from __future__ import annotations

import json

import boto3
import pytest
from chalice.test import Client

from chalicelib.config import AUDIT_TABLE_NAME
from tests.applicant_flow import queued
from tests.conftest import REGION, TEST_ENV
from tests.staff.conftest import StaffClient

AUDIT_TABLE = "notfalltermin-audit-test"


@pytest.fixture(autouse=True)
def audit_table(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The cloud's setting (infra/functions.json), before the app reads its settings."""
    monkeypatch.setenv(AUDIT_TABLE_NAME, AUDIT_TABLE)


def scan(table: str) -> list[dict[str, object]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    return list(ddb.scan(TableName=table)["Items"])


def test_staff_reads_are_audited_in_their_own_table(
    client: Client, desk: StaffClient, admin: StaffClient
) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=AUDIT_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
    )
    applicant = queued(client)

    assert desk.get(f"/staff/registrations/{applicant.registration_id}").status_code == 200

    entries = scan(AUDIT_TABLE)
    assert {e["action"]["S"] for e in entries} >= {"record_read", "document_url_issued"}  # type: ignore[index]
    main = [i for i in scan(TEST_ENV["TABLE_NAME"]) if str(i["PK"]).find("AUDIT#") >= 0]
    assert main == []
    trail = json.loads(admin.get("/staff/audit?date=2026-11-24").body)["items"]
    assert "record_read" in {e["action"] for e in trail}
