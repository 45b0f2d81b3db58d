"""Files people really have (issue 15): a PDF whose header is not at byte 0."""

from __future__ import annotations

import pytest

from chalicelib.domain.documents import (
    MAGIC_PREFIX_LENGTH,
    ContentType,
    RejectionReason,
    content_matches,
    judge_upload,
)

BODY = b"1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


@pytest.mark.parametrize(
    "prefix",
    [
        b"%PDF-" + BODY,
        b"\xef\xbb\xbf%PDF-" + BODY,  # a UTF-8 byte-order mark
        b"\r\n%PDF-" + BODY,
        b"\n\n%PDF-" + BODY,
        b"\x00" * 512 + b"%PDF-" + BODY,  # a mail program's or scanner's preamble
        b"x" * 1019 + b"%PDF-",  # the header ends with the 1024th byte
    ],
)
def test_a_pdf_header_within_the_first_1024_bytes_counts(prefix: bytes) -> None:
    assert content_matches(ContentType.PDF, prefix[:MAGIC_PREFIX_LENGTH])
    assert judge_upload(ContentType.PDF, 100, 100, "application/pdf", prefix) is None


@pytest.mark.parametrize(
    "prefix",
    [
        b"x" * 1020 + b"%PDF-",  # begins within, ends beyond
        b"x" * 2000 + b"%PDF-",
        b"<html>" + b" " * 100,
        b"",
    ],
)
def test_a_pdf_header_later_or_missing_is_refused(prefix: bytes) -> None:
    assert not content_matches(ContentType.PDF, prefix[:MAGIC_PREFIX_LENGTH])
    assert (
        judge_upload(ContentType.PDF, 100, 100, "application/pdf", prefix[:MAGIC_PREFIX_LENGTH])
        is RejectionReason.CONTENT_MISMATCH
    )


@pytest.mark.parametrize(
    ("declared", "prefix"),
    [
        (ContentType.JPEG, b"\r\n\xff\xd8\xff\xe0"),
        (ContentType.PNG, b"\xef\xbb\xbf\x89PNG\r\n\x1a\n"),
    ],
)
def test_photos_still_start_with_their_signature(declared: ContentType, prefix: bytes) -> None:
    assert not content_matches(declared, prefix)


def test_the_service_reads_enough_of_a_file_to_find_a_late_pdf_header() -> None:
    assert MAGIC_PREFIX_LENGTH >= 1024
