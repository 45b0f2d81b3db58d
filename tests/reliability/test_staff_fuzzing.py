"""Schemathesis against the staff routes of /openapi.json, with real tokens (issue 16, item 7).

The applicant routes are fuzzed over HTTP against the running local stack
(test_api_fuzzing.py); the staff routes need a user pool whose tokens the app verifies, so
these run in process: Chalice's test client on the real app over moto, a moto Cognito pool,
an admin's access token on every request (the routes' own checks, not only 401/403, are what
is fuzzed). Zero 5xx; every answer one the schema describes; invalid data gets a 4xx.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from chalice.test import Client
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.core.transport import Response as CheckedResponse

from chalicelib.api.openapi import openapi_document
from tests.applicant_flow import queued
from tests.conftest import FixedClock
from tests.reliability.conftest import Figures, budget, generated
from tests.reliability.test_api_fuzzing import CHECKS, CONFIG
from tests.staff.conftest import pool
from tests.staff_tokens import StaffPool

__all__ = ["pool"]
pytestmark = pytest.mark.reliability

BASE = "http://staff.test"
SCHEMA = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in openapi_document()["paths"].items()
    if path.startswith("/staff/")
    for method in item
)
RUNS = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
]


def send(client: Client, case: Any, headers: dict[str, str]) -> CheckedResponse:
    """The case through Chalice's test client, answered as schemathesis checks answers."""
    kwargs = case.as_transport_kwargs(base_url=BASE, headers=headers)
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
        cookies=kwargs.get("cookies"),
    ).prepare()
    body = prepared.body or b""
    assert isinstance(body, str | bytes)  # a generated body is whole, never a stream
    answer = client.http.request(
        prepared.method or "GET",
        prepared.path_url,
        headers={str(k): str(v) for k, v in prepared.headers.items()},
        body=body.encode() if isinstance(body, str) else body,
    )
    return CheckedResponse(
        status_code=answer.status_code,
        headers={name: [str(value)] for name, value in answer.headers.items()},
        content=answer.body or b"",
        request=prepared,
        elapsed=0.0,
        verify=True,
    )


@pytest.mark.parametrize(
    ("method", "path", "mode"), RUNS, ids=[f"{m} {p} {mode}" for m, p, mode in RUNS]
)
def test_staff_routes_answer_generated_requests_as_documented_never_a_5xx(
    client: Client,
    clock: FixedClock,
    pool: StaffPool,
    figures: Figures,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    held = queued(client).registration_id
    token = pool.access_token("admin")
    operation = SCHEMA[path][method]
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    sent = 0
    examples = budget(25, 200)

    @generated(examples, examples)
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        nonlocal sent
        parameters = case.path_parameters or {}
        if "registration_id" in parameters and mode is GenerationMode.POSITIVE and sent % 2:
            parameters["registration_id"] = held  # a real record, not only the 404
        # The real token in place of a generated one; a case without one (a negative case
        # that dropped the header) goes without, and must be refused.
        headers = {}
        if (case.headers or {}).get("Authorization") or mode is GenerationMode.POSITIVE:
            headers["Authorization"] = f"Bearer {token}"
        response = send(client, case, headers)
        sent += 1
        statuses[response.status_code] += 1
        try:
            case.validate_response(
                response, checks=CHECKS, headers=headers, transport_kwargs={"headers": headers}
            )
        except Exception as failure:  # a check's verdict: collected, reported below
            failures.append(f"{type(failure).__name__}: {str(failure)[:600]}")

    fuzz()
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    figures.add("input.staff_generated_requests", tried=sent, bad=server_errors)
    figures.add("input.staff_schema_violations", tried=sent, bad=len(failures))
    assert server_errors == 0, statuses
    assert failures == [], json.dumps([dict(statuses), *failures[:5]], indent=1)
    assert sent > 0


@pytest.mark.parametrize(
    "query",
    [
        "/staff/capacity?from=9999-12-25",
        "/staff/capacity?from=0001-01-01&to=0001-01-02",
        "/staff/capacity?to=9999-12-31",
        # {"o": Infinity}, {"o": NaN}, {"o": 1e999}, a list: cursors as an attacker writes them
        "/staff/queue?cursor=eyJvIjogSW5maW5pdHl9",
        "/staff/queue?cursor=eyJvIjogTmFOfQ",
        "/staff/queue?cursor=eyJvIjogMWU5OTl9",
        "/staff/queue?cursor=WzEsMl0",
        "/staff/reviews?cursor=eyJvIjogSW5maW5pdHl9",
        "/staff/audit?date=9999-12-31",
        "/staff/appointments?date=9999-12-31",
    ],
)
def test_the_reviews_known_500s_are_422s(
    client: Client, pool: StaffPool, figures: Figures, query: str
) -> None:
    token = pool.access_token("admin")
    answer = client.http.get(query, headers={"Authorization": f"Bearer {token}"})
    figures.add("input.staff_edge_queries", tried=1, bad=int(answer.status_code >= 500))
    assert answer.status_code in (200, 422), (answer.status_code, answer.body)
    if answer.status_code == 422:
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert json.loads(answer.body)["code"] == "validation_failed"
