"""POST /registrations/{id}/documents: presigned uploads, and what the service accepts."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib import bootstrap
from tests.api.test_applicant_access import objects
from tests.api.test_registration import problem
from tests.applicant_flow import JPEG, PDF, PNG, Applicant, post_form, queued, register
from tests.conftest import REGION, TEST_ENV, FixedClock


@pytest.fixture
def applicant(client: Client) -> Applicant:
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    return applicant


def statuses(applicant: Applicant) -> dict[str, str]:
    view = json.loads(applicant.get().body)
    return {d["document_id"]: d["status"] for d in view["documents"]}


def policy(upload: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.b64decode(upload["fields"]["policy"]))
    return decoded


def test_grant_is_a_presigned_post_bound_to_key_type_and_size(applicant: Applicant) -> None:
    response = applicant.request_upload("passport", "application/pdf", 12345, "../../etc/passwd")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = json.loads(response.body)
    upload = body["upload"]
    key = f"uploads/{applicant.registration_id}/{body['document_id']}"
    assert upload["fields"]["key"] == key
    assert upload["fields"]["Content-Type"] == "application/pdf"
    conditions = policy(upload)["conditions"]
    assert {"Content-Type": "application/pdf"} in conditions
    assert ["content-length-range", 12345, 12345] in conditions
    assert {"key": key} in conditions
    # S3 signs with the real clock; the window it allows is 15 minutes from signing.
    signed = datetime.strptime(upload["fields"]["x-amz-date"], "%Y%m%dT%H%M%SZ")
    expires = datetime.strptime(policy(upload)["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires - signed == timedelta(minutes=15)
    granted_until = datetime.fromisoformat(upload["expires_at"])
    assert granted_until - bootstrap.container().clock() == timedelta(minutes=15)
    # The bucket's regional endpoint: the global one redirects a young bucket's uploads.
    bucket = TEST_ENV["DOCUMENTS_BUCKET"]
    assert upload["url"] == f"https://{bucket}.s3.{REGION}.amazonaws.com/"
    view = json.loads(applicant.get().body)
    assert view["documents"] == [
        {
            "document_id": body["document_id"],
            "kind": "passport",
            "filename": "passwd.pdf",  # the last part of the name, with its type's extension
            "status": "pending",
            "check": "not_read",  # read once the file itself is verified
            "mismatches": [],
        }
    ]


@pytest.mark.parametrize(
    ("kind", "content", "content_type"),
    [
        ("passport", PDF, "application/pdf"),
        ("residence_title", JPEG, "image/jpeg"),
        ("other", PNG, "image/png"),
    ],
)
def test_uploaded_file_of_the_declared_type_is_verified(
    applicant: Applicant, kind: str, content: bytes, content_type: str
) -> None:
    document_id = applicant.upload(kind, content, content_type)
    assert statuses(applicant) == {document_id: "verified"}
    # The verified copy lives apart from the upload key, which a reused POST could overwrite.
    assert objects() == [f"documents/{applicant.registration_id}/{document_id}"]


@pytest.mark.parametrize(
    ("declared", "content"),
    [
        ("application/pdf", b"<html><script>alert(1)</script></html>"),
        ("application/pdf", JPEG),
        ("image/png", PDF),
        ("image/jpeg", b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"),
    ],
)
def test_content_that_is_not_the_declared_type_is_rejected_and_deleted(
    applicant: Applicant, declared: str, content: bytes
) -> None:
    document_id = applicant.upload("passport", content, declared)
    assert statuses(applicant) == {document_id: "rejected"}
    assert objects() == []
    assert json.loads(applicant.get().body)["missing_documents"] == ["passport", "residence_title"]


def test_size_other_than_declared_is_rejected(applicant: Applicant) -> None:
    granted = json.loads(applicant.request_upload("passport", "application/pdf", 10).body)
    post_form(granted["upload"], PDF + b"padding", "application/pdf")  # moto ignores the policy
    assert statuses(applicant) == {granted["document_id"]: "rejected"}
    assert objects() == []


def test_reused_post_after_verification_does_not_replace_the_document(applicant: Applicant) -> None:
    granted = json.loads(applicant.request_upload("passport", "application/pdf", len(PDF)).body)
    post_form(granted["upload"], PDF, "application/pdf")
    assert statuses(applicant) == {granted["document_id"]: "verified"}
    evil = b"%PDF-" + b"X" * (len(PDF) - 5)
    post_form(granted["upload"], evil, "application/pdf")
    assert statuses(applicant) == {granted["document_id"]: "verified"}
    s3 = boto3.client("s3", region_name=REGION)
    verified = s3.get_object(
        Bucket=TEST_ENV["DOCUMENTS_BUCKET"],
        Key=f"documents/{applicant.registration_id}/{granted['document_id']}",
    )
    assert verified["Body"].read() == PDF


def test_upload_never_made_expires_and_frees_its_place(
    applicant: Applicant, clock: FixedClock
) -> None:
    granted = json.loads(applicant.request_upload("passport", "application/pdf", 100).body)
    assert statuses(applicant) == {granted["document_id"]: "pending"}
    clock.now += timedelta(minutes=16)
    assert statuses(applicant) == {granted["document_id"]: "expired"}


def test_at_most_ten_documents(applicant: Applicant) -> None:
    for _ in range(10):
        assert applicant.request_upload("other", "application/pdf", 100).status_code == 201
    problem(applicant.request_upload("other", "application/pdf", 100), 409, "too_many_documents")


def test_a_rejected_document_gives_its_place_back(applicant: Applicant) -> None:
    for _ in range(9):
        applicant.request_upload("other", "application/pdf", 100)
    applicant.upload("passport", b"not a pdf at all", "application/pdf")
    assert "rejected" in statuses(applicant).values()
    assert applicant.request_upload("other", "application/pdf", 100).status_code == 201
    problem(applicant.request_upload("other", "application/pdf", 100), 409, "too_many_documents")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "selfie"}, "kind"),
        ({"content_type": "text/html"}, "content_type"),
        ({"content_type": "application/x-msdownload"}, "content_type"),
        ({"size_bytes": 0}, "size_bytes"),
        ({"size_bytes": "100"}, "size_bytes"),
        ({"size_bytes": 1.5}, "size_bytes"),
        ({"filename": ""}, "filename"),
        ({"filename": "a\u0000.pdf"}, "filename"),
        ({"filename": "x" * 256}, "filename"),
        ({"object_key": "documents/x"}, "object_key"),
    ],
)
def test_invalid_document_requests_are_named(
    applicant: Applicant, body: dict[str, Any], field: str
) -> None:
    request = {
        "kind": "passport",
        "filename": "p.pdf",
        "content_type": "application/pdf",
        "size_bytes": 10,
    }
    request.update(body)
    answer = problem(applicant.post("documents", request), 422, "validation_failed")
    assert field in {e["field"] for e in answer["errors"]}
    assert statuses(applicant) == {}


def test_more_than_ten_mib_is_too_large(applicant: Applicant) -> None:
    body = problem(
        applicant.request_upload("passport", "application/pdf", 10 * 1024 * 1024 + 1),
        413,
        "payload_too_large",
    )
    assert body["errors"][0]["field"] == "size_bytes"
    assert (
        applicant.request_upload("passport", "application/pdf", 10 * 1024 * 1024).status_code == 201
    )


def test_no_uploads_before_the_email_is_confirmed(client: Client) -> None:
    fresh = register(client)
    problem(fresh.request_upload("passport", "application/pdf", 100), 409, "invalid_state")


def test_no_uploads_once_queued(client: Client) -> None:
    waiting = queued(client)
    problem(waiting.request_upload("other", "application/pdf", 100), 409, "invalid_state")
