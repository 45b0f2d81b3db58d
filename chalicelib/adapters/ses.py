"""The mailer on Amazon SES (v2): one MIME message, text and HTML, per recipient."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.observability import record_mail_failed, record_mail_sent
from chalicelib.services.ports import MailMessage, MailNotSent


def mime_message(message: MailMessage, sender: str) -> bytes:
    mime = EmailMessage()
    # EmailMessage refuses CR/LF in header values, so no header can be injected here.
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    return mime.as_bytes()


class SesMailer:
    def __init__(self, client: Any, sender: str, configuration_set: str | None = None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, message: MailMessage) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {"Raw": {"Data": mime_message(message, self._sender)}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if message.tags:
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in message.tags.items()]
        try:
            answer = self._client.send_email(**request)
        except (ClientError, BotoCoreError) as error:
            record_mail_failed()
            raise MailNotSent(type(error).__name__) from error
        record_mail_sent()
        return str(answer["MessageId"])
