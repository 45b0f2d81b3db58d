"""moto in-process with the local stage's table, bucket and verified sender, for the benchmark."""

from __future__ import annotations

import copy
import os
import types
from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID

from chalicelib import bootstrap
from chalicelib.config import (
    DOCUMENTS_BUCKET,
    MAIL_SENDER,
    READ_QUEUE_NAME,
    READ_QUEUE_URL,
    TABLE_NAME,
)
from infra.local_secrets import create_stage_secrets
from infra.local_stack import DUMMY_CREDENTIALS, REGION, stage_environment
from infra.table import create_table

# What a developer's shell might hold that would lead boto3 away from the emulation.
_DROPPED = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")


def create_stage_resources(environment: dict[str, str]) -> None:
    """The local stage's table, documents bucket, verified sender, secrets and read queue, in
    whatever AWS boto3 reaches from this process (moto in-process or a moto server); adds the
    queue's URL to `environment` and os.environ (READ_QUEUE_URL)."""
    create_table(boto3.client("dynamodb", region_name=REGION), environment[TABLE_NAME])
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=environment[DOCUMENTS_BUCKET],
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    boto3.client("ses", region_name=REGION).verify_email_identity(
        EmailAddress=environment[MAIL_SENDER]
    )
    create_stage_secrets(boto3.client("secretsmanager", region_name=REGION), environment)
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=READ_QUEUE_NAME)
    environment[READ_QUEUE_URL] = os.environ[READ_QUEUE_URL] = queue["QueueUrl"]


@contextmanager
def in_process_aws() -> Iterator[dict[str, str]]:
    """The local stage's environment over moto in this process; yields that environment."""
    environment = {
        **stage_environment(),
        **DUMMY_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }
    saved = dict(os.environ)
    for name in _DROPPED:
        os.environ.pop(name, None)
    os.environ.update(environment)
    try:
        with mock_aws():
            create_stage_resources(environment)
            bootstrap.reset()
            yield environment
            bootstrap.reset()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def item_level_transaction_backups() -> Iterator[None]:
    """moto's TransactWriteItems backs up the whole table (a deep copy) before each of its items.
    In the emulation that makes every invitation cost O(table) (seconds each at 50,000 waiting),
    and, since moto keeps every model instance it ever made (for /moto-api/data.json), each copy
    stays in memory for good: a moto server holds O(transactions x table) items. Neither is a
    cost of DynamoDB. Inside this block a transaction backs up only the items it names (their
    attributes, which are no moto models) and puts exactly those back when it is cancelled."""
    from moto.dynamodb import models  # noqa: PLC0415  (moto's internals, for the benchmark only)
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    original = models.DynamoDBBackend.transact_write_items

    class _KeepTables(types.SimpleNamespace):
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or op.get("Item", {})
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            item = table.get_item(hash_key, range_key)
            attrs = None if item is None else copy.deepcopy(item.attrs)
            saved.append((table, hash_key, range_key, item, attrs))
        try:
            original(backend, transact_items)
        except Exception:
            for table, hash_key, range_key, item, attrs in reversed(saved):
                bucket = table.items[hash_key] if range_key is not None else table.items
                slot = range_key if range_key is not None else hash_key
                if item is None:
                    bucket.pop(slot, None)
                else:
                    item.attrs = attrs  # an update changes the item in place
                    bucket[slot] = item  # a put replaces it, a delete removes it
            raise

    with (
        mock.patch.object(models, "copy", _KeepTables()),
        mock.patch.object(models.DynamoDBBackend, "transact_write_items", transact_write_items),
    ):
        yield


def whole_table_backup_seconds(table: str) -> float:
    """How long moto's own backup of `table` (a deep copy) takes: what each item of a
    TransactWriteItems costs in the emulation outside item_level_transaction_backups()."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415

    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables
    started = perf_counter()
    copy.deepcopy(tables[table])
    return perf_counter() - started
