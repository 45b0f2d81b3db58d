"""The queue's counts: how many wait ahead of a queue key, read in a bounded number of items.

A waiting registration's queue key is `<expires_on>#<queued_at>#<id>` (domain/registration.py,
queued_at fixed-width: `2026-11-20T09:05:13.000000Z`). The counts are a tree over the key's
leading parts, six levels deep, one item per node (PK `QCOUNT#<office>#<prefix>`, SK
`QCOUNT`), each node holding the number waiting under each of its children:

  level  node (prefix of the key)       its children (one attribute each)
  0      ""                             expiry month    2026-11        (12 a year)
  1      2026-11-                       expiry day      20             (≤ 31)
  2      2026-11-20#                    queued month    2026-11        (≤ months of waiting)
  3      2026-11-20#2026-11-            queued day      20             (≤ 31)
  4      2026-11-20#2026-11-20T         queued hour     09             (≤ 24)
  5      2026-11-20#2026-11-20T09:      queued minute   05             (≤ 60)

Everyone ahead of a key either lies under a smaller sibling of one of the key's six nodes'
children (counted by that node's attribute) or shares the key's minute bucket, the key's first
27 characters (counted on the queue index, `GSI1SK BETWEEN bucket AND key`): each person ahead
is counted exactly once. A read is one BatchGetItem of six small items and one Query over one
minute's entries of one expiry date, whatever the position (docs/performance.md).

Every transaction that puts a registration into the queue index's QUEUE# partition or takes
one out carries `updates(key, ±1)` (ADD on the six nodes, no condition: the registration's own
condition decides), so the counts are exactly the index's entries, transaction by transaction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.adapters import dynamo_pages

COUNT_SK = "QCOUNT"
# (start, end) of each level's child label in the queue key; the node is key[:start].
LEVELS = ((0, 7), (8, 10), (11, 18), (19, 21), (22, 24), (25, 27))
BUCKET_END = 27  # the minute bucket: expiry date, queued_at to the minute
_KEY = re.compile(r"\d{4}-\d{2}-\d{2}#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#\S+")


def node_pk(office_id: str, prefix: str) -> str:
    return f"QCOUNT#{office_id}#{prefix}"


def path(queue_key: str) -> list[tuple[str, str]]:
    """The key's six (node prefix, child label) pairs, root first."""
    if not _KEY.fullmatch(queue_key):
        raise ValueError(f"not a queue key: {queue_key!r}")
    return [(queue_key[:start], queue_key[start:end]) for start, end in LEVELS]


def updates(table: str, office_id: str, queue_key: str, delta: int) -> list[dict[str, Any]]:
    """The transaction items that count `queue_key` into (+1) or out of (-1) the queue."""
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": {"S": node_pk(office_id, prefix)}, "SK": {"S": COUNT_SK}},
                "UpdateExpression": "ADD #child :delta",
                "ExpressionAttributeNames": {"#child": label},
                "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
            }
        }
        for prefix, label in path(queue_key)
    ]


def ahead_in_nodes(nodes: Iterable[tuple[dict[str, Any], str]]) -> int:
    """The people under the smaller siblings of each label: (node item, label) pairs, the
    items as DynamoDB answers them (a missing node counts nobody)."""
    ahead = 0
    for item, label in nodes:
        for name, value in item.items():
            if name not in ("PK", "SK") and "N" in value and name < label:
                ahead += int(value["N"])
    return ahead


def position(
    call: Callable[..., Any], table: str, *, index: str, office_id: str, partition: str, key: str
) -> int:
    """The 1-based place of `key` among the office's waiting registrations (the queue index
    `index`, its partition `partition`): one BatchGetItem of the key's six nodes (eventually
    consistent, like the index) and one count of its minute bucket on the index."""
    labels = {node_pk(office_id, prefix): label for prefix, label in path(key)}
    request: dict[str, Any] = {
        table: {"Keys": [{"PK": {"S": pk}, "SK": {"S": COUNT_SK}} for pk in labels]}
    }
    found: list[tuple[dict[str, Any], str]] = []
    while request:
        answer = call("batch_get_item", RequestItems=request)
        for item in answer.get("Responses", {}).get(table, []):
            found.append((item, labels[item["PK"]["S"]]))
        request = answer.get("UnprocessedKeys") or {}
    query: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": "GSI1PK = :pk AND GSI1SK BETWEEN :bucket AND :key",
        "ExpressionAttributeValues": {
            ":pk": {"S": partition},
            ":bucket": {"S": key[:BUCKET_END]},
            ":key": {"S": key},
        },
        "Select": "COUNT",
    }
    in_bucket = dynamo_pages.count(call, query)
    # The bucket's count includes the key itself (BETWEEN is inclusive).
    return ahead_in_nodes(found) + max(in_bucket - 1, 0) + 1


def node_items(office_id: str, queue_keys: Iterable[str]) -> list[dict[str, Any]]:
    """The node items (plain values) that count exactly `queue_keys`: for a queue written
    without its counts (the benchmark's seeding, or a table from before the counts)."""
    counts: dict[str, Counter[str]] = {}
    for key in queue_keys:
        for prefix, label in path(key):
            counts.setdefault(prefix, Counter())[label] += 1
    return [
        {"PK": node_pk(office_id, prefix), "SK": COUNT_SK, **children}
        for prefix, children in counts.items()
    ]


def rebuild(
    call: Callable[..., Any], table: str, *, index: str, office_id: str, partition: str
) -> int:
    """Write the counts of the queue index's entries as they are now (a table whose queue
    predates the counts): overwrites each node on their paths. Run it once, while nothing
    enters or leaves the queue (a move meanwhile would be counted or not). The entries counted."""
    keys: list[str] = []
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": partition}},
        "ProjectionExpression": "GSI1SK",
    }
    keys.extend(item["GSI1SK"]["S"] for item in dynamo_pages.items(call, "query", request))
    for node in node_items(office_id, keys):
        item = {
            name: {"S": value} if isinstance(value, str) else {"N": str(value)}
            for name, value in node.items()
        }
        call("put_item", TableName=table, Item=item)
    return len(keys)
