"""What a run costs grows with the slots it fills, not with the queue: counted calls and items,
never times (the benchmark, `make bench`, takes the same counts at 50,000 waiting)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.bench.allocation import AllocationCost, measure_allocation
from infra.bench.emulation import item_level_transaction_backups
from infra.table import create_table
from tests.conftest import REGION, TEST_ENV

SLOTS = 20


@pytest.fixture
def run(aws: None) -> Iterator[Any]:
    """A run of SLOTS on a fresh table of `waiting` registrations."""

    def measure(waiting: int) -> AllocationCost:
        ddb = boto3.client("dynamodb", region_name=REGION)
        table = f"cost-{waiting}"
        create_table(ddb, table)
        return measure_allocation(
            ddb,
            boto3.client("sesv2", region_name=REGION),
            table,
            TEST_ENV["MAIL_SENDER"],
            slots=SLOTS,
            waiting=waiting,
        )

    with item_level_transaction_backups():  # moto's whole-table copies would take minutes
        yield measure


def test_a_run_reads_what_it_fills_whatever_the_length_of_the_queue(run: Any) -> None:
    short, long = run(300), run(3000)

    assert short.summary.invited == long.summary.invited == SLOTS
    assert short.items_read <= 1.1 * SLOTS
    assert long.items_read <= 1.1 * SLOTS
    assert long.items_read / short.items_read <= 1.05
    assert not [op for _, op in long.calls.calls if op == "Scan"]


def test_a_run_writes_and_mails_once_per_invitation(run: Any) -> None:
    cost = run(300)

    # Per invitation: the transaction that gives it, which also marks the previous mail `sent`
    # (docs/performance.md); once per run: the last mail's mark and the run record.
    assert cost.calls.calls[("dynamodb", "TransactWriteItems")] == SLOTS
    assert cost.calls.dynamodb_write_calls == SLOTS + 2
    assert cost.calls.mail_sends == SLOTS
