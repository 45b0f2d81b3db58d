"""Request and response bodies of the HTTP interface (also the source of /openapi.json)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from chalicelib.domain.birth_date import FORMAT_HINT, BirthDate, parse_birth_date
from chalicelib.domain.documents import MAX_DOCUMENT_BYTES, ContentType, DocumentKind
from chalicelib.domain.nationality import is_nationality_code
from chalicelib.domain.registration import Status, TitleType
from chalicelib.domain.verification import Check
from chalicelib.domain.verification import Field as DataField

# German and English are complete; Turkish, Arabic and Ukrainian are offered by the form.
Language = Literal["de", "en", "tr", "ar", "uk"]


# Zero-width (non-)joiners: correct spelling in Persian, Urdu and Indic script (file names).
_JOINERS = frozenset({"\u200c", "\u200d"})


def _has_hidden_characters(value: str) -> bool:
    """Control, bidi-override and other invisible characters, which would mislead staff."""
    return any(unicodedata.category(ch).startswith("C") and ch not in _JOINERS for ch in value)


# Between the parts of a name: the hyphens, dashes and apostrophes documents and keyboards write.
_NAME_PUNCTUATION = frozenset("-\u2010\u2011\u2012\u2013\u2014'\u2019\u2018\u02bc`\u00b4")


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def _name_error(code: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(code, message, context)


def _document_name(value: str) -> str:
    """A name as on the residence title or passport: Latin letters (diacritics welcome),
    marks, spaces, hyphens and apostrophes; nothing that could carry a message (digits,
    addresses, @, markup). "" only where the caller allows it (one-name people)."""
    # Zero-width (non-)joiners shape Persian or Indic script; in Latin letters they are
    # invisible and mean nothing: dropped rather than refused with a message no one can see.
    value = "".join(ch for ch in value if ch not in _JOINERS)
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if _has_hidden_characters(value):
        raise _name_error("name_hidden", "must not contain control or invisible format characters")
    if not value:
        return value
    for ch in value:
        category = unicodedata.category(ch)
        if ch == " " or ch in _NAME_PUNCTUATION:
            continue
        if category.startswith("L") and _script(ch) != "LATIN":
            raise _name_error(
                "name_script",
                "must be written in Latin letters as on your residence title or passport "
                "(found the {script} letter '{letter}')",
                script=_script(ch).title(),
                letter=ch,
            )
        if ch.isdigit():
            raise _name_error("name_digit", "must not contain digits")
        if not category.startswith(("L", "M")):
            raise _name_error(
                "name_character",
                "may hold only letters, spaces, hyphens and apostrophes (found '{character}')",
                character=ch,
            )
    if not any(ch.isalpha() for ch in value):
        raise _name_error("name_letter", "must contain at least one letter")
    return value


def _family_name(value: str) -> str:
    if not value.strip():
        raise _name_error("name_letter", "must contain at least one letter")
    return _document_name(value)


def _email(value: str) -> str:
    """An address mail can be delivered to without SMTPUTF8: an internationalised domain is
    welcome (kept as typed, in Unicode; sent as punycode), a local part outside ASCII is not:
    few mail servers take it, and the registration link would never arrive."""
    from email_validator import (  # noqa: PLC0415 (not at cold start)
        EmailNotValidError,
        validate_email,
    )

    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise _name_error(
            "email", "is not a valid e-mail address: {reason}", reason=str(exc)
        ) from None
    if not checked.local_part.isascii():
        raise _name_error(
            "email_smtputf8",
            "the part before the @ may hold only Latin letters without accents, digits and "
            ". _ - +: mail to this address cannot be delivered. Please give another address.",
        )
    return str(checked.normalized)


def _dump_birth_date(value: BirthDate, info: SerializationInfo) -> BirthDate | str:
    # Python dumps hand the value object on (to the service); JSON writes its ISO form.
    return value.isoformat() if info.mode_is_json() else value


def _birth_date(value: object) -> BirthDate:
    try:
        return parse_birth_date(value)
    except ValueError:
        raise _name_error("date_of_birth", FORMAT_HINT) from None


def _nationality(value: str) -> str:
    code = value.upper()
    if not is_nationality_code(code):
        raise ValueError("must be an ISO 3166-1 alpha-3 country code, e.g. DEU, TUR, UKR")
    return code


def _filename(value: str) -> str:
    # Only ever shown, never used as a storage key: keep the last path part, printable.
    name = value.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in {".", ".."}:
        raise ValueError("must name a file")
    if _has_hidden_characters(name):
        raise ValueError("must not contain control characters")
    return name


PersonName = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(_family_name)
]
# Empty for a person with one name only: the document has no given name (ICAO 9303).
GivenNames = Annotated[str, StringConstraints(max_length=100), AfterValidator(_document_name)]
EmailAddress = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "idn-email", "minLength": 3, "maxLength": 254}),
]
BirthDateValue = Annotated[
    BirthDate,
    PlainValidator(_birth_date),
    PlainSerializer(_dump_birth_date, return_type=Any),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
            "description": "ISO 8601, with reduced precision when the document shows the day "
            "or the month as unknown (00, XX): 1990-05-17, 1990-05 or 1990.",
            "examples": ["1990-05-17", "1990-05", "1990"],
        }
    ),
]
Nationality = Annotated[
    str, StringConstraints(min_length=3, max_length=3), AfterValidator(_nationality)
]
TitleNumber = Annotated[
    str,
    StringConstraints(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$"),
]
Filename = Annotated[
    str, StringConstraints(min_length=1, max_length=255), AfterValidator(_filename)
]


class ResponseModel(BaseModel):
    """A body the service answers with. Its validator is built when first used, not at import:
    a request needs two or three of these models, never all of them (docs/performance.md)."""

    model_config = ConfigDict(defer_build=True)


class RequestModel(BaseModel):
    """Strict JSON bodies: unknown fields and wrong types are refused, strings trimmed. Built
    on first use like ResponseModel (which also keeps email-validator off the cold start)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, str_strip_whitespace=True, defer_build=True
    )


