"""The reference people say at the entrance and the signed pass in their QR code."""

from __future__ import annotations

import io
from datetime import date

import pytest
import zxingcpp
from PIL import Image

from chalicelib.domain.entrance_code import (
    CROCKFORD,
    EntrancePass,
    InvalidEntrancePass,
    entrance_pass,
    format_reference,
    is_reference,
    new_reference,
    normalise_reference,
    qr_png,
    read_entrance_pass,
)

KEY = b"the office's entrance key, 32 bytes"
OTHER_KEY = b"another office's entrance key...."
DAY = date(2026, 11, 30)
REFERENCE = "7K3MQ9XD"


# -- the reference -------------------------------------------------------------------------


def test_a_new_reference_is_eight_characters_of_crockford_base32() -> None:
    references = {new_reference() for _ in range(2000)}

    assert len(references) == 2000  # 40 random bits: no repeat in a few thousand
    assert all(len(ref) == 8 and set(ref) <= set(CROCKFORD) for ref in references)
    assert not set("".join(references)) & set("ILOU")
    # Every character of the alphabet turns up in every position (the bits are all used).
    for position in range(8):
        assert {ref[position] for ref in references} == set(CROCKFORD)


@pytest.mark.parametrize(
    "typed",
    [
        "7K3MQ9XD",
        "7k3mq9xd",
        "7K3M-Q9XD",
        "7k3m-q9xd",
        " 7K3M Q9XD ",
        "7 K 3 M Q 9 X D",
        "7K3M\u2013Q9XD",  # the dash of a mail client's typography
        "7K3M\u00a0Q9XD",  # a no-break space copied from the HTML mail
        "７Ｋ３Ｍ－Ｑ９ＸＤ",  # noqa: RUF001 - full-width, from an East Asian keyboard
        "7к3м-q9хd",  # noqa: RUF001 - Cyrillic ka, em, ha on a Ukrainian keyboard
        "\u0667K3MQ\u0669XD",  # Arabic-Indic digits 7 and 9
    ],
)
def test_a_reference_is_read_however_it_is_typed(typed: str) -> None:
    assert normalise_reference(typed) == REFERENCE


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("O0O0-o0o0", "00000000"),  # O is a zero
        ("ILil-1111", "11111111"),  # I and L are ones
        ("ı1İ1-1111", "11111111"),  # noqa: RUF001 - Turkish dotless and dotted I
        ("QOXD-7K3M", "Q0XD7K3M"),
    ],
)
def test_look_alike_letters_are_read_as_crockford_reads_them(typed: str, meant: str) -> None:
    assert normalise_reference(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7K3M",
        "7K3MQ9X",  # one short
        "7K3MQ9XDD",  # one long
        "7K3MQ9XU",  # U is not in the alphabet
        "7K3M.Q9XD",
        "7K3M_Q9XD",
        "ÄK3MQ9XD",
        "NT1:STUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA",  # a pass is not a reference
    ],
)
def test_what_is_not_a_reference_is_none(typed: str) -> None:
    assert normalise_reference(typed) is None


def test_a_reference_is_shown_in_two_halves() -> None:
    assert format_reference(REFERENCE) == "7K3M-Q9XD"
    assert normalise_reference(format_reference(REFERENCE)) == REFERENCE
    assert format_reference("7k3mq9xd") == "7K3M-Q9XD"
    # Display only: what is no reference is shown as it is, never a failed mail.
    assert format_reference("") == ""
    assert format_reference("not one") == "not one"
    assert is_reference(REFERENCE)
    assert not is_reference("7K3M-Q9XD")


# -- the pass ------------------------------------------------------------------------------


def test_a_pass_is_short_and_fits_the_qr_alphanumeric_mode() -> None:
    text = entrance_pass(KEY, "stuttgart", DAY, REFERENCE)

    assert text.startswith("NT1:STUTTGART:20261130:7K3MQ9XD:")
    assert len(text) <= 50
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_a_pass_reads_back_as_what_was_signed() -> None:
    text = entrance_pass(KEY, "stuttgart", DAY, REFERENCE)

    assert read_entrance_pass(KEY, text) == EntrancePass("stuttgart", DAY, REFERENCE)
    # What a scanner adds around it (a line end) does not matter.
    assert read_entrance_pass(KEY, f"{text}\r\n") == EntrancePass("stuttgart", DAY, REFERENCE)


def test_a_pass_is_the_same_whenever_it_is_made() -> None:
    # The invitation mail and a resent mail show the same code; a new key gives another.
    assert entrance_pass(KEY, "stuttgart", DAY, REFERENCE) == entrance_pass(
        KEY, "stuttgart", DAY, REFERENCE
    )
    assert entrance_pass(KEY, "stuttgart", DAY, REFERENCE) != entrance_pass(
        OTHER_KEY, "stuttgart", DAY, REFERENCE
    )


