"""The DynamoDB table definition, read from the one place it is written: infra/resources.json.

Tests and the local stack create their table from here, so the emulated table can never
drift from the deployed one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("resources.json")

_CREATE_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


def table_properties() -> dict[str, Any]:
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    props: dict[str, Any] = template["Resources"]["Table"]["Properties"]
    return props


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for `dynamodb.create_table` that mirror the CloudFormation resource."""
    props = table_properties()
    kwargs: dict[str, Any] = {key: props[key] for key in _CREATE_TABLE_KEYS if key in props}
    kwargs["TableName"] = table_name
    return kwargs


def create_table(client: Any, table_name: str) -> None:
    """Create the table (and wait for it) with the template's keys, indexes and TTL."""
    client.create_table(**create_table_kwargs(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name)
    ttl = table_properties().get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
