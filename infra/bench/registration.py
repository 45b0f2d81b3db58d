"""Figure 3: the AWS calls of one POST /registrations and of one document's verification,
through the real app (Chalice's test client) on moto in this process."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import boto3
from chalice.test import Client
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.config import DOCUMENTS_BUCKET, TABLE_NAME
from chalicelib.domain.calendar import office_today
from infra.bench.counting import AwsCalls, read_the_keys_first
from infra.bench.seeding import access_token, seed_waiting, waiting_registration
from infra.local_stack import REGION

JSON = {"Content-Type": "application/json"}
_LINK = re.compile(r"#id=(?P<id>[0-9a-f]+)&token=(?P<token>[A-Za-z0-9_\-]+)")
PDF = b"%PDF-1.7\n" + b"0" * 1015


@dataclass(frozen=True)
class RegistrationCost:
    challenge: AwsCalls  # GET /registrations/challenge
    register: AwsCalls  # POST /registrations
    status: AwsCalls  # GET /registrations/{id}, nothing to verify
    verify_one: AwsCalls  # GET /registrations/{id} that verifies one uploaded document


def solve(challenge: dict[str, Any]) -> str:
    """The `altcha` field for a challenge of GET /registrations/challenge, as the form's
    widget computes it."""
    from altcha.v1 import solve_challenge  # noqa: PLC0415  (only where a challenge is solved)

    solution = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    if solution is None:
        raise RuntimeError("the challenge has no solution within its maxnumber")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def letters(n: int) -> str:
    """n in three letters (a name holds no digits): 0 -> Aaa, 27 -> Abb."""
    word = ""
    for _ in range(3):
        n, digit = divmod(n, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[digit] + word
    return word.capitalize()


def registration_body(n: int, today: date) -> dict[str, Any]:
    """The n-th distinct applicant, eligible today."""
    return {
        "given_names": "Olena",
        "family_name": f"Kovalenko-{letters(n)}",
        "date_of_birth": (date(1960, 1, 1) + timedelta(days=n % 15000)).isoformat(),
        "nationality": "UKR",
        "email": f"bench{n}@example.org",
        "language": "en",
        "title_type": "residence_permit",
        "title_expires_on": (today + timedelta(days=n % 8)).isoformat(),
        "privacy_consent": True,
    }


def measure_registration(environment: dict[str, str]) -> RegistrationCost:
    """Register, confirm and upload one passport, counting each step's calls.

    Needs the local stage's resources on moto in this process (emulation.in_process_aws)."""
    from app import app  # noqa: PLC0415  (the app reads its settings on first use, inside moto)

    today = office_today(_now())
    read_the_keys_first()
    calls = AwsCalls()
    with calls.on_default_session(), Client(app) as client:
        answer = client.http.get("/registrations/challenge")
        _expect(answer, 200)
        challenge = calls.take()
        body = {**registration_body(0, today), "altcha": solve(json.loads(answer.body))}

        answer = client.http.post("/registrations", headers=JSON, body=json.dumps(body))
        _expect(answer, 201)
        register = calls.take()

        registration_id, token = _link_of(body["email"])
        auth = {"Authorization": f"Bearer {token}"}
        confirmed = client.http.post(
            f"/registrations/{registration_id}/confirm-email", headers=auth
        )
        _expect(confirmed, 200)
        upload = {
            "kind": "passport",
            "filename": "pass.pdf",
            "content_type": "application/pdf",
            "size_bytes": len(PDF),
        }
        answer = client.http.post(
            f"/registrations/{registration_id}/documents",
            headers={**auth, **JSON},
            body=json.dumps(upload),
        )
        _expect(answer, 201)
        granted = json.loads(answer.body)
        # What the browser's presigned POST puts there (moto does not enforce the policy).
        boto3.client("s3", region_name=REGION).put_object(
            Bucket=environment[DOCUMENTS_BUCKET],
            Key=granted["upload"]["fields"]["key"],
            Body=PDF,
            ContentType="application/pdf",
        )
        calls.reset()

        answer = client.http.get(f"/registrations/{registration_id}", headers=auth)
        _expect(answer, 200)
        verify_one = calls.take()
        if json.loads(answer.body)["documents"][0]["status"] != "verified":
            raise AssertionError(f"the upload was not verified: {answer.body!r}")
        _expect(client.http.get(f"/registrations/{registration_id}", headers=auth), 200)
        status = calls.take()
    return RegistrationCost(challenge, register, status, verify_one)


def _now() -> Any:
    from chalicelib.bootstrap import utc_now  # noqa: PLC0415

    return utc_now()


def _expect(answer: Any, status: int) -> None:
    if answer.status_code != status:
        raise AssertionError(f"expected {status}, got {answer.status_code}: {answer.body!r}")


def _link_of(email: str) -> tuple[str, str]:
    """The registration id and access token of the last mail to `email`."""
    for sent in reversed(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages):
        raw = getattr(sent, "raw_data", None)
        if raw is None:
            continue
        mail = message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(), policy=default)
        if email not in str(mail["To"]):
            continue
        for part in mail.walk():
            payload = part.get_payload(decode=True)
            if part.get_content_type() != "text/plain" or not isinstance(payload, bytes):
                continue
            if found := _LINK.search(payload.decode(part.get_content_charset() or "utf-8")):
                return found["id"], found["token"]
    raise AssertionError(f"no registration mail to {email}")


def measure_status_read(environment: dict[str, str], position: int) -> AwsCalls:
    """The calls of GET /registrations/{id} for the registration at `position` of a queue
    seeded for it (its queue position is counted, not stored)."""
    from app import app  # noqa: PLC0415

    first_expiry = date(2026, 11, 20)
    last = max(
        range(position),
        key=lambda n: waiting_registration(n, "stuttgart", first_expiry).queue_key or "",
    )
    seed_waiting(
        boto3.client("dynamodb", region_name=REGION),
        environment[TABLE_NAME],
        "stuttgart",
        position,
        first_expiry,
    )
    read_the_keys_first()
    calls = AwsCalls()
    with calls.on_default_session(), Client(app) as client:
        answer = client.http.get(
            f"/registrations/{last:032x}",
            headers={"Authorization": f"Bearer {access_token(last)}"},
        )
        _expect(answer, 200)
        shown = json.loads(answer.body)["queue_position"]
        if shown != position:
            raise AssertionError(f"expected queue position {position}, the view says {shown}")
    return calls
