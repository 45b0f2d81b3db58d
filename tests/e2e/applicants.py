"""Applicants over HTTP against the running local stack: into the queue, and what they see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from chalicelib.domain.calendar import office_today
from infra.local_stack import LocalStack, first_link
from tests.applicant_flow import JPEG, PDF, http_proof_of_work, registration_body

LINK = re.compile(r"status\.html#id=(?P<id>[0-9a-f]{32})&token=(?P<token>[A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class QueuedApplicant:
    """A registration in the queue, as its applicant holds it: the mail link's id and token."""

    stack: LocalStack
    email: str
    registration_id: str
    token: str
    link: str

    def view(self) -> dict[str, Any]:
        """The registration view the status page shows."""
        answer = requests.get(
            f"{self.stack.api_url}/registrations/{self.registration_id}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        view: dict[str, Any] = answer.json()
        return view


def queue_over_http(
    stack: LocalStack, email: str, language: str = "en", **overrides: Any
) -> QueuedApplicant:
    """Register, confirm, upload a passport and a residence title, submit: `waiting`."""
    api = stack.api_url
    expires = office_today(datetime.now(UTC)) + timedelta(days=3)
    overrides.setdefault("title_expires_on", expires.isoformat())
    body = registration_body(email=email, language=language, **overrides)
    body["altcha"] = http_proof_of_work(api)
    created = requests.post(f"{api}/registrations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    link = first_link(stack.wait_for_mail(lambda m: m["To"] == email))
    found = LINK.search(link or "")
    assert link and found and found["id"] == created.json()["registration_id"]
    auth = {"Authorization": f"Bearer {found['token']}"}
    base = f"{api}/registrations/{found['id']}"

    confirmed = requests.post(f"{base}/confirm-email", headers=auth, timeout=10)
    assert confirmed.status_code == 200, confirmed.text
    for kind, content, content_type in (
        ("passport", PDF, "application/pdf"),
        ("residence_title", JPEG, "image/jpeg"),
    ):
        request: dict[str, Any] = {
            "kind": kind,
            "filename": f"{kind}.bin",
            "content_type": content_type,
            "size_bytes": len(content),
        }
        granted = requests.post(f"{base}/documents", headers=auth, json=request, timeout=10)
        assert granted.status_code == 201, granted.text
        upload = granted.json()["upload"]
        files = {"file": (f"{kind}.bin", content, content_type)}
        sent = requests.post(upload["url"], data=upload["fields"], files=files, timeout=10)
        assert sent.status_code in (200, 201, 204), sent.text
    submitted = requests.post(f"{base}/submit", headers=auth, timeout=10)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "waiting"
    return QueuedApplicant(stack, email, found["id"], found["token"], link)
