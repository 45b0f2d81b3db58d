"""Abuse: another registration's id with my token, forged staff tokens, a flood of document
requests, a flood of registrations from one client (the proof of work), the WAF's rate rule.
ASVS V4.1/V4.2 (access control, IDOR), V2/V3 (authentication, session tokens), V11.1 (business
logic limits, anti-automation), V13.2 (RESTful web services)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from altcha.v1 import create_challenge
from chalice.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from app import app
from chalicelib import bootstrap
from chalicelib.adapters.cognito import CognitoTokenVerifier, StaticKeySource
from chalicelib.domain.documents import MAX_DOCUMENTS
from chalicelib.services.proof_of_work import CHALLENGE_LIFETIME
from tests.applicant_flow import (
    JSON,
    PDF,
    Applicant,
    post_form,
    proof_of_work,
    queued,
    ready_to_submit,
    register,
    registration_body,
    solve,
)
from tests.conftest import REGION, TEST_ENV, FixedClock
from tests.reliability.conftest import Figures, generated
from tests.staff.test_authorization_matrix import ADMIN_ONLY, STAFF_ROUTES, TOKENS
from tests.staff_tokens import create_staff_pool, moto_jwks

pytestmark = pytest.mark.reliability

UNKNOWN_ID = "0" * 32
DOCUMENT_REQUEST = {
    "kind": "passport",
    "filename": "p.pdf",
    "content_type": "application/pdf",
    "size_bytes": len(PDF),
}
# Every applicant route that takes a registration id: (method, path, body).
APPLICANT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/registrations/{id}", None),
    ("POST", "/registrations/{id}/confirm-email", None),
    ("POST", "/registrations/{id}/documents", DOCUMENT_REQUEST),
    ("POST", "/registrations/{id}/submit", None),
    ("POST", "/registrations/{id}/corrections", {"title_expires_on": "2026-11-20"}),
    ("POST", "/registrations/{id}/release", None),
    ("DELETE", "/registrations/{id}", None),
]


def call(client: Client, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = dict(JSON)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = json.dumps(body).encode() if body is not None else b""
    return client.http.request(method, path, headers=headers, body=raw)


def table_snapshot() -> str:
    ddb = boto3.client("dynamodb", region_name=REGION)
    items = ddb.scan(TableName=TEST_ENV["TABLE_NAME"])["Items"]
    kept = [i for i in items if not i["PK"]["S"].startswith("ALTCHA#")]
    return json.dumps(sorted(kept, key=lambda i: (i["PK"]["S"], i["SK"]["S"])), sort_keys=True)


# -- IDOR: every applicant route, every state of the victim ------------------------------------


def test_every_applicant_route_is_covered() -> None:
    routed = {
        (method, path)
        for path, methods in app.routes.items()
        if path.startswith("/registrations/{")
        for method in methods
        if method != "OPTIONS"
    }
    listed = {(m, p.replace("{id}", "{registration_id}")) for m, p, _ in APPLICANT_ROUTES}
    assert routed == listed


@pytest.mark.parametrize("victim_state", ["email_unverified", "awaiting_documents", "waiting"])
def test_another_registrations_id_with_my_token_is_the_same_404_as_unknown(
    client: Client, figures: Figures, victim_state: str
) -> None:
    attacker = register(client, email="attacker@example.org", date_of_birth="1980-01-01")
    victim_email = f"victim.{victim_state}@example.org"
    if victim_state == "email_unverified":
        victim = register(client, email=victim_email)
    elif victim_state == "awaiting_documents":
        victim = ready_to_submit(client, email=victim_email)
    else:
        victim = queued(client, email=victim_email)
    before = table_snapshot()
    victim_id = victim.registration_id
    wrong_tokens = {
        "attacker's token": attacker.token,
        "victim's token with a character changed": victim.token[:-1]
        + ("A" if victim.token[-1] != "A" else "B"),
        "victim's token cut short": victim.token[:22],
        "victim's token, lower case": victim.token.lower()
        if victim.token.lower() != victim.token
        else victim.token + "x",
        "the registration id as token": victim_id,
        "empty-looking token": "null",
    }
    tried = given_2xx = 0
    for method, path, body in APPLICANT_ROUTES:
        unknown = call(client, method, path.format(id=UNKNOWN_ID), attacker.token, body)
        assert unknown.status_code == 404
        for token in wrong_tokens.values():
            tried += 1
            answer = call(client, method, path.format(id=victim_id), token, body)
            given_2xx += 200 <= answer.status_code < 300
            assert answer.status_code == 404, (method, path, answer.body)
            assert json.loads(answer.body) == json.loads(unknown.body)
    figures.add("abuse.idor", tried=tried, bad=given_2xx)
    assert table_snapshot() == before  # nothing of the victim's changed
    assert victim.get().status_code == 200


# -- staff routes: no token, forged tokens ------------------------------------------------------

FORGED = [kind for kind in TOKENS if kind not in {"staff", "admin"}]


def test_staff_routes_give_nothing_to_missing_or_forged_tokens(
    client: Client, clock: FixedClock, figures: Figures
) -> None:
    pool = create_staff_pool(REGION)
    bootstrap.container().token_verifier = CognitoTokenVerifier(
        StaticKeySource(moto_jwks()), pool.issuer, pool.client_id
    )
    tried = given_2xx = 0
    for method, path, body, who in STAFF_ROUTES:
        kinds = [*FORGED, "staff"] if who == ADMIN_ONLY else FORGED
        for kind in kinds:
            tried += 1
            answer = call(client, method, path, TOKENS[kind](pool), body)
            given_2xx += 200 <= answer.status_code < 300
            assert answer.status_code in {401, 403}, (method, path, kind, answer.body)
    figures.add("abuse.staff_tokens", tried=tried, bad=given_2xx)


# -- a flood of document requests ---------------------------------------------------------------


def counted_documents(applicant: Applicant) -> int:
    view = json.loads(applicant.get().body)
    return sum(1 for d in view["documents"] if d["status"] in {"pending", "verified"})


def test_a_flood_of_document_requests_never_holds_more_than_ten_places(
    client: Client, clock: FixedClock, figures: Figures
) -> None:
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    tried = over = 0
    granted: list[dict[str, Any]] = []

    @generated(25, 150)
    @given(
        actions=st.lists(
            st.sampled_from(["request", "request", "request", "upload", "junk", "wait", "look"]),
            min_size=10,
            max_size=60,
        )
    )
    def flood(actions: list[str]) -> None:
        nonlocal tried, over
        for action in actions:
            if action == "request":
                tried += 1
                answer = applicant.post("documents", DOCUMENT_REQUEST)
                assert answer.status_code in {201, 409}, answer.body
                if answer.status_code == 201:
                    granted.append(json.loads(answer.body)["upload"])
                else:
                    assert json.loads(answer.body)["code"] == "too_many_documents"
            elif action in {"upload", "junk"} and granted:
                post_form(granted.pop(), PDF if action == "upload" else b"junk" * 9, "image/png")
            elif action == "wait":
                clock.now += timedelta(minutes=16)  # unused grants expire and give places back
            places = counted_documents(applicant)
            over += places > MAX_DOCUMENTS
            assert places <= MAX_DOCUMENTS

    flood()
    figures.add("abuse.document_flood", tried=tried, bad=over)
    assert tried > MAX_DOCUMENTS


# -- a flood of registrations: the proof of work ----------------------------------------------


def post_registration(client: Client, body: dict[str, Any]) -> Any:
    return client.http.post("/registrations", headers=JSON, body=json.dumps(body))


def person(n: int) -> dict[str, Any]:
    letters = "".join(chr(ord("a") + int(d)) for d in str(n))
    return registration_body(family_name=f"Flood{letters}", email=f"flood{n}@example.org")


def test_registering_needs_a_fresh_proof_of_work_each_time(
    client: Client, clock: FixedClock, figures: Figures
) -> None:
    other_key = create_challenge(
        algorithm="SHA-256",
        max_number=50,
        salt_length=12,
        hmac_key=b"not-the-service-key-at-all",
        salt="",
        number=None,
        expires=clock.now + timedelta(minutes=5),
        params=None,
    )
    forged = solve(
        {
            "algorithm": other_key.algorithm,
            "challenge": other_key.challenge,
            "maxnumber": other_key.max_number,
            "salt": other_key.salt,
            "signature": other_key.signature,
        }
    )
    reused = proof_of_work(client)
    assert post_registration(client, {**person(0), "altcha": reused}).status_code == 201
    expired = proof_of_work(client)
    clock.now += CHALLENGE_LIFETIME + timedelta(seconds=1)
    flood = [
        ("no proof", None),
        ("empty proof", ""),
        ("not base64", "%%%"),
        ("a challenge signed with another key", forged),
        ("an expired challenge", expired),
        *((f"the same solution again ({n})", reused) for n in range(1, 31)),
    ]
    accepted = 0
    for n, (name, altcha) in enumerate(flood, start=1):
        body = person(n) if altcha is None else {**person(n), "altcha": altcha}
        answer = post_registration(client, body)
        accepted += answer.status_code < 300
        assert answer.status_code == 422, (name, answer.body)
        assert "altcha" in {e["field"] for e in json.loads(answer.body)["errors"]}, name
    figures.add("abuse.registration_flood", tried=len(flood), bad=accepted)
    # and a fresh one still works
    assert post_registration(client, {**person(99), "altcha": proof_of_work(client)}).status_code
    assert bootstrap.container().settings.altcha_max_number == int(TEST_ENV["ALTCHA_MAX_NUMBER"])


def _b64(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


FIELDS = ["algorithm", "challenge", "number", "salt", "signature"]


def test_malformed_proofs_are_refused_and_never_a_server_error(
    client: Client, figures: Figures
) -> None:
    tried = bad = 0
    real = json.loads(base64.b64decode(proof_of_work(client)))

    @generated(40, 300)
    @given(
        altcha=st.one_of(
            st.text(max_size=200),
            st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
            st.dictionaries(
                st.sampled_from(FIELDS),
                st.one_of(st.none(), st.integers(), st.text(max_size=80), st.lists(st.integers())),
            )
            .filter(lambda d: any(real.get(k) != v for k, v in d.items()))
            .map(lambda d: _b64({**real, **d})),
            st.text(min_size=1025, max_size=1100),
        )
    )
    @example(altcha=_b64(FIELDS))
    @example(altcha=_b64("".join(FIELDS)))
    @example(altcha=_b64({**dict.fromkeys(FIELDS, 1)}))
    @example(altcha=_b64({"algorithm": "SHA-256", "salt": {"x": 1}}))
    @example(altcha=_b64({**real, "number": 10**100}))
    @example(altcha=_b64({**real, "number": str(real["number"])}))
    @example(altcha=_b64({**real, "number": True}))
    @example(altcha=_b64({**real, "salt": real["salt"] + "expires=9999999999&"}))
    @example(altcha=_b64({**real, "algorithm": "SHA-1"}))
    def check(altcha: str) -> None:
        nonlocal tried, bad
        tried += 1
        answer = post_registration(client, {**person(1000 + tried), "altcha": altcha})
        bad += answer.status_code >= 500
        assert answer.status_code in {413, 422}, answer.body

    check()
    figures.add("abuse.malformed_proofs", tried=tried, bad=bad)


def test_a_challenge_writes_nothing_and_is_not_cached(client: Client) -> None:
    before = table_snapshot()
    answers = [client.http.get("/registrations/challenge") for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)
    assert len({json.loads(a.body)["challenge"] for a in answers}) == 5
    challenge = json.loads(answers[0].body)
    assert challenge["maxnumber"] == int(TEST_ENV["ALTCHA_MAX_NUMBER"])
    assert "expires=" in challenge["salt"]
    assert table_snapshot() == before


def test_the_waf_blocks_one_ip_that_floods_the_api() -> None:
    resources = json.loads(Path("infra/resources.json").read_text())
    acl = resources["Resources"]["ApiWebAcl"]["Properties"]
    # The general rule; POST /registrations has its own, lower one (issue 16).
    [rule] = [
        r
        for r in acl["Rules"]
        if "RateBasedStatement" in r["Statement"]
        and "ScopeDownStatement" not in r["Statement"]["RateBasedStatement"]
    ]
    [registrations] = [r for r in acl["Rules"] if r["Name"] == "registrations-per-ip"]
    limit = registrations["Statement"]["RateBasedStatement"]["Limit"]
    assert limit == {"Ref": "RegistrationRateLimitPerIp"}
    statement = rule["Statement"]["RateBasedStatement"]
    assert rule["Action"] == {"Block": {}}
    assert statement["AggregateKeyType"] == "IP"
    assert statement["EvaluationWindowSec"] == 300
    assert statement["Limit"] == {"Ref": "ApiRateLimitPerIp"}
    assert resources["Parameters"]["ApiRateLimitPerIp"]["Default"] <= 300
    association = resources["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    functions = json.loads(Path("infra/functions.json").read_text())
    # The proof of work in the cloud too: the API reads its key from Secrets Manager.
    assert "ALTCHA_HMAC_KEY_SECRET" in functions["functions"]["APIHandler"]["secrets"]
