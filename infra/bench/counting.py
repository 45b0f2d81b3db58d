"""AWS calls and DynamoDB items read, counted from botocore's `after-call` events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

_DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
_MAIL_SENDS = frozenset({"SendEmail", "SendRawEmail", "SendBulkEmail", "SendBulkTemplatedEmail"})


class AwsCalls:
    """Every call the attached clients made (one per API call: botocore's retries of a call
    are inside it), and the DynamoDB items those calls read.

    Items read: what a Query or Scan evaluated (ScannedCount: DynamoDB bills a filtered-out or
    counted item as read), the item of a GetItem, each item of a BatchGetItem or
    TransactGetItems. A read of a missing item reads nothing here, though it is a call.
    """

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.items_read = 0

    def attach(self, client: Any) -> Any:
        """Count the calls of this client from now on; returns the client."""
        client.meta.events.register("after-call", self._after_call)
        return client

    def reset(self) -> None:
        self.calls.clear()
        self.items_read = 0

    def take(self) -> AwsCalls:
        """What was counted since the last take (or reset), and start again from zero."""
        taken = AwsCalls()
        taken.calls = Counter(self.calls)
        taken.items_read = self.items_read
        self.reset()
        return taken

    @contextmanager
    def on_default_session(self) -> Iterator[AwsCalls]:
        """Count the calls of every client `boto3.client()` creates inside the block, for as
        long as the client lives (a client copies its session's handlers when it is made)."""
        events = boto3.DEFAULT_SESSION.events if boto3.DEFAULT_SESSION else None
        if events is None:
            boto3.setup_default_session()
            events = boto3.DEFAULT_SESSION.events
        events.register("after-call", self._after_call)
        try:
            yield self
        finally:
            events.unregister("after-call", self._after_call)

    def of(self, service: str) -> int:
        return sum(n for (s, _), n in self.calls.items() if s == service)

    @property
    def dynamodb_calls(self) -> int:
        return self.of("dynamodb")

    @property
    def dynamodb_write_calls(self) -> int:
        return sum(
            n for (s, op), n in self.calls.items() if s == "dynamodb" and op in _DYNAMODB_WRITES
        )

    @property
    def dynamodb_read_calls(self) -> int:
        return self.dynamodb_calls - self.dynamodb_write_calls

    @property
    def mail_sends(self) -> int:
        return sum(
            n for (s, op), n in self.calls.items() if s in ("ses", "sesv2") and op in _MAIL_SENDS
        )

    def summary(self) -> str:
        """'dynamodb.Query=4, sesv2.SendEmail=100, …' in a stable order."""
        return ", ".join(f"{s}.{op}={n}" for (s, op), n in sorted(self.calls.items()))

    def _after_call(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        operation = model.name
        self.calls[(service, operation)] += 1
        if service == "dynamodb":
            self.items_read += items_read(operation, parsed)


def items_read(operation: str, parsed: dict[str, Any]) -> int:
    """The items one DynamoDB answer read (see AwsCalls)."""
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", len(parsed.get("Items", [])))))
    if operation == "GetItem":
        return 1 if "Item" in parsed else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in parsed.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for r in parsed.get("Responses", []) if "Item" in r)
    return 0


def read_the_keys_first() -> int:
    """Reads every key this process's function may read (chalicelib/config.py Secrets), as its
    first request does, so that the calls counted afterwards are a warm request's: a function
    instance reads each key once, then again only after the cache age (300 s). Returns how many
    keys it read (one GetSecretValue each, counted apart in docs/performance.md)."""
    from chalicelib import bootstrap  # noqa: PLC0415  (settings on first use, inside moto)

    secrets = bootstrap.container().settings.secrets
    for key in secrets.named:
        secrets.value(key)
    return len(secrets.named)
