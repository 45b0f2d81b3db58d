"""The mailer on Amazon SES (v2): one MIME message, text and HTML, per recipient."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.observability import record_mail_failed, record_mail_sent
from chalicelib.services.ports import InlineImage, MailMessage, MailNotSent

_SUBJECT = "Subject"
_HEADER_LINE = 78  # RFC 5322's recommended line length, as the email package folds


class UndeliverableAddress(ValueError):
    """An address SES cannot take: a local part that needs SMTPUTF8, or no domain."""


def ascii_address(address: str) -> str:
    """The address as it goes into the header and to SES: a Unicode domain in punycode.

    `olena@müller.de` goes out as `olena@xn--mller-kva.de`; an RFC 2047 encoded word in an
    address is forbidden and SES refuses it. A non-ASCII local part needs SMTPUTF8, which
    SES does not offer, so it is refused here rather than half sent.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise UndeliverableAddress("an address needs a local part and a domain")
    if not local.isascii():
        raise UndeliverableAddress("the part before the @ must be ASCII (no SMTPUTF8)")
    if domain.isascii():
        return f"{local}@{domain}"
    import idna  # noqa: PLC0415 - only for the rare Unicode domain

    try:
        punycode = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise UndeliverableAddress("the domain is not a valid internationalised name") from error
    return f"{local}@{punycode}"


def _set_subject(mime: EmailMessage, subject: str) -> None:
    """The subject, folded so that every space survives.

    The email package's own folding may put the space between two words at a line break
    between two encoded words, where RFC 2047 makes a reader drop it ("призначення:будь").
    Here a non-ASCII subject is cut into encoded words with the spaces inside them, and the
    lines are kept as they are (each fits in 78 characters, so the policy does not refold).
    """
    plain = subject.isascii() and "=?" not in subject  # no text that reads as an encoded word
    if plain and len(subject) + len(_SUBJECT) + 2 <= _HEADER_LINE:
        mime[_SUBJECT] = subject  # EmailMessage refuses CR/LF in a header value
        return
    # Base64 words carry CR/LF as data, never as a line break: nothing can be injected.
    folded = Header(subject, "utf-8", header_name=_SUBJECT).encode(linesep="\n")
    mime.set_raw(_SUBJECT, folded)


def mime_message(message: MailMessage, sender: str) -> bytes:
    """multipart/alternative of text and HTML; with inline images, the HTML and its images
    as multipart/related (the images referenced as cid: from the HTML)."""
    mime = EmailMessage()
    # EmailMessage refuses CR/LF in header values, so no header can be injected here.
    mime["From"] = sender
    mime["To"] = ascii_address(message.to)
    _set_subject(mime, message.subject)
    mime["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    html = mime.get_body(preferencelist=("html",))
    if message.inline_images and isinstance(html, EmailMessage):
        _relate(html, message.inline_images)
    return mime.as_bytes()


def _relate(html: EmailMessage, images: tuple[InlineImage, ...]) -> None:
    """Turn the HTML part into multipart/related(HTML, images...)."""
    for image in images:
        maintype, _, subtype = image.content_type.partition("/")
        html.add_related(
            image.data,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{image.cid}>",
            filename=image.filename,
            disposition="inline",
        )
    html.set_param("type", "text/html")  # RFC 2387: the root part's type
    for part in html.walk():
        del part["MIME-Version"]  # only the message itself carries it


class SesMailer:
    def __init__(self, client: Any, sender: str, configuration_set: str | None = None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, message: MailMessage) -> str:
        try:
            to = ascii_address(message.to)
            raw = mime_message(message, self._sender)
        except UndeliverableAddress as error:
            record_mail_failed()
            raise MailNotSent(type(error).__name__) from error
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": raw}},
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
