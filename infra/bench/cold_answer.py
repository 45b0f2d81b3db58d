"""Figure 4b: the cold first answer. From a fresh interpreter to the first answer of
`GET /registrations/{id}` (a waiting registration) and of `POST /registrations`, through the
Lambda handler of the applicant API function (chalicelib/applicant_api.py's Chalice app called
with an API Gateway proxy event, as Lambda calls it), against the same for the framework floor
(infra/bench/floor_app.py: a minimal Chalice app making the same AWS calls). Median of `runs`
fresh interpreters each, taken in turns.

AWS is a moto server in this process, reached over 127.0.0.1 (AWS_ENDPOINT_URL), so that each
fresh interpreter pays what a cold Lambda pays on its first request: importing, making its
clients (botocore's service models), its first connections, and its own work.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from chalicelib.config import TABLE_NAME as TABLE_VARIABLE
from chalicelib.domain.calendar import office_today
from infra.bench.cold_start import REPO_ROOT, compile_sources
from infra.bench.emulation import create_stage_resources
from infra.bench.registration import registration_body, solve
from infra.bench.seeding import access_token, seed_waiting
from infra.finalize import API_FUNCTION, API_HANDLERS
from infra.local_stack import DUMMY_CREDENTIALS, REGION, free_ports, stage_environment

# Runs in the fresh interpreter: the clock starts before the handler's module is imported.
CHILD = """
import time
started, cpu_started = time.perf_counter(), time.process_time()
import importlib, json, os, sys
module = importlib.import_module(sys.argv[1])
class Context:
    function_name = "api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:api"
    aws_request_id = "cold-start"
    def get_remaining_time_in_millis(self):
        return 30000
answer = module.app(json.loads(os.environ["BENCH_EVENT"]), Context())
ms = (time.perf_counter() - started) * 1000
cpu_ms = (time.process_time() - cpu_started) * 1000
heavy = sorted({n.partition(".")[0] for n in sys.modules} & set(sys.argv[2:]))
print(json.dumps({"ms": ms, "cpu_ms": cpu_ms, "status": answer["statusCode"],
                  "body": answer["body"][:500], "heavy": heavy}))
"""
# The libraries a first answer may or may not need, each tens of milliseconds to import: the
# child says which of them it loaded (tests/performance/test_first_answer.py).
HEAVY_LIBRARIES = ("pydantic", "pydantic_core", "email_validator", "jinja2")
# The module the applicant API function's Lambda imports (its handler in the packaged template).
APP = API_HANDLERS[API_FUNCTION].rpartition(".")[0]
FLOOR = "infra.bench.floor_app"
# The floor that validates the registration's body with pydantic and email-validator (POST only).
VALIDATING_FLOOR = "infra.bench.validating_floor_app"


def api_event(method: str, resource: str, path: str, **extra: Any) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event as Lambda hands it to the function."""
    headers = {"Content-Type": "application/json", **extra.pop("headers", {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": extra.pop("path_parameters", None),
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "requestId": "cold-start",
            "stage": "api",
            "identity": {"sourceIp": "192.0.2.10", "userAgent": "bench"},
        },
        "body": extra.pop("body", None),
        "isBase64Encoded": False,
    }


@dataclass(frozen=True)
class ColdAnswers:
    runs: int
    ms: dict[tuple[str, str], float]  # (route, module) -> median ms, the figure
    # The same interpreters' CPU time (ms, median): what they computed, without the waiting
    # that a loaded machine adds to every time (the other agents' runs, the moto server).
    cpu_ms: dict[tuple[str, str], float]

    def ratio(self, route: str, module: str = APP, floor: str = FLOOR) -> float:
        """`module`'s median first answer ÷ `floor`'s (wall time)."""
        return self.ms[(route, module)] / self.ms[(route, floor)]

    def cpu_ratio(self, route: str, module: str = APP, floor: str = FLOOR) -> float:
        """The same by the interpreters' CPU time."""
        return self.cpu_ms[(route, module)] / self.cpu_ms[(route, floor)]


@contextmanager
def emulation() -> Iterator[dict[str, str]]:
    """A moto server with the stage's table, bucket, sender and queue; the environment of a
    function that uses it."""
    (port,) = free_ports(1)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    environment = {
        **stage_environment(),
        **DUMMY_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    saved = dict(os.environ)
    os.environ.update(environment)
    try:
        create_stage_resources(environment)
        yield environment
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def registration_events(count: int, environment: dict[str, str]) -> list[dict[str, Any]]:
    """`count` POST /registrations events, each with its own solved challenge and person."""
    from chalice.test import Client  # noqa: PLC0415

    from app import app  # noqa: PLC0415  (settings on first use)
    from chalicelib import bootstrap  # noqa: PLC0415

    bootstrap.reset()
    today = office_today(datetime.now(UTC))
    events = []
    with Client(app) as client:
        for n in range(count):
            challenge = json.loads(client.http.get("/registrations/challenge").body)
            body = {**registration_body(10_000 + n, today), "altcha": solve(challenge)}
            events.append(
                api_event("POST", "/registrations", "/registrations", body=json.dumps(body))
            )
    bootstrap.reset()
    return events


@dataclass(frozen=True)
class FirstAnswer:
    ms: float  # from the fresh interpreter's first statement to the answer
    cpu_ms: float  # the interpreter's CPU time in the same span
    heavy: tuple[str, ...]  # which of HEAVY_LIBRARIES it had loaded by then


def first_answer(module: str, event: dict[str, Any], environment: dict[str, str]) -> FirstAnswer:
    """`module`'s app (a Lambda handler) answering `event` in a fresh interpreter; AssertionError
    when the answer is not 200 (GET) or 201 (POST)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, module, *HEAVY_LIBRARIES],
        cwd=REPO_ROOT,
        env={**environment, "BENCH_EVENT": json.dumps(event), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    expected = 201 if event["httpMethod"] == "POST" else 200
    if answer["status"] != expected:
        raise AssertionError(f"{module} answered {answer['status']}: {answer['body']}")
    return FirstAnswer(float(answer["ms"]), float(answer["cpu_ms"]), tuple(answer["heavy"]))


def status_event(n: int) -> dict[str, Any]:
    """`GET /registrations/{id}` of the `n`-th registration infra/bench/seeding.py seeds."""
    return api_event(
        "GET",
        "/registrations/{registration_id}",
        f"/registrations/{n:032x}",
        headers={"Authorization": f"Bearer {access_token(n)}"},
        path_parameters={"registration_id": f"{n:032x}"},
    )


def measure_cold_answers(runs: int = 10) -> ColdAnswers:
    compile_sources()
    with emulation() as environment:
        seed_waiting(
            boto3.client("dynamodb", region_name=REGION),
            environment[TABLE_VARIABLE],
            "stuttgart",
            1000,
            first_expiry=date(2026, 11, 20),
        )
        status = status_event(999)
        posts = iter(registration_events(3 * runs, environment))
        times: dict[tuple[str, str], list[FirstAnswer]] = {}
        for _ in range(runs):
            for module in (APP, FLOOR):
                times.setdefault(("status", module), []).append(
                    first_answer(module, status, environment)
                )
            for module in (APP, FLOOR, VALIDATING_FLOOR):
                times.setdefault(("register", module), []).append(
                    first_answer(module, next(posts), environment)
                )
    return ColdAnswers(
        runs,
        {k: statistics.median(a.ms for a in v) for k, v in times.items()},
        {k: statistics.median(a.cpu_ms for a in v) for k, v in times.items()},
    )
