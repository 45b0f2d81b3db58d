"""Read requests on Amazon SQS: one message per document, taken by the `read_document`
function (chalicelib/reading.py). SQS delivers at least once; the read is idempotent."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import ServiceUnavailable


class SqsReadRequests:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def request_read(self, registration_id: str, document_id: str) -> None:
        body = json.dumps({"registration_id": registration_id, "document_id": document_id})
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=body)
        except (ClientError, BotoCoreError) as error:
            raise ServiceUnavailable("The document could not be handed to the reader.") from error


def parse_read_request(body: str) -> tuple[str, str] | None:
    """(registration id, document id) of a message, or None when it is not one of ours."""
    try:
        message = json.loads(body)
        registration_id, document_id = message["registration_id"], message["document_id"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(registration_id, str) and isinstance(document_id, str)):
        return None
    return registration_id, document_id
