"""Test helpers that act as an applicant: register, read the mail, upload, submit."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

import requests
from altcha.v1 import solve_challenge
from chalice.test import Client

from tests.conftest import sent_mails, text_part
from tests.zone_documents import documents_for

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"

JSON = {"Content-Type": "application/json"}
LINK = re.compile(r"status\.html#id=(?P<id>[0-9a-f]{32})&token=(?P<token>[A-Za-z0-9_-]+)")


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_names": "Olena",
        "family_name": "Kovalenko",
        "date_of_birth": "1991-04-12",
        "nationality": "UKR",
        "email": "olena.k@example.org",
        "language": "en",
        "title_type": "residence_permit",
        "title_number": "Y1234567",
        "title_expires_on": "2026-11-28",
        "privacy_consent": True,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class Applicant:
    """One registration as its applicant holds it: the id and the token from the mail."""

    client: Client
    registration_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **JSON}

    def get(self) -> Any:
        return self.client.http.get(f"/registrations/{self.registration_id}", headers=self.auth)

    def post(self, action: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.http.post(
            f"/registrations/{self.registration_id}/{action}",
            headers=self.auth,
            body=json.dumps(body) if body is not None else "",
        )

    def request_upload(
        self, kind: str, content_type: str, size: int, filename: str = "scan.pdf"
    ) -> Any:
        return self.post(
            "documents",
            {"kind": kind, "filename": filename, "content_type": content_type, "size_bytes": size},
        )

    def upload(self, kind: str, content: bytes, content_type: str = "application/pdf") -> str:
        """Ask for an upload and send the file with the presigned POST, as a browser would."""
        granted = self.request_upload(kind, content_type, len(content))
        assert granted.status_code == 201, granted.body
        answer = json.loads(granted.body)
        post_form(answer["upload"], content, content_type)
        return str(answer["document_id"])


def post_form(upload: dict[str, Any], content: bytes, content_type: str) -> requests.Response:
    response = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("upload", content, content_type)},
        timeout=10,
    )
    assert response.status_code in (200, 201, 204), response.text
    return response


def last_link(to: str) -> tuple[str, str]:
    """The registration id and token of the last mail sent to `to`."""
    for mail in reversed(sent_mails()):
        if mail["To"] == to:
            found = LINK.search(text_part(mail))
            assert found, "mail carries no status link"
            return found["id"], found["token"]
    raise AssertionError(f"no mail to {to}")


def solve(challenge: dict[str, Any]) -> str:
    """The `altcha` payload that solves a challenge of GET /registrations/challenge."""
    solution = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    assert solution is not None, "the challenge has no solution within its maxnumber"
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def proof_of_work(client: Client) -> str:
    """A fresh, solved challenge: what the form puts in `altcha` (good for one registration)."""
    answer = client.http.get("/registrations/challenge")
    assert answer.status_code == 200, answer.body
    return solve(json.loads(answer.body))


def http_proof_of_work(api_url: str) -> str:
    """The same over HTTP, against a running stack."""
    answer = requests.get(f"{api_url}/registrations/challenge", timeout=10)
    assert answer.status_code == 200, answer.text
    return solve(answer.json())


def with_proof(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "altcha": proof_of_work(client)}


def register(client: Client, **overrides: Any) -> Applicant:
    body = registration_body(**overrides)
    response = client.http.post(
        "/registrations", headers=JSON, body=json.dumps(with_proof(client, body))
    )
    assert response.status_code == 201, response.body
    registration_id, token = last_link(body["email"])
    assert json.loads(response.body)["registration_id"] == registration_id
    return Applicant(client, registration_id, token)


def ready_to_submit(client: Client, **overrides: Any) -> Applicant:
    """Registered, confirmed, with a passport and a residence title whose machine-readable
    zones say what was typed (tests/zone_documents.py)."""
    applicant = register(client, **overrides)
    assert applicant.post("confirm-email").status_code == 200
    documents = documents_for(registration_body(**overrides))
    applicant.upload("passport", documents["passport"])
    applicant.upload("residence_title", documents["residence_title"])
    return applicant


def queued(client: Client, **overrides: Any) -> Applicant:
    applicant = ready_to_submit(client, **overrides)
    submitted = applicant.post("submit")
    assert submitted.status_code == 200, submitted.body
    return applicant
