"""A Query or Scan read to its end over pages (adapters/dynamo_pages.py), on moto: `Limit`
makes DynamoDB stop a page early and give LastEvaluatedKey, as 1 MB does in the cloud."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.adapters import dynamo_pages
from tests.conftest import REGION, TEST_ENV


@pytest.fixture
def call(aws: None) -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    for n in range(7):
        client.put_item(
            TableName=TEST_ENV["TABLE_NAME"],
            Item={"PK": {"S": "PAGES#a"}, "SK": {"S": f"{n:02d}"}, "n": {"N": str(n)}},
        )
    client.put_item(
        TableName=TEST_ENV["TABLE_NAME"], Item={"PK": {"S": "PAGES#b"}, "SK": {"S": "00"}}
    )
    calls: list[dict[str, Any]] = []

    def counted(operation: str, **request: Any) -> Any:
        calls.append({"operation": operation, **request})
        return getattr(client, operation)(**request)

    counted.calls = calls  # type: ignore[attr-defined]
    return counted


def _query(**extra: Any) -> dict[str, Any]:
    return {
        "TableName": TEST_ENV["TABLE_NAME"],
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "PAGES#a"}},
        "Limit": 3,
        **extra,
    }


def test_items_follow_every_page_in_order(call: Any) -> None:
    request = _query()
    found = [item["SK"]["S"] for item in dynamo_pages.items(call, "query", request)]
    assert found == ["00", "01", "02", "03", "04", "05", "06"]
    assert len(call.calls) == 3  # 3 + 3 + 1
    assert call.calls[1]["ExclusiveStartKey"] == {"PK": {"S": "PAGES#a"}, "SK": {"S": "02"}}
    assert "ExclusiveStartKey" not in request  # the caller's request is left as it was


def test_a_page_is_asked_for_only_when_the_previous_one_is_taken(call: Any) -> None:
    pages = dynamo_pages.pages(call, "query", _query())
    next(pages)
    assert len(call.calls) == 1


def test_count_adds_the_pages_counts(call: Any) -> None:
    assert dynamo_pages.count(call, _query(Select="COUNT")) == 7
    assert len(call.calls) == 3


def test_a_scan_reads_the_whole_table(call: Any) -> None:
    request = {"TableName": TEST_ENV["TABLE_NAME"], "Limit": 2}
    keys = {
        (item["PK"]["S"], item["SK"]["S"]) for item in dynamo_pages.items(call, "scan", request)
    }
    assert len(keys) == 8
    assert len(call.calls) >= 4  # pages of 2 (DynamoDB may add an empty last one)
    assert all(c["operation"] == "scan" for c in call.calls)
