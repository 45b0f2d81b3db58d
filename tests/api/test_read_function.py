"""Reading off the request path: the API hands each verified passport and title to SQS (the
real adapter, on moto), and the `read_document` function takes the messages, as Lambda's
event source would, through Chalice's test client."""

from __future__ import annotations

import json
from typing import Any

import boto3
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.sqs_reads import SqsReadRequests
from chalicelib.config import READ_QUEUE_NAME
from tests.applicant_flow import register, registration_body
from tests.conftest import REGION, FixedClock
from tests.zone_documents import documents_for


def sqs_reads() -> tuple[Any, str]:
    """Wire the container to the real SQS adapter (the fixtures use an immediate one)."""
    c = bootstrap.container()
    sqs = boto3.client("sqs", region_name=REGION)
    url = c.settings.read_queue_url
    assert url
    c.read_requests = SqsReadRequests(sqs, url)
    return sqs, url


def deliver(client: Client, sqs: Any, url: str) -> int:
    """Take every message from the queue and invoke read_document with it; how many."""
    delivered = 0
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = answer.get("Messages", [])
        if not messages:
            return delivered
        event = client.events.generate_sqs_event(
            message_bodies=[m["Body"] for m in messages], queue_name=READ_QUEUE_NAME
        )
        for record in event["Records"]:
            single = {"Records": [record]}
            client.lambda_.invoke("read_document", single)
            delivered += 1
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def view(applicant: Any) -> dict[str, Any]:
    answer = applicant.get()
    assert answer.status_code == 200, answer.body
    seen: dict[str, Any] = json.loads(answer.body)
    return seen


def test_uploads_are_read_by_the_function_and_submit_waits_for_them(
    client: Client, clock: FixedClock
) -> None:
    sqs, url = sqs_reads()
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    for kind, content in documents_for(registration_body()).items():
        applicant.upload(kind, content)

    # The upload answers at once: the documents are verified as files, being read.
    seen = view(applicant)
    assert {d["check"] for d in seen["documents"]} == {"pending"}
    submitted = json.loads(applicant.post("submit").body)
    assert submitted["status"] == "checking"

    assert deliver(client, sqs, url) == 2
    settled = view(applicant)
    assert {d["check"] for d in settled["documents"]} == {"matches"}
    assert settled["status"] == "waiting"
    assert settled["queue_position"] == 1


def test_a_second_delivery_and_a_stranger_message_change_nothing(
    client: Client, clock: FixedClock
) -> None:
    sqs, url = sqs_reads()
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    for kind, content in documents_for(registration_body()).items():
        applicant.upload(kind, content)
    view(applicant)  # the uploads are judged, and handed to the reader
    bodies = [
        m["Body"]
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)[
            "Messages"
        ]
    ]
    assert len(bodies) == 2
    assert all(applicant.registration_id in b for b in bodies)
    assert deliver(client, sqs, url) == 2
    read_once = bootstrap.container().verification.history(applicant.registration_id)

    twice = client.events.generate_sqs_event(
        message_bodies=[*bodies, "not json", json.dumps({"registration_id": 7})],
        queue_name=READ_QUEUE_NAME,
    )
    for record in twice["Records"]:
        client.lambda_.invoke("read_document", {"Records": [record]})

    assert bootstrap.container().verification.history(applicant.registration_id) == read_once
    assert {d["check"] for d in view(applicant)["documents"]} == {"matches"}


def test_a_lost_read_request_is_asked_for_again_after_five_minutes_and_only_once(
    client: Client, clock: FixedClock
) -> None:
    sqs, url = sqs_reads()
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    for kind, content in documents_for(registration_body()).items():
        applicant.upload(kind, content)
    assert json.loads(applicant.post("submit").body)["status"] == "checking"
    sqs.purge_queue(QueueUrl=url)  # the requests are lost

    def waiting_messages() -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    clock.set("2026-11-24T09:04:00+00:00")
    assert view(applicant)["status"] == "checking"
    assert waiting_messages() == 0  # within five minutes: the reader may still be at it
    clock.set("2026-11-24T09:06:00+00:00")
    view(applicant)
    view(applicant)  # the page polls: asked again once, not per poll
    assert waiting_messages() == 2
    assert deliver(client, sqs, url) == 2
    assert view(applicant)["status"] == "waiting"
