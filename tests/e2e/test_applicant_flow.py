"""The whole applicant flow over HTTP against the running local stack."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from infra.local_stack import LocalStack
from tests.applicant_flow import http_proof_of_work, registration_body
from tests.e2e.applicants import (
    LINK,
    photographed_documents,
    verify_by_staff,
    wait_until_read,
)

pytestmark = pytest.mark.e2e


def test_register_confirm_upload_submit(local_stack: LocalStack) -> None:
    api = local_stack.api_url
    email = "e2e.flow@example.org"

    request = {**registration_body(email=email), "altcha": http_proof_of_work(api)}
    created = requests.post(f"{api}/registrations", json=request, timeout=10)
    assert created.status_code == 201, created.text
    registration_id = created.json()["registration_id"]

    mail = local_stack.wait_for_mail(lambda m: m["To"] == email)
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    link = LINK.search(body.get_content())
    assert link and link["id"] == registration_id
    assert link["lang"] == "en"  # the page opens in the language the person registered in
    auth = {"Authorization": f"Bearer {link['token']}"}
    # The mail is also on disk, as an .eml a developer can open.
    assert any(p.suffix == ".eml" for p in local_stack.outbox_dir.iterdir())

    confirmed = requests.post(
        f"{api}/registrations/{registration_id}/confirm-email", headers=auth, timeout=10
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "awaiting_documents"

    for kind, content, content_type in photographed_documents(request):
        granted = requests.post(
            f"{api}/registrations/{registration_id}/documents",
            headers=auth,
            json={
                "kind": kind,
                "filename": f"{kind}.bin",
                "content_type": content_type,
                "size_bytes": len(content),
            },
            timeout=10,
        )
        assert granted.status_code == 201, granted.text
        upload: dict[str, Any] = granted.json()["upload"]
        assert upload["url"].startswith(local_stack.endpoint_url)
        sent = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": (f"{kind}.bin", content, content_type)},
            timeout=10,
        )
        assert sent.status_code in (200, 201, 204), sent.text

    # The reader process (tesseract) reads both photos' zones off the request path.
    read = wait_until_read(api, registration_id, auth)
    assert {d["kind"]: d["check"] for d in read["documents"]}["passport"] == "matches"
    submitted = requests.post(
        f"{api}/registrations/{registration_id}/submit", headers=auth, timeout=10
    )
    assert submitted.status_code == 200, submitted.text
    if submitted.json()["status"] == "in_review":  # the card unread: see queue_over_http
        verify_by_staff(local_stack, registration_id)
        submitted = requests.get(f"{api}/registrations/{registration_id}", headers=auth, timeout=10)
    view = submitted.json()
    assert view["status"] == "waiting"
    assert view["queue_position"] >= 1
    assert {d["status"] for d in view["documents"]} == {"verified"}
    assert submitted.headers["Cache-Control"] == "no-store"
    # Submitted and queued: a mail says so, with the status link again (issue 13).
    queued = local_stack.wait_for_mail(
        lambda m: m["To"] == email and str(m["Subject"]).startswith("You are in the queue")
    )
    queued_text = queued.get_body(preferencelist=("plain",))
    assert queued_text is not None
    queued_link = LINK.search(queued_text.get_content())
    assert queued_link and queued_link["id"] == registration_id and queued_link["lang"] == "en"

    wrong = requests.get(
        f"{api}/registrations/{registration_id}",
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    assert wrong.status_code == 404
    assert wrong.headers["Content-Type"] == "application/problem+json"


def test_errors_over_http_are_problems(local_stack: LocalStack) -> None:
    api = local_stack.api_url
    answer = requests.post(
        f"{api}/registrations",
        data="{oops",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_failed"
    spec = requests.get(f"{api}/openapi.json", timeout=10)
    assert spec.status_code == 200
    assert "/registrations" in spec.json()["paths"]
