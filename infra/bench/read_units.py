"""DynamoDB read units by partition, from the bytes of the items each read evaluated.

DynamoDB's rules (developer guide, "Read/write capacity mode" and "Item sizes"): an item's size
is the sum of its attribute names' and values' lengths (UTF-8 strings, numbers about one byte
per two significant digits plus one, 1 byte for a boolean or null, 3 bytes plus one per element
for a list or map); a GetItem reads its item rounded up to 4 KB, a BatchGetItem each item so; a
Query or Scan reads the sum of the items it evaluated (counted or filtered out too), rounded up
to 4 KB once per page; one unit per 4 KB strongly consistent, half a unit eventually consistent
(a global secondary index is always read so), twice that in a transaction.

A `Select=COUNT` Query returns no items, so the meter asks the same page again for its items on
its own client (not counted) to know their bytes.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import boto3

UNIT = 4096


def value_size(value: dict[str, Any]) -> int:  # noqa: PLR0911  (one case per type)
    ((kind, inner),) = value.items()
    if kind in ("S", "B"):
        return len(inner.encode() if isinstance(inner, str) else inner)
    if kind == "N":
        digits = Decimal(inner).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind in ("SS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    if kind == "NS":
        return sum(value_size({"N": v}) for v in inner)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    """The size DynamoDB gives an item (in its wire form)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def units(size: int, *, consistent: bool) -> float:
    return math.ceil(size / UNIT) * (1.0 if consistent else 0.5)


class ReadMeter:
    """Read units and bytes per partition ("table/PK" or "table/index/GSI1PK") of every
    DynamoDB read the clients made while attached."""

    def __init__(self, region: str) -> None:
        self.units: defaultdict[str, float] = defaultdict(float)
        self.bytes: Counter[str] = Counter()
        self.items = 0
        self._requests: dict[int, dict[str, Any]] = {}
        self._own = boto3.client("dynamodb", region_name=region)  # made before attaching
        self._busy = False

    def reset(self) -> None:
        self.units.clear()
        self.bytes.clear()
        self.items = 0

    @property
    def total_units(self) -> float:
        return sum(self.units.values())

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes.values())

    @contextmanager
    def on_default_session(self) -> Iterator[ReadMeter]:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        events = boto3.DEFAULT_SESSION.events
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)
        try:
            yield self
        finally:
            events.unregister("before-call.dynamodb", self._before)
            events.unregister("after-call.dynamodb", self._after)

    def _before(self, model: Any, params: dict[str, Any], context: Any, **_: Any) -> None:
        body = params.get("body") or b"{}"
        self._requests[id(context)] = json.loads(body)

    def _after(self, model: Any, parsed: dict[str, Any], context: Any, **_: Any) -> None:
        request = self._requests.pop(id(context), {})
        if self._busy or "Error" in parsed:
            return
        self._busy = True
        try:
            self._count(model.name, request, parsed)
        finally:
            self._busy = False

    def _add(self, partition: str, size: int, read_units: float, items: int) -> None:
        self.bytes[partition] += size
        self.units[partition] += read_units
        self.items += items

    def _count(self, operation: str, request: dict[str, Any], parsed: dict[str, Any]) -> None:
        consistent = bool(request.get("ConsistentRead"))
        table = request.get("TableName", "")
        if operation == "GetItem" and "Item" in parsed:
            size = item_size(parsed["Item"])
            self._add(
                f"{table}/{parsed['Item']['PK']['S']}", size, units(size, consistent=consistent), 1
            )
        elif operation == "BatchGetItem":
            for name, items in parsed.get("Responses", {}).items():
                strong = bool(request["RequestItems"][name].get("ConsistentRead"))
                for item in items:
                    size = item_size(item)
                    self._add(f"{name}/{item['PK']['S']}", size, units(size, consistent=strong), 1)
        elif operation in ("Query", "Scan"):
            items = parsed.get("Items")
            if (
                items is None
                or request.get("Select") == "COUNT"
                or "ProjectionExpression" in request
            ):
                again = {
                    k: v for k, v in request.items() if k not in ("Select", "ProjectionExpression")
                }
                items = self._own.query(**again).get("Items", []) if operation == "Query" else []
            size = sum(item_size(i) for i in items)
            index = request.get("IndexName")
            key = (request.get("ExpressionAttributeValues") or {}).get(":pk", {}).get("S", "?")
            partition = f"{table}/{index}/{key}" if index else f"{table}/{key}"
            strong = consistent and not index
            self._add(partition, size, units(max(size, 1), consistent=strong), len(items))
