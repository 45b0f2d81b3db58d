"""SES bounces and complaints mark the registration's mail undeliverable; mails carry the id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib import bootstrap, observability
from chalicelib.adapters.ses import SesMailer
from chalicelib.observability import log
from chalicelib.services.mail_events import MailEventKind, parse_ses_event
from chalicelib.services.ports import REGISTRATION_ID_TAG, MailMessage
from tests.applicant_flow import register
from tests.conftest import REGION, TEST_ENV, FixedClock
from tests.operations.conftest import emf_blobs, metric_totals

EMAIL = "bounce.me@example.org"


def ses_event(event_type: str, registration_id: str | None, **detail: Any) -> str:
    """What an SES configuration set publishes to SNS (the parts the handler reads, and the
    recipient addresses it must not log)."""
    tags = {"ses:configuration-set": ["notfalltermin-mail"]}
    if registration_id is not None:
        tags[REGISTRATION_ID_TAG] = [registration_id]
    body: dict[str, Any] = {
        "eventType": event_type,
        "mail": {
            "timestamp": "2026-11-24T09:00:00.000Z",
            "source": TEST_ENV["MAIL_SENDER"],
            "messageId": "0100018f-example",
            "destination": [EMAIL],
            "tags": tags,
        },
    }
    if event_type == "Bounce":
        body["bounce"] = {
            "bounceType": detail.get("bounce_type", "Permanent"),
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": EMAIL, "diagnosticCode": f"550 {EMAIL}"}],
        }
    elif event_type == "Complaint":
        body["complaint"] = {
            "complainedRecipients": [{"emailAddress": EMAIL}],
            "complaintFeedbackType": "abuse",
        }
    return json.dumps(body)


def deliver(client: Client, message: str) -> None:
    client.lambda_.invoke("mail_events", client.events.generate_sns_event(message=message))


def registration_item(registration_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        boto3.client("dynamodb", region_name=REGION)
        .get_item(
            TableName=TEST_ENV["TABLE_NAME"],
            Key={"PK": {"S": f"REG#{registration_id}"}, "SK": {"S": "REG"}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    return item


@pytest.fixture
def sent_requests(clock: FixedClock) -> Iterator[list[dict[str, Any]]]:
    """Every SESv2 SendEmail request the app makes, from clients built after the hook."""
    captured: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        captured.append(params)

    session = boto3._get_default_session()
    session.events.register("provide-client-params.sesv2.SendEmail", capture)
    bootstrap.reset()
    bootstrap.container().clock = clock
    yield captured
    session.events.unregister("provide-client-params.sesv2.SendEmail", capture)


def test_the_registration_mail_carries_the_registration_id_as_a_tag(
    client: Client, sent_requests: list[dict[str, Any]]
) -> None:
    applicant = register(client, email=EMAIL)
    (request,) = sent_requests
    assert request["EmailTags"] == [{"Name": "registration_id", "Value": applicant.registration_id}]


def test_a_bounce_marks_the_mail_undeliverable(
    client: Client, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    applicant = register(client, email=EMAIL)
    capsys.readouterr()

    deliver(client, ses_event("Bounce", applicant.registration_id))

    item = registration_item(applicant.registration_id)
    assert item is not None
    assert item["mail_undeliverable"] == {"BOOL": True}
    assert item["mail_undeliverable_reason"] == {"S": "bounce:Permanent:General"}
    assert item["mail_undeliverable_at"] == {"S": "2026-11-24T09:00:00.000000Z"}
    assert item["status"] == {"S": "email_unverified"}  # nothing else changed
    assert metric_totals(emf_blobs(capsys.readouterr().out)) == {
        observability.MAILS_UNDELIVERABLE: 1
    }


def test_a_complaint_marks_the_mail_undeliverable_too(client: Client) -> None:
    applicant = register(client, email=EMAIL)
    deliver(client, ses_event("Complaint", applicant.registration_id))
    item = registration_item(applicant.registration_id)
    assert item is not None
    assert item["mail_undeliverable_reason"] == {"S": "complaint:abuse"}


def test_an_event_for_an_erased_registration_creates_nothing(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = "0" * 32
    deliver(client, ses_event("Bounce", gone))
    assert registration_item(gone) is None
    assert emf_blobs(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    "message",
    [
        ses_event("Delivery", "a" * 32),
        ses_event("Bounce", None),  # a mail that is not about a registration
        ses_event("Bounce", "not-an-id"),
        "not json",
        "[]",
    ],
)
def test_other_messages_are_ignored(message: str) -> None:
    assert parse_ses_event(message) is None


def test_reasons_keep_only_the_ses_words() -> None:
    event = parse_ses_event(ses_event("Bounce", "b" * 32, bounce_type=f"Transient <{EMAIL}>"))
    assert event is not None
    assert event.kind is MailEventKind.BOUNCE
    assert event.reason.startswith("bounce:Transient")
    assert event.reason.endswith(":General")
    assert not set("@<> .") & set(event.reason)


def test_mail_events_log_ids_never_addresses(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    applicant = register(client, email=EMAIL)
    caplog.set_level(logging.DEBUG, logger="notfalltermin")

    deliver(client, ses_event("Bounce", applicant.registration_id))
    deliver(client, ses_event("Delivery", applicant.registration_id))

    formatter = log().registered_formatter
    lines = [formatter.format(r) for r in caplog.records if r.name.startswith("notfalltermin")]
    assert any(applicant.registration_id in line and "mail_undeliverable" in line for line in lines)
    assert any("mail_event_ignored" in line for line in lines)
    for line in lines:
        assert "bounce.me" not in line and "example.org" not in line, line


class RecordingClient:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def send_email(self, **request: Any) -> dict[str, str]:
        self.requests.append(request)
        return {"MessageId": "m-1"}


def test_the_mailer_sends_tags_and_the_configuration_set() -> None:
    ses = RecordingClient()
    mailer = SesMailer(ses, "termin@stuttgart.example", "notfalltermin-mail")
    message = MailMessage("a@example.org", "Subject", "text", "<p>html</p>")

    mailer.send(message)
    mailer.send(MailMessage("a@example.org", "S", "t", "h", tags={REGISTRATION_ID_TAG: "c" * 32}))

    untagged, tagged = ses.requests
    assert "EmailTags" not in untagged
    assert untagged["ConfigurationSetName"] == "notfalltermin-mail"
    assert tagged["EmailTags"] == [{"Name": "registration_id", "Value": "c" * 32}]
