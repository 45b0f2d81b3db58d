"""Figure 5: the API under a bounded load, on the local stack (moto server and `chalice local`
in their own processes), from this process over 127.0.0.1.

Two phases, each bounded in count and in time (no request starts after the deadline):
registrations (POST /registrations, each with a solved proof of work; the challenge and the
solving are not timed), then as many status reads (GET /registrations/{id}) of the waiting
registrations of a queue seeded into the table with known access tokens, in random order, so
that the reads cover every queue position (a status read counts the queue ahead of it).
A regression figure for this machine: both ends share its cores, and `chalice local` is no
Lambda.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import requests

from chalicelib.domain.calendar import office_today
from infra import local_stack
from infra.bench.registration import registration_body, solve
from infra.bench.seeding import access_token, seed_waiting
from infra.local_stack import LocalStack, free_ports

JSON = {"Content-Type": "application/json"}


@dataclass
class Latencies:
    """Answer times (seconds) and status codes of one kind of request."""

    seconds: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    errors: int = 0  # no answer at all (connection refused or reset, timeout)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, seconds: float, status: int) -> None:
        with self._lock:
            self.seconds.append(seconds)
            self.statuses.append(status)

    def failed(self) -> None:
        with self._lock:
            self.errors += 1

    @property
    def count(self) -> int:
        return len(self.statuses)

    @property
    def server_errors(self) -> int:
        return sum(1 for s in self.statuses if s >= 500)

    def unexpected(self, expected: int) -> int:
        return sum(1 for s in self.statuses if s != expected)

    def percentile_ms(self, p: int) -> float:
        if len(self.seconds) < 2:
            return 1000 * (self.seconds[0] if self.seconds else float("nan"))
        return 1000 * statistics.quantiles(self.seconds, n=100, method="inclusive")[p - 1]


@dataclass(frozen=True)
class LoadResult:
    registrations: Latencies  # expected: 201
    status_reads: Latencies  # expected: 200
    seconds: float


class _Clients:
    """One keep-alive HTTP session per load thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        http: requests.Session = self._local.session
        return http


def _timed(kind: Latencies, call: Callable[[], requests.Response]) -> None:
    began = time.perf_counter()
    try:
        answer = call()
    except requests.RequestException:
        kind.failed()
        return
    kind.add(time.perf_counter() - began, answer.status_code)


def run_load(
    stack: LocalStack, requests_per_phase: int, queue: int, workers: int, deadline_seconds: float
) -> LoadResult:
    """Both phases against a running stack, from `workers` threads; the reads of a queue of
    `queue` waiting registrations."""
    started = time.monotonic()
    deadline = started + deadline_seconds
    today = office_today(datetime.now(UTC))
    clients = _Clients()
    posted = Latencies()
    read = Latencies()

    def register(n: int) -> None:
        if time.monotonic() > deadline:
            return
        http = clients.session()
        challenge = http.get(f"{stack.api_url}/registrations/challenge", timeout=30)
        body = json.dumps({**registration_body(n, today), "altcha": solve(challenge.json())})
        _timed(
            posted,
            lambda: http.post(
                f"{stack.api_url}/registrations", data=body, headers=JSON, timeout=30
            ),
        )

    def read_status(n: int) -> None:
        if time.monotonic() > deadline:
            return
        _timed(
            read,
            lambda: clients.session().get(
                f"{stack.api_url}/registrations/{n:032x}",
                headers={"Authorization": f"Bearer {access_token(n)}"},
                timeout=30,
            ),
        )

    seed_waiting(
        stack.client("dynamodb"),
        stack.resources.table_name,
        "stuttgart",
        queue,
        first_expiry=today,
    )
    positions = [n % queue for n in range(requests_per_phase)]
    random.Random(8).shuffle(positions)  # noqa: S311  (an order, not a secret)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(register, range(requests_per_phase)))
        list(pool.map(read_status, positions))
    return LoadResult(posted, read, time.monotonic() - started)


@contextmanager
def _stack_for_load() -> Iterator[None]:
    """The stack with two changes for the load (docs/performance.md):

    - moto answers one request at a time (infra/bench/serial_moto.py): its server is not
      thread-safe, and concurrent transactions answer 500;
    - no outbox copier: it fetches moto's whole state every half second, which grows with each
      registration until the copying, not the API, is the load. The load reads no mail.
    """

    class IdleOutbox(local_stack.OutboxWatcher):
        def start(self) -> None:
            pass

        def stop(self) -> None:
            pass

        def scan(self) -> list[Path]:
            return []

    spawn = LocalStack._spawn

    def spawn_serial_moto(stack: LocalStack, name: str, command: list[str], **kw: Any) -> Any:
        if command[1:3] == ["-m", "moto.server"]:
            command = [command[0], "-m", "infra.bench.serial_moto", *command[3:]]
        return spawn(stack, name, command, **kw)

    with (
        mock.patch.object(local_stack, "OutboxWatcher", IdleOutbox),
        mock.patch.object(LocalStack, "_spawn", spawn_serial_moto),
    ):
        yield


def measure_load(
    requests_per_phase: int = 2000,
    queue: int = 500,
    workers: int = 4,
    deadline_seconds: float = 600,
) -> LoadResult:
    """Start a local stack on free ports (no schedules, no web form), load it, stop it."""
    moto_port, api_port = free_ports(2)
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as root,
        _stack_for_load(),
        LocalStack(
            moto_port,
            api_port,
            outbox_dir=Path(root) / "outbox",
            log_dir=Path(root) / "log",
            echo_mail=False,
            run_schedules=False,
        ) as stack,
    ):
        return run_load(stack, requests_per_phase, queue, workers, deadline_seconds)
