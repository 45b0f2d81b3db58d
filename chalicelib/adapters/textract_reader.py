"""The cloud document reader: Amazon Textract's DetectDocumentText on the stored object, then
the zone found in its lines (chalicelib/domain/machine_readable_zone.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.documents import ContentType
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.machine_readable_zone import MachineReadableZone, find_zone

# Textract could not do it now: the read is retried.
_UNAVAILABLE = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
    }
)
# The document itself cannot be read: unreadable, never retried.
_UNREADABLE = frozenset(
    {
        "UnsupportedDocumentException",
        "BadDocumentException",
        "DocumentTooLargeException",
        "InvalidS3ObjectException",
    }
)


class TextractDocumentReader:
    """Reads the zone of a document in the bucket with Textract (needs the IAM action
    `textract:DetectDocumentText` and `s3:GetObject` on the bucket for Textract's caller).
    DetectDocumentText reads JPEG, PNG and single-page PDF synchronously; a multi-page PDF is
    UnsupportedDocumentException there, and so unreadable."""

    def __init__(self, textract_client: Any, bucket: str) -> None:
        self._client = textract_client
        self._bucket = bucket

    def read_zone(
        self, object_key: str, content_type: ContentType, today: date
    ) -> MachineReadableZone | None:
        try:
            answer = self._client.detect_document_text(
                Document={"S3Object": {"Bucket": self._bucket, "Name": object_key}}
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _UNREADABLE:
                return None
            if code in _UNAVAILABLE or code.startswith("5"):
                raise ServiceUnavailable("the document reader is unavailable") from error
            raise
        lines = [
            str(block.get("Text", ""))
            for block in answer.get("Blocks", [])
            if block.get("BlockType") == "LINE"
        ]
        return find_zone(lines, today)
