"""The sanitiser function: takes S3's events for new uploads from SQS, makes each one's safe copy.

Its own function with its own layer (Pillow and pikepdf, infra/functions.json): the API's
package stays under its size limit, and only this function parses hostile files
(docs/reliability.md, "Documents staff open").
"""

from __future__ import annotations

from chalice.app import Blueprint, SQSEvent

from chalicelib.adapters.s3_safe_copies import uploads_created
from chalicelib.bootstrap import container
from chalicelib.config import SAFE_COPY_QUEUE_NAME
from chalicelib.observability import log, publishes_metrics

screening_handlers = Blueprint(__name__)


# The packaged template binds the event source to the stack's queue of this name, to which the
# documents bucket sends its ObjectCreated events under uploads/ (infra/resources.json,
# SafeCopyRequestsQueue; infra/finalize.py).
@screening_handlers.on_sqs_message(queue=SAFE_COPY_QUEUE_NAME, batch_size=1, name="make_safe_copy")
@publishes_metrics
def make_safe_copy(event: SQSEvent) -> None:
    copies = container().safe_copies
    for record in event:
        uploads = uploads_created(record.body)
        if not uploads:
            log().info("safe_copy_event_ignored")  # S3's test event, or not an upload
        for upload in uploads:
            # Raises when S3 fails: SQS delivers the message again, then to its DLQ.
            copies.make(upload)
