"""The Textract reader on moto: the wiring (the request it makes, the LINE blocks it reads) and
how Textract's errors are answered. moto cannot read a document: it answers every call with
canned blocks (set here), so what is read is tested in tests/unit and tests/documents."""

from __future__ import annotations

from datetime import date

import boto3
import pytest
from botocore.stub import Stubber
from moto.textract.models import TextractBackend

from chalicelib.adapters.textract_reader import TextractDocumentReader
from chalicelib.domain.documents import ContentType
from chalicelib.domain.errors import ServiceUnavailable
from tests.conftest import REGION, TEST_ENV

TODAY = date(2026, 5, 4)
ZONE = [
    "IDENTITY NOTICE",
    "ARD<<L01X00T47 1<<<<<<<<<<<<<<<",
    "9104129F2611206UKR<<<<<<<<<<<8",
    "KOVALENKO<<OLENA<<<<<<<<<<<<<<",
]


def line_blocks(lines: list[str]) -> list[dict[str, object]]:
    page: dict[str, object] = {"BlockType": "PAGE", "Id": "page"}
    return [page] + [
        {"BlockType": "LINE", "Id": f"line-{i}", "Text": text, "Confidence": 99.0}
        for i, text in enumerate(lines)
    ]


@pytest.fixture
def reader(aws: None) -> TextractDocumentReader:
    return TextractDocumentReader(
        boto3.client("textract", region_name=REGION), TEST_ENV["DOCUMENTS_BUCKET"]
    )


def test_reads_the_zone_from_textract_lines(
    reader: TextractDocumentReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TextractBackend, "BLOCKS", line_blocks(ZONE))
    zone = reader.read_zone("registrations/r/documents/d", ContentType.JPEG, TODAY)
    assert zone is not None
    assert (zone.document_format, zone.family_name, zone.expires_on) == (
        "TD1",
        "KOVALENKO",
        date(2026, 11, 20),
    )


def test_a_page_without_a_zone_is_unreadable(
    reader: TextractDocumentReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TextractBackend, "BLOCKS", line_blocks(["Sehr geehrte Damen und Herren"]))
    assert reader.read_zone("k", ContentType.PDF, TODAY) is None


def stubbed(code: str) -> tuple[TextractDocumentReader, Stubber]:
    client = boto3.client(
        "textract",
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    stubber = Stubber(client)
    stubber.add_client_error(
        "detect_document_text",
        service_error_code=code,
        expected_params={"Document": {"S3Object": {"Bucket": "bucket", "Name": "key"}}},
    )
    stubber.activate()
    return TextractDocumentReader(client, "bucket"), stubber


@pytest.mark.parametrize(
    "code",
    [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailable",
    ],
)
def test_textract_throttling_or_down_is_service_unavailable(code: str) -> None:
    reader, stubber = stubbed(code)
    with pytest.raises(ServiceUnavailable):
        reader.read_zone("key", ContentType.JPEG, TODAY)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "code",
    [
        "UnsupportedDocumentException",
        "BadDocumentException",
        "DocumentTooLargeException",
        "InvalidS3ObjectException",
    ],
)
def test_a_document_textract_cannot_take_is_unreadable(code: str) -> None:
    reader, stubber = stubbed(code)
    assert reader.read_zone("key", ContentType.PDF, TODAY) is None
    stubber.assert_no_pending_responses()