class RegistrationRequest(RequestModel):
    given_names: GivenNames = Field(
        default="",
        description="As on the document, in Latin letters; empty (or left out) for a person "
        "with one name only.",
    )
    family_name: PersonName = Field(
        description="As on the document, in Latin letters (diacritics welcome); a person with "
        "one name only gives it here."
    )
    date_of_birth: BirthDateValue
    nationality: Nationality
    email: EmailAddress = Field(
        description="An internationalised domain is welcome (kept as typed, mail goes to its "
        "punycode); an address whose part before the @ is not ASCII is refused (422)."
    )
    language: Language = "de"
    title_type: TitleType
    title_number: TitleNumber | None = None
    title_expires_on: date
    privacy_consent: Literal[True] = Field(
        description="Must be true: the applicant confirms having read the privacy notice "
        "(web/privacy.html). Not a consent in the sense of Art. 6(1)(a) GDPR: the office "
        "processes the data for its legal task (Art. 6(1)(e) GDPR with § 86 AufenthG). The "
        "name is kept for compatibility."
    )
    altcha: str = Field(
        min_length=1,
        max_length=1024,
        description="The solved challenge of GET /registrations/challenge (ALTCHA payload: "
        "base64 of JSON {algorithm, challenge, number, salt, signature}); good for one request.",
    )


# Formats people's phones and offices make that cannot be read here, by the name people know.
_UNREADABLE_FORMATS = {
    "image/heic": "HEIC",
    "image/heic-sequence": "HEIC",
    "image/heif": "HEIF",
    "image/heif-sequence": "HEIF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.oasis.opendocument.text": "OpenDocument",
}


def _readable_format(value: object) -> object:
    """A HEIC photo or a Word file is refused with what to send instead."""
    if isinstance(value, str) and value.lower() in _UNREADABLE_FORMATS:
        raise PydanticCustomError(
            "unreadable_format",
            "{format} files cannot be checked here. Send a photo as JPEG (on an iPhone: "
            "Settings > Camera > Formats > Most Compatible, or share the photo by mail, which "
            "sends a JPEG) or a document as PDF (Word: File > Save as > PDF).",
            {"format": _UNREADABLE_FORMATS[value.lower()]},
        )
    return value


class DocumentRequest(RequestModel):
    kind: DocumentKind
    filename: Filename
    content_type: Annotated[ContentType, BeforeValidator(_readable_format)]
    size_bytes: int = Field(
        ge=1,
        description=f"Exact size of the file in bytes; at most {MAX_DOCUMENT_BYTES} (10 MiB).",
    )


class ProofOfWorkChallenge(ResponseModel):
    """An ALTCHA challenge: find `number` <= maxnumber with SHA-256(salt + number) == challenge."""

    algorithm: Literal["SHA-256"]
    challenge: str
    maxnumber: int
    salt: str
    signature: str


class RegistrationCreated(ResponseModel):
    registration_id: str
    status: Status


class MismatchView(ResponseModel):
    """A field on which a document disagrees with what was typed: dates as YYYY-MM-DD, names
    as the machine-readable zone writes them ("MUELLER")."""

    field: DataField
    typed: str
    document: str
    correctable: bool = Field(
        description="The applicant may correct it to what the document says "
        "(POST /registrations/{id}/corrections)."
    )


class DocumentView(ResponseModel):
    document_id: str
    kind: DocumentKind
    filename: str
    status: str
    check: Check = Field(
        description="The machine reading of a passport or residence title: pending (being "
        "checked), matches, mismatch, unreadable; not_read for other documents."
    )
    mismatches: list[MismatchView] = Field(default_factory=list)


class AppointmentView(ResponseModel):
    date: date
    window_start: str
    window_end: str
    address: str
    map_link: str | None = None
    entrance_pass: str | None = Field(
        default=None, description="Today's signed entrance pass: the text the QR code encodes."
    )


class RegistrationView(ResponseModel):
    registration_id: str
    status: Status
    given_names: str
    family_name: str
    date_of_birth: BirthDateValue
    title_type: TitleType
    title_expires_on: date
    documents: list[DocumentView]
    missing_documents: list[str]
    queue_position: int | None
    appointment: AppointmentView | None
    reference: str | None = Field(
        default=None, description="8 characters (Crockford Base32) said or shown at the entrance."
    )
    can_release: bool = Field(
        default=False, description="Invited for today, not arrived, window not over."
    )
    released_on: date | None = Field(
        default=None, description="The day the person said they cannot come (not invited again)."
    )


class CorrectionRequest(RequestModel):
    """Typed data made what a read document says; each field must agree with a document."""

    title_expires_on: date | None = None
    family_name: PersonName | None = None
    given_names: GivenNames | None = None
    date_of_birth: BirthDateValue | None = None


class UploadForm(ResponseModel):
    url: str
    fields: dict[str, str]
    expires_at: str


class UploadGranted(ResponseModel):
    document_id: str
    upload: UploadForm


class ProblemFieldError(ResponseModel):
    field: str
    message: str


class Problem(ResponseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemFieldError] | None = None
