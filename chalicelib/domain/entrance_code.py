"""The reference a person says at the entrance, and the signed pass their QR code carries.

The reference is 8 characters of Crockford's Base32 (no I, L, O, U): short enough to read
aloud and to type, forgiving of what people mistype (O for 0, I or L for 1, lower case,
spaces, hyphens, a Cyrillic or Greek look-alike letter, Arabic-Indic digits).

The pass is what the invitation's QR code encodes:

    NT1:STUTTGART:20261130:7K3MQ9XD:<signature>

a format version, the office, the appointment day, the reference and an HMAC-SHA256 over
everything before it, truncated to 80 bits and written in Base32. All of it is upper case,
digits and ':', which QR's alphanumeric mode stores compactly (version 3, 29 x 29 modules).
The entrance checks the signature with the office's key, so a screen that merely shows a
code proves nothing; whether the pass is for *today* is the caller's check
(`EntrancePass.day` against the office's local date), as only the caller knows the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8
_REFERENCE_BITS = 5 * REFERENCE_LENGTH  # 40 bits: a trillion codes, one per registration

FORMAT_VERSION = "NT1"
SIGNATURE_BYTES = 10  # 80 bits: forging one pass takes 2**80 tries against the entrance
_SIGNATURE_CHARS = 16  # Base32 of 10 bytes, no padding

# Crockford's own decoding, plus what people type on other keyboards: letters that look
# like Latin capitals (Cyrillic on a Ukrainian layout, Greek) and the Turkish dotted I.
_READS_AS = str.maketrans(
    {
        "O": "0",
        "I": "1",
        "L": "1",
        "İ": "1",
        # Cyrillic capitals A, VE, IE, KA, EM, EN, O, ER, ES, TE, HA and the Ukrainian I
        "\u0410": "A",
        "\u0412": "B",
        "\u0415": "E",
        "\u041a": "K",
        "\u041c": "M",
        "\u041d": "H",
        "\u041e": "0",
        "\u0420": "P",
        "\u0421": "C",
        "\u0422": "T",
        "\u0425": "X",
        "\u0406": "1",
        # Greek capitals ALPHA, BETA, EPSILON, ZETA, ETA, KAPPA, MU, NU, OMICRON, RHO, TAU, CHI
        "\u0391": "A",
        "\u0392": "B",
        "\u0395": "E",
        "\u0396": "Z",
        "\u0397": "H",
        "\u039a": "K",
        "\u039c": "M",
        "\u039d": "N",
        "\u039f": "0",
        "\u03a1": "P",
        "\u03a4": "T",
        "\u03a7": "X",
    }
)
_REFERENCE = re.compile(f"[{CROCKFORD}]{{{REFERENCE_LENGTH}}}")
_OFFICE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_SIGNATURE = re.compile(f"[A-Z2-7]{{{_SIGNATURE_CHARS}}}")


def new_reference() -> str:
    """A fresh reference: 40 random bits in Crockford's Base32, e.g. '7K3MQ9XD'."""
    value = secrets.randbits(_REFERENCE_BITS)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(_REFERENCE_BITS - 5, -1, -5))


def normalise_reference(typed: str) -> str | None:
    """The canonical reference a person meant, or None when what they typed is not one.

    '7k3m-q9xd', '7K3M Q9XD' and the same with an en dash copied from the mail are all
    '7K3MQ9XD'; '7K3MQ9XO' is '7K3MQ9X0'. U is not in the alphabet and never read as anything.
    """
    kept: list[str] = []
    for character in unicodedata.normalize("NFKC", typed):
        category = unicodedata.category(character)
        if character.isspace() or category == "Pd" or category[0] in "CM":
            continue  # spaces, dashes, invisible characters and marks pasted with the code
        if character.isdecimal():
            kept.append(str(unicodedata.decimal(character)))  # Arabic-Indic digits too
        else:
            # İ before upper(): its upper case is itself, its lower case would gain a dot.
            kept.append(character if character == "İ" else character.upper())
    candidate = "".join(kept).translate(_READS_AS)
    return candidate if _REFERENCE.fullmatch(candidate) else None


def is_reference(value: str) -> bool:
    """Whether `value` is already a canonical reference (8 characters, nothing to read)."""
    return _REFERENCE.fullmatch(value) is not None


def format_reference(ref: str) -> str:
    """'7K3MQ9XD' as people see it in mails and on pages: '7K3M-Q9XD'.

    Display only, so it never fails a mail: what is no reference (an empty one of a
    registration made before references existed) is shown as it is, and the mails leave
    an empty reference out.
    """
    canonical = normalise_reference(ref)
    return f"{canonical[:4]}-{canonical[4:]}" if canonical else ref


# -- the signed pass -----------------------------------------------------------------------


@dataclass(frozen=True)
class EntrancePass:
    """What a genuine pass says. Whether `day` is today is for the caller to check."""

    office_id: str
    day: date
    reference: str


class InvalidEntrancePass(ValueError):
    """A pass that is not one of ours: `reason` is 'malformed' or 'bad_signature'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def entrance_pass(key: bytes, office_id: str, day: date, reference: str) -> str:
    """The text the invitation's QR code encodes, signed with the office's key."""
    if not key:
        raise ValueError("an entrance pass needs a signing key")
    if not _OFFICE_ID.fullmatch(office_id):
        raise ValueError("an office id is lower-case letters, digits and hyphens")
    if not is_reference(reference):
        raise ValueError("not a canonical reference")
    signed = f"{FORMAT_VERSION}:{office_id.upper()}:{day:%Y%m%d}:{reference}"
    return f"{signed}:{_signature(key, signed)}"


def read_entrance_pass(key: bytes, text: str) -> EntrancePass:
    """The pass a scanner read, if our key signed it; else InvalidEntrancePass.

    The caller still checks `day` against today in the office's time zone (and the office
    against its own): a genuine pass for another day is genuine, but not for today.
    """
    if not key:
        raise ValueError("reading an entrance pass needs the signing key")
    parts = text.strip().upper().split(":")
    if not text.isascii() or len(parts) != 5:
        raise InvalidEntrancePass("malformed")
    version, office, day_text, reference, signature = parts
    if (
        version != FORMAT_VERSION
        or not _OFFICE_ID.fullmatch(office.lower())
        or not re.fullmatch(r"[0-9]{8}", day_text)
        or not is_reference(reference)
        or not _SIGNATURE.fullmatch(signature)
    ):
        raise InvalidEntrancePass("malformed")
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError:
        raise InvalidEntrancePass("malformed") from None
    signed = f"{version}:{office}:{day_text}:{reference}"
    if not hmac.compare_digest(_signature(key, signed), signature):
        raise InvalidEntrancePass("bad_signature")
    return EntrancePass(office_id=office.lower(), day=day, reference=reference)


def _signature(key: bytes, signed: str) -> str:
    digest = hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest[:SIGNATURE_BYTES]).decode("ascii")


# -- the picture ---------------------------------------------------------------------------

QR_TARGET_PIXELS = 300  # about a third of a phone screen's width, easy for a scanner


def qr_png(text: str) -> bytes:
    """The QR code of `text` as a PNG of about 300 px, error correction M."""
    # Imported on first use: only the invitation run draws codes (cold starts elsewhere).
    import io  # noqa: PLC0415

    import segno  # noqa: PLC0415

    code = segno.make_qr(text, error="m", boost_error=False)
    border = 4  # the quiet zone the standard asks for
    modules = code.symbol_size(scale=1, border=border)[0]
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, QR_TARGET_PIXELS // modules), border=border)
    return buffer.getvalue()
