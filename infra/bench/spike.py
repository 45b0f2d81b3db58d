"""Figure 3b: the 07:45 spike. N waiting, R status reads in 60 s: read units per second on the
hottest DynamoDB partition, from the bytes each read evaluated (infra/bench/read_units.py),
for today's design (the queue counts live: the counters of dynamo_queue_counts.py, read through
the real app) and for the design before it (a count of everyone ahead on the queue index).

The readers are R distinct waiting people drawn at random (seed 17): everyone received the
same mail, so every place is as likely. The counters' reads are measured through the app for a
sample of them (their cost does not depend on the place, which the sample shows: min = max);
the count's reads are computed for every reader from the seeded items' own sizes (page by page,
1 MB a page, rounded up to 4 KB), and checked against a measured count at two places.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import boto3
from chalice.test import Client

from chalicelib.adapters.dynamodb import QUEUE_INDEX, queue_pk, registration_item, serialize
from chalicelib.config import TABLE_NAME
from chalicelib.domain.registration import queue_sort_key
from infra.bench.counting import AwsCalls, read_the_keys_first
from infra.bench.read_units import UNIT, ReadMeter, item_size
from infra.bench.seeding import access_token, seed_waiting, waiting_registration
from infra.local_stack import REGION

OFFICE = "stuttgart"
FIRST_EXPIRY = date(2026, 11, 20)
PAGE = 1024 * 1024
SECONDS = 60


@dataclass
class StatusReadCost:
    """What one status read read, by partition."""

    position: int
    items: int
    bytes: int
    units: dict[str, float] = field(default_factory=dict)
    calls: str = ""


@dataclass
class Spike:
    waiting: int
    reads: int
    # the counters (now): per-read costs of the sample, and units/s by partition for all reads
    sample: list[StatusReadCost]
    now_units_per_second: dict[str, float]
    # the count of everyone ahead (before): units/s on the queue index's partition
    before_units_per_second: float
    before_checked: list[tuple[int, float, float]]  # place, measured, modelled units

    @property
    def now_hottest(self) -> tuple[str, float]:
        return max(self.now_units_per_second.items(), key=lambda kv: kv[1])


def queue_in_order(waiting: int) -> list[tuple[str, int, int]]:
    """(queue key, seeded n, index-entry bytes) of the seeded queue, in queue order."""
    entries = []
    for n in range(waiting):
        r = waiting_registration(n, OFFICE, FIRST_EXPIRY)
        item = registration_item(r)
        key = queue_sort_key(r.title_expires_on, r.queued_at or "", r.registration_id)
        item.update(GSI1PK=queue_pk(OFFICE), GSI1SK=key)
        entries.append((key, n, item_size(serialize(item))))
    return sorted(entries)


def count_units(sizes: list[int]) -> list[float]:
    """Read units of a Select=COUNT query over the first i entries, for every i (eventually
    consistent: a global secondary index): pages of up to 1 MB, each rounded up to 4 KB."""
    done, page = 0.0, 0
    found = [0.5]
    for size in sizes:
        if page + size > PAGE:
            done += math.ceil(page / UNIT) * 0.5
            page = 0
        page += size
        found.append(done + math.ceil(page / UNIT) * 0.5)
    return found


def status_read(client: Client, meter: ReadMeter, n: int, expected: int) -> StatusReadCost:
    meter.reset()
    answer = client.http.get(
        f"/registrations/{n:032x}", headers={"Authorization": f"Bearer {access_token(n)}"}
    )
    if answer.status_code != 200:
        raise AssertionError(f"status read answered {answer.status_code}: {answer.body!r}")
    shown = json.loads(answer.body)["queue_position"]
    if shown != expected:
        raise AssertionError(f"expected queue position {expected}, the view says {shown}")
    return StatusReadCost(expected, meter.items, meter.total_bytes, dict(meter.units))


def measure_positions(
    environment: dict[str, str], positions: tuple[int, ...], waiting: int
) -> list[StatusReadCost]:
    """One status read at each place of a queue of `waiting`: items, bytes, calls."""
    from app import app  # noqa: PLC0415  (settings on first use, inside moto)

    seed_waiting(
        boto3.client("dynamodb", region_name=REGION),
        environment[TABLE_NAME],
        OFFICE,
        waiting,
        FIRST_EXPIRY,
    )
    queue = queue_in_order(waiting)
    read_the_keys_first()
    meter, calls = ReadMeter(REGION), AwsCalls()
    found = []
    with meter.on_default_session(), calls.on_default_session(), Client(app) as client:
        for place in positions:
            calls.reset()
            cost = status_read(client, meter, queue[place - 1][1], place)
            cost.calls = calls.take().summary()
            found.append(cost)
    return found


def measure_spike(
    environment: dict[str, str], waiting: int = 20_000, reads: int = 5_000, sample: int = 40
) -> Spike:
    """Needs the local stage on moto in this process (emulation.in_process_aws)."""
    from app import app  # noqa: PLC0415  (settings on first use, inside moto)

    table = environment[TABLE_NAME]
    ddb = boto3.client("dynamodb", region_name=REGION)
    seed_waiting(ddb, table, OFFICE, waiting, FIRST_EXPIRY)
    queue = queue_in_order(waiting)
    readers = random.Random(17).sample(range(waiting), reads)  # noqa: S311  (0-based places)

    meter = ReadMeter(REGION)
    costs: list[StatusReadCost] = []
    with meter.on_default_session(), Client(app) as client:
        for index in readers[:sample]:
            costs.append(status_read(client, meter, queue[index][1], index + 1))
        checked = []
        for index in sorted(readers[:2]):
            meter.reset()
            request: dict[str, Any] = {
                "TableName": table,
                "IndexName": QUEUE_INDEX,
                "KeyConditionExpression": "GSI1PK = :pk AND GSI1SK < :key",
                "ExpressionAttributeValues": {
                    ":pk": {"S": queue_pk(OFFICE)},
                    ":key": {"S": queue[index][0]},
                },
                "Select": "COUNT",
            }
            counting = boto3.client("dynamodb", region_name=REGION)
            while True:
                page = counting.query(**request)
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            modelled = count_units([size for _, _, size in queue[:index]])[index]
            checked.append((index + 1, meter.total_units, modelled))

    per_partition: defaultdict[str, float] = defaultdict(float)
    for cost in costs:
        for partition, units in cost.units.items():
            per_partition[partition] += units
    scale = reads / len(costs) / SECONDS
    now = {partition: units * scale for partition, units in per_partition.items()}
    ahead = count_units([size for _, _, size in queue])
    before = sum(ahead[index] for index in readers) / SECONDS
    return Spike(waiting, reads, costs, now, before, checked)
