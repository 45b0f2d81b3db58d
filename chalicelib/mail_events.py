"""The SES mail event handler: bounces and complaints, delivered by SNS, one call each."""

from __future__ import annotations

from chalice.app import Blueprint, SNSEvent

from chalicelib.bootstrap import container
from chalicelib.observability import bind_correlation_id, log, publishes_metrics
from chalicelib.services.mail_events import parse_ses_event, record_mail_event

# The topic's name as Chalice sees it; infra/functions.json binds it to the stack's topic
# (MailEventsTopic), to which the SES configuration set publishes bounces and complaints.
MAIL_EVENTS_TOPIC = "notfalltermin-mail-events"

mail_event_handlers = Blueprint(__name__)


@mail_event_handlers.on_sns_message(topic=MAIL_EVENTS_TOPIC, name="mail_events")
@publishes_metrics
def handle_mail_event(event: SNSEvent) -> None:
    bind_correlation_id(event.to_dict()["Records"][0]["Sns"].get("MessageId"))
    mail_event = parse_ses_event(event.message)
    if mail_event is None:
        # The raw message holds recipient addresses: say only that it was not for us.
        log().info("mail_event_ignored")
        return
    c = container()
    record_mail_event(c.mail_deliveries, mail_event, c.clock())
