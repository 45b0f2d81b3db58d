"""Documents: what counts as a real PDF, JPEG or PNG of the declared size."""

from __future__ import annotations

import pytest

from chalicelib.domain.documents import (
    MAX_DOCUMENT_BYTES,
    ContentType,
    Document,
    DocumentKind,
    DocumentStatus,
    RejectionReason,
    judge_upload,
    missing_kinds,
)

PDF = b"%PDF-1.7\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00"


@pytest.mark.parametrize(
    ("declared", "prefix"),
    [(ContentType.PDF, PDF), (ContentType.JPEG, JPEG), (ContentType.PNG, PNG)],
)
def test_matching_content_counts(declared: ContentType, prefix: bytes) -> None:
    assert judge_upload(declared, 100, 100, declared.value, prefix) is None


@pytest.mark.parametrize(
    ("declared", "prefix"),
    [
        (ContentType.PDF, b"<html><script>alert(1)</script>"),
        (ContentType.PDF, JPEG),
        (ContentType.JPEG, PNG),
        (ContentType.PNG, b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"),
        (ContentType.PDF, b"%PD"),
    ],
)
def test_content_that_is_not_the_declared_type_is_refused(
    declared: ContentType, prefix: bytes
) -> None:
    assert (
        judge_upload(declared, 100, 100, declared.value, prefix) is RejectionReason.CONTENT_MISMATCH
    )


def test_size_must_be_exactly_the_declared_size_and_within_limit() -> None:
    assert judge_upload(ContentType.PDF, 100, 101, "application/pdf", PDF) is (
        RejectionReason.SIZE_MISMATCH
    )
    assert judge_upload(ContentType.PDF, 0, 0, "application/pdf", b"") is (
        RejectionReason.SIZE_MISMATCH
    )
    too_big = MAX_DOCUMENT_BYTES + 1
    assert judge_upload(ContentType.PDF, too_big, too_big, "application/pdf", PDF) is (
        RejectionReason.SIZE_MISMATCH
    )


def test_stored_content_type_must_match() -> None:
    assert judge_upload(ContentType.PDF, 10, 10, "text/html", PDF) is (
        RejectionReason.TYPE_MISMATCH
    )
    assert judge_upload(ContentType.PDF, 10, 10, "application/pdf; charset=binary", PDF) is None


def _doc(kind: DocumentKind, status: DocumentStatus) -> Document:
    return Document(
        document_id=kind.value + status.value,
        registration_id="r" * 32,
        kind=kind,
        filename="f.pdf",
        content_type=ContentType.PDF,
        size_bytes=10,
        status=status,
        created_at="2026-11-24T09:00:00.000000Z",
        upload_expires_at="2026-11-24T09:15:00.000000Z",
        object_key="k",
    )


def test_only_verified_documents_satisfy_requirements() -> None:
    docs = [
        _doc(DocumentKind.PASSPORT, DocumentStatus.VERIFIED),
        _doc(DocumentKind.RESIDENCE_TITLE, DocumentStatus.PENDING),
        _doc(DocumentKind.RESIDENCE_TITLE, DocumentStatus.REJECTED),
    ]
    assert missing_kinds(docs) == ["residence_title"]
    assert missing_kinds([]) == ["passport", "residence_title"]
