"""The SES mailer on moto: what reaches SES for addresses people really have."""

from __future__ import annotations

from email import message_from_bytes, policy

import boto3
import pytest

from chalicelib.adapters.ses import SesMailer
from chalicelib.services.ports import InlineImage, MailMessage, MailNotSent
from tests.conftest import REGION, sent_mails

QR = InlineImage("entrance-pass@notfalltermin", "image/png", b"\x89PNG\r\n\x1a\n", "qr.png")


def _mailer(env: dict[str, str]) -> SesMailer:
    return SesMailer(boto3.client("sesv2", region_name=REGION), env["MAIL_SENDER"])


def test_a_unicode_domain_reaches_ses_in_punycode(aws: None, env: dict[str, str]) -> None:
    message = MailMessage(
        "olena@müller.de",
        "Термінове призначення: будь ласка, підтвердьте реєстрацію",
        "Ваш код: 7K3M-Q9XD",
        '<p>7K3M-Q9XD</p><img src="cid:entrance-pass@notfalltermin" alt="7K3M-Q9XD">',
        inline_images=(QR,),
    )

    _mailer(env).send(message)

    (mail,) = sent_mails()
    assert mail["To"] == "olena@xn--mller-kva.de"
    assert mail["Subject"] == message.subject
    assert [part.get_content_type() for part in mail.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]


@pytest.mark.parametrize("address", ["олена@example.org", "müller@example.org"])
def test_a_local_part_that_needs_smtputf8_is_not_sent(
    aws: None, env: dict[str, str], address: str
) -> None:
    message = MailMessage(address, "Betreff", "Text", "<p>HTML</p>")

    with pytest.raises(MailNotSent):
        _mailer(env).send(message)

    assert sent_mails() == []


def test_the_raw_message_parses_back_with_the_default_policy(
    aws: None, env: dict[str, str]
) -> None:
    # What the local outbox and a mail program do with it.
    _mailer(env).send(MailMessage("a@example.org", "Ihr Notfalltermin", "Text", "<p>HTML</p>"))

    (mail,) = sent_mails()
    again = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert again["Subject"] == "Ihr Notfalltermin"
    assert mail.get_content_type() == "multipart/alternative"
