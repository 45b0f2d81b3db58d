"""The MIME message a mail becomes: its parts, the inline QR image, its headers as a mail
program reads them back."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from chalicelib.adapters.ses import UndeliverableAddress, ascii_address, mime_message
from chalicelib.services.ports import InlineImage, MailMessage

SENDER = "notfalltermin@stuttgart.example"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # bytes a text encoding would mangle
QR = InlineImage("entrance-pass@notfalltermin", "image/png", PNG, "eintritt.png")


def _parsed(message: MailMessage) -> EmailMessage:
    parsed = message_from_bytes(mime_message(message, SENDER), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _shape(part: EmailMessage) -> object:
    if part.is_multipart():
        children = [p for p in part.iter_parts() if isinstance(p, EmailMessage)]
        return (part.get_content_type(), [_shape(child) for child in children])
    return part.get_content_type()


def _related(parsed: EmailMessage) -> EmailMessage:
    _, related = parsed.iter_parts()
    assert isinstance(related, EmailMessage)
    return related


def _mail(**changes: object) -> MailMessage:
    fields: dict[str, object] = {
        "to": "a@example.org",
        "subject": "Ihr Notfalltermin",
        "text": "Ihre Referenz: 7K3M-Q9XD",
        "html": '<p>Referenz 7K3M-Q9XD</p><img src="cid:entrance-pass@notfalltermin" alt="">',
    }
    return MailMessage(**(fields | changes))  # type: ignore[arg-type]


def test_a_mail_without_images_is_text_and_html_alternatives() -> None:
    parsed = _parsed(_mail())

    assert _shape(parsed) == ("multipart/alternative", ["text/plain", "text/html"])
    assert parsed["MIME-Version"] == "1.0"


def test_an_inline_image_goes_with_the_html_and_the_text_stays_an_alternative() -> None:
    parsed = _parsed(_mail(inline_images=(QR,)))

    assert _shape(parsed) == (
        "multipart/alternative",
        ["text/plain", ("multipart/related", ["text/html", "image/png"])],
    )
    related = _related(parsed)
    assert related.get_param("type") == "text/html"
    html, image = related.iter_parts()
    assert image["Content-ID"] == "<entrance-pass@notfalltermin>"
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == "eintritt.png"
    assert image.get_content() == PNG  # the bytes arrive exactly
    assert 'src="cid:entrance-pass@notfalltermin"' in html.get_content()
    # A mail program that shows only text still gets the reference.
    plain = parsed.get_body(preferencelist=("plain",))
    assert plain is not None and "7K3M-Q9XD" in plain.get_content()
    # Only the message itself says MIME-Version.
    assert sum(1 for part in parsed.walk() if part["MIME-Version"]) == 1


def test_several_images_each_keep_their_own_content_id() -> None:
    logo = InlineImage("logo@notfalltermin", "image/gif", b"GIF89a", "logo.gif")

    parsed = _parsed(_mail(inline_images=(QR, logo)))

    related = _related(parsed)
    images = list(related.iter_parts())[1:]
    assert [(i["Content-ID"], i.get_content_type()) for i in images] == [
        ("<entrance-pass@notfalltermin>", "image/png"),
        ("<logo@notfalltermin>", "image/gif"),
    ]


@pytest.mark.parametrize(
    "subject",
    [
        "Термінове призначення: будь ласка, підтвердьте реєстрацію",  # the one that lost a space
        "Ваше термінове призначення: вівторок, 24 листопада 2026 р., прибуття 08:00–08:30",  # noqa: RUF001
        "موعدك الطارئ: الثلاثاء، 24 نوفمبر 2026، الوصول 08:00–08:30",  # noqa: RUF001
        "Acil randevunuz: 24 Kasım 2026 Salı, varış 08:00–08:30",  # noqa: RUF001
        "Ihr Notfalltermin: Dienstag, 24. November 2026, Ankunft 08:00–08:30",  # noqa: RUF001
        "Emergency appointment: please confirm your registration",
        "A  double space and a tab\tkept as the template wrote them, then ünïcödé",
        "x" * 120,  # one long word, nowhere to fold
        "ü" * 120,
        "=?utf-8?q?not_an_encoded_word?= but text",
    ],
)
def test_a_subject_reads_back_exactly_as_it_was_written(subject: str) -> None:
    raw = mime_message(_mail(subject=subject), SENDER)

    parsed = message_from_bytes(raw, policy=policy.default)

    assert parsed["Subject"] == subject
    head = raw.split(b"\n\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\n")), head.decode()
    assert head.isascii()


def test_a_subject_cannot_carry_another_header() -> None:
    raw = mime_message(_mail(subject="Hallo ü\r\nBcc: everyone@example.org"), SENDER)

    parsed = message_from_bytes(raw, policy=policy.default)

    assert parsed["Bcc"] is None
    with pytest.raises(ValueError, match=r"linefeed|newline"):
        mime_message(_mail(subject="Hallo\r\nBcc: everyone@example.org"), SENDER)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("olena@müller.de", "olena@xn--mller-kva.de"),
        ("olena@MÜLLER.de", "olena@xn--mller-kva.de"),  # IDNA lower-cases the Unicode label
        ("a.b+c@яндекс.рф", "a.b+c@xn--d1acpjx3f.xn--p1ai"),
        ("ali@örnek.com.tr", "ali@xn--rnek-4qa.com.tr"),
        ("olena@xn--mller-kva.de", "olena@xn--mller-kva.de"),  # as Chromium submits it
        ("a@example.org", "a@example.org"),
    ],
)
def test_an_address_with_a_unicode_domain_goes_out_in_punycode(typed: str, sent: str) -> None:
    assert ascii_address(typed) == sent

    raw = mime_message(_mail(to=typed), SENDER)

    assert f"To: {sent}\n".encode() in raw
    assert b"=?" not in raw.split(b"\n\n", 1)[0].split(b"Subject:")[0]
    assert message_from_bytes(raw, policy=policy.default)["To"] == sent


@pytest.mark.parametrize(
    "address", ["олена@example.org", "müller@example.org", "no-at-sign", "@example.org", "a@"]
)
def test_an_address_that_needs_smtputf8_or_has_no_domain_is_refused(address: str) -> None:
    with pytest.raises(UndeliverableAddress):
        ascii_address(address)
    with pytest.raises(ValueError):
        mime_message(_mail(to=address), SENDER)


@pytest.mark.parametrize("address", ["a@ü x.de", "a@-ü.de", "a@ü..de", "a@ü_x.de"])
def test_a_domain_that_is_no_valid_internationalised_name_is_refused(address: str) -> None:
    with pytest.raises(UndeliverableAddress, match="domain"):
        ascii_address(address)


def test_an_invisible_character_pasted_into_a_unicode_domain_is_dropped() -> None:
    # UTS 46 maps a zero-width space to nothing: the mail goes where the person meant.
    assert ascii_address("a@mü\u200bller.de") == "a@xn--mller-kva.de"
