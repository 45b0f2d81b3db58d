"""The local stand-in for Lambda's SQS event source mapping: takes read requests from the
emulated queue and invokes the app's `read_document` function with an SQS event, as Lambda
would; a message whose invocation fails stays on the queue and comes back after its
visibility timeout. `make run` runs it as a child process with the API's environment."""

from __future__ import annotations

import hashlib
import os
import signal
import sys
from types import FrameType
from typing import Any

import boto3
from chalice.cli.factory import CLIFactory
from chalice.test import TestLambdaClient

from app import app
from chalicelib.config import READ_QUEUE_URL
from infra.chalice_local import overrides_from
from infra.local_scheduler import PROJECT_DIR, STAGE

FUNCTION = "read_document"
WAIT_SECONDS = 1


def sqs_event(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda hands an SQS-triggered function for one message."""
    body = message["Body"]
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": body,
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        ]
    }


def serve() -> None:
    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(
        chalice_stage_name=STAGE,
        user_provided_params={"environment_variables": overrides_from(os.environ)},
    )
    os.environ.update(config.environment_variables)
    functions = TestLambdaClient(app, config)
    queue_url = os.environ[READ_QUEUE_URL]
    sqs = boto3.client("sqs")
    region = sqs.meta.region_name
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    running = True

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    while running:
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=WAIT_SECONDS
        )
        for message in answer.get("Messages", []):
            try:
                functions.invoke(FUNCTION, sqs_event(message, queue_arn, region))
            except Exception as error:  # as Lambda: the message comes back later
                print(f"read_document failed: {error!r}", file=sys.stderr, flush=True)
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


if __name__ == "__main__":
    serve()