def _with(text: str, index: int, value: str) -> str:
    parts = text.split(":")
    parts[index] = value
    return ":".join(parts)


@pytest.mark.parametrize(
    ("index", "forged"),
    [
        (1, "BERLIN"),  # another office
        (2, "20261201"),  # another day: yesterday's pass shown again tomorrow
        (3, "7K3MQ9XE"),  # another person's reference
    ],
)
def test_a_pass_with_a_changed_field_is_refused(index: int, forged: str) -> None:
    text = _with(entrance_pass(KEY, "stuttgart", DAY, REFERENCE), index, forged)

    with pytest.raises(InvalidEntrancePass) as refused:
        read_entrance_pass(KEY, text)
    assert refused.value.reason == "bad_signature"


def test_a_pass_with_a_changed_signature_is_refused() -> None:
    text = entrance_pass(KEY, "stuttgart", DAY, REFERENCE)
    signature = text.rsplit(":", 1)[1]
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]

    with pytest.raises(InvalidEntrancePass) as refused:
        read_entrance_pass(KEY, _with(text, 4, flipped))
    assert refused.value.reason == "bad_signature"


def test_a_pass_signed_with_another_key_is_refused() -> None:
    text = entrance_pass(OTHER_KEY, "stuttgart", DAY, REFERENCE)

    with pytest.raises(InvalidEntrancePass) as refused:
        read_entrance_pass(KEY, text)
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "7K3MQ9XD",  # a reference alone: that is typed, not scanned
        "https://example.org/7K3MQ9XD",
        "NT1:STUTTGART:20261130:7K3MQ9XD",  # no signature
        "NT1:STUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA:X",
        "NT2:STUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA",  # a version we do not know
        "NT1::20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA",
        "NT1:STUTT GART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA",
        "NT1:STUTTGART:20261131:7K3MQ9XD:AAAAAAAAAAAAAAAA",  # no 31 November
        "NT1:STUTTGART:2026-11-30:7K3MQ9XD:AAAAAAAAAAAAAAAA",
        "NT1:STUTTGART:20261130:7K3M-Q9XD:AAAAAAAAAAAAAAAA",
        "NT1:STUTTGART:20261130:7K3MQ9XU:AAAAAAAAAAAAAAAA",
        "NT1:STUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAA",  # a character short
        "NT1:STUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAA1",  # 1 is not RFC 4648 Base32
        "NT1:\u212aSTUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA",  # Kelvin sign reads as k
        "NT1:STUTTGART:\u0662\u0660261130:7K3MQ9XD:AAAAAAAAAAAAAAAA",
    ],
)
def test_a_malformed_pass_is_refused_as_malformed(text: str) -> None:
    with pytest.raises(InvalidEntrancePass) as refused:
        read_entrance_pass(KEY, text)
    assert refused.value.reason == "malformed"


def test_a_pass_is_never_made_from_what_it_could_not_carry() -> None:
    with pytest.raises(ValueError, match="key"):
        entrance_pass(b"", "stuttgart", DAY, REFERENCE)
    with pytest.raises(ValueError, match="office"):
        entrance_pass(KEY, "Stuttgart:1", DAY, REFERENCE)
    with pytest.raises(ValueError, match="reference"):
        entrance_pass(KEY, "stuttgart", DAY, "7K3M-Q9XD")
    with pytest.raises(ValueError, match="key"):
        read_entrance_pass(b"", "NT1:STUTTGART:20261130:7K3MQ9XD:AAAAAAAAAAAAAAAA")


# -- the QR code ---------------------------------------------------------------------------


def test_the_qr_code_scans_back_to_the_pass_which_then_verifies() -> None:
    text = entrance_pass(KEY, "stuttgart", DAY, REFERENCE)

    png = qr_png(text)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert 250 <= image.width <= 350 and image.width == image.height  # a phone screen's third
    found = zxingcpp.read_barcodes(image)
    assert [(code.format, code.text) for code in found] == [(zxingcpp.BarcodeFormat.QRCode, text)]
    assert found[0].ec_level == "M"
    assert read_entrance_pass(KEY, found[0].text) == EntrancePass("stuttgart", DAY, REFERENCE)


def test_the_qr_code_still_scans_from_a_small_blurred_photo_of_the_screen() -> None:
    # What the entrance's camera sees: the code smaller and softer than it was drawn.
    from PIL import ImageFilter  # noqa: PLC0415

    text = entrance_pass(KEY, "stuttgart", DAY, REFERENCE)
    image = Image.open(io.BytesIO(qr_png(text))).convert("L")
    photo = image.resize((150, 150), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1))

    assert [code.text for code in zxingcpp.read_barcodes(photo)] == [text]
