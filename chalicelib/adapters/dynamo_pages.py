"""A Query or Scan read to its end: DynamoDB answers at most 1 MB a page and says where to go on
(LastEvaluatedKey, to send back as ExclusiveStartKey)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def pages(
    call: Callable[..., Any], operation: str, request: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every page `call(operation, **request)` answers ("query" or "scan"), the next asked for
    only when the previous one has been taken. `request` itself is left as it is."""
    request = dict(request)
    while True:
        page: dict[str, Any] = call(operation, **request)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def items(
    call: Callable[..., Any], operation: str, request: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The items of every page, in DynamoDB's JSON (adapters/dynamodb.py `deserialize`)."""
    for page in pages(call, operation, request):
        yield from page.get("Items", [])


def count(call: Callable[..., Any], request: dict[str, Any]) -> int:
    """How many items a Query with `"Select": "COUNT"` matches, over all its pages."""
    return sum(int(page["Count"]) for page in pages(call, "query", request))
