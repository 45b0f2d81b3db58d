"""The document reader function: takes read requests from SQS, calls one service."""

from __future__ import annotations

from chalice.app import Blueprint, SQSEvent

from chalicelib.adapters.sqs_reads import parse_read_request
from chalicelib.bootstrap import container
from chalicelib.config import READ_QUEUE_NAME
from chalicelib.observability import log, publishes_metrics

reading_handlers = Blueprint(__name__)


# The packaged template binds the event source to the stack's queue of this name
# (infra/resources.json, ReadRequestsQueue; infra/finalize.py).
@reading_handlers.on_sqs_message(queue=READ_QUEUE_NAME, batch_size=1, name="read_document")
@publishes_metrics
def read_document(event: SQSEvent) -> None:
    services = container()
    for record in event:
        request = parse_read_request(record.body)
        if request is None:
            log().warning("read_request_malformed")
            continue
        registration_id, document_id = request
        # Raises on a reader failure: SQS delivers the message again, then to its DLQ.
        services.verification.read_document(registration_id, document_id, services.clock())
