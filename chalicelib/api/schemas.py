"""Request and response bodies of the HTTP interface (also the source of /openapi.json)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from chalicelib.domain.documents import MAX_DOCUMENT_BYTES, ContentType, DocumentKind
from chalicelib.domain.nationality import is_nationality_code
from chalicelib.domain.registration import Status, TitleType
from chalicelib.domain.verification import Check
from chalicelib.domain.verification import Field as DataField

# German and English are complete; Turkish, Arabic and Ukrainian are offered by the form.
Language = Literal["de", "en", "tr", "ar", "uk"]


# Zero-width (non-)joiners are part of correct spelling in Persian, Urdu and Indic names.
_JOINERS = frozenset({"\u200c", "\u200d"})


def _has_hidden_characters(value: str) -> bool:
    """Control, bidi-override and other invisible characters, which would mislead staff."""
    return any(unicodedata.category(ch).startswith("C") and ch not in _JOINERS for ch in value)


def _printable_name(value: str) -> str:
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if _has_hidden_characters(value):
        raise ValueError("must not contain control or invisible format characters")
    if not any(ch.isalpha() for ch in value):
        raise ValueError("must contain at least one letter")
    return value


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
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(_printable_name)
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
    given_names: PersonName
    family_name: PersonName
    date_of_birth: date
    nationality: Nationality
    email: Annotated[EmailStr, StringConstraints(max_length=254)]
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


class DocumentRequest(RequestModel):
    kind: DocumentKind
    filename: Filename
    content_type: ContentType
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


class RegistrationView(ResponseModel):
    registration_id: str
    status: Status
    given_names: str
    family_name: str
    date_of_birth: date
    title_type: TitleType
    title_expires_on: date
    documents: list[DocumentView]
    missing_documents: list[str]
    queue_position: int | None
    appointment: AppointmentView | None


class CorrectionRequest(RequestModel):
    """Typed data made what a read document says; each field must agree with a document."""

    title_expires_on: date | None = None
    family_name: PersonName | None = None
    given_names: PersonName | None = None
    date_of_birth: date | None = None


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
