"""Verification of what an applicant typed against what their documents' machine-readable
zones say, and the verdict: into the queue, or to staff for review.

The rules (issue 12): a registration enters the queue by machine only when a residence
title's zone was read, every check digit holding (ICAO Doc 9303 Part 3 §4.9), and says what
was typed; everything else goes to a review list for staff.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.documents import READ_KINDS, Document, DocumentKind, DocumentStatus
from chalicelib.domain.machine_readable_zone import MachineReadableZone, icao_name
from chalicelib.domain.registration import Registration

# A title that expired longer ago than this is more likely a typo than an emergency.
LONGEST_PLAUSIBLE_EXPIRY = timedelta(days=2 * 365)
# A person older than this, or younger than this, is checked by a person.
OLDEST_PLAUSIBLE_AGE = 100
# Name fields of the zone formats (ICAO 9303 Parts 4 to 7): a name filling its field may
# have been truncated by the issuer, so the zone's letters are a prefix of the full name.
NAME_FIELD_LENGTH = {"TD1": 30, "TD2": 31, "TD3": 39, "MRVA": 39, "MRVB": 31}
# Document codes of a residence title: A… (residence permit, e.g. "AR" on the German eAT),
# I… (some titles on identity card format), V… (visa), C… (crew/other titles).
TITLE_CODES = ("A", "I", "V", "C")
# The zone writes Germany as "D" (ICAO 9303 Part 3 §5), everyone else ISO 3166-1 alpha-3.
ZONE_NATIONALITY = {"D": "DEU"}


class ReadOutcome(StrEnum):
    """What the machine reading of one document gave."""

    PENDING = "pending"
    READ = "read"
    UNREADABLE = "unreadable"


class Check(StrEnum):
    """What the applicant and staff see per document."""

    PENDING = "pending"  # being read
    MATCHES = "matches"
    MISMATCH = "mismatch"
    UNREADABLE = "unreadable"  # no zone whose check digits hold
    NOT_READ = "not_read"  # a kind that is not read, or not (yet) verified as a file


class Field(StrEnum):
    TITLE_EXPIRES_ON = "title_expires_on"
    DATE_OF_BIRTH = "date_of_birth"
    FAMILY_NAME = "family_name"
    GIVEN_NAMES = "given_names"
    NATIONALITY = "nationality"
    TITLE_NUMBER = "title_number"
    DOCUMENT_TYPE = "document_type"


# What the applicant may correct to what the document says (and nothing else).
CORRECTABLE = frozenset(
    {Field.TITLE_EXPIRES_ON, Field.DATE_OF_BIRTH, Field.FAMILY_NAME, Field.GIVEN_NAMES}
)


class ReviewReason(StrEnum):
    TITLE_UNREADABLE = "title_unreadable"
    DATA_MISMATCH = "data_mismatch"
    EXPIRY_LONG_PAST = "expiry_long_past"
    BIRTH_DATE_IMPLAUSIBLE = "birth_date_implausible"
    IDENTITY_HOLD = "identity_hold"


@dataclass(frozen=True)
class FieldMismatch:
    """`typed` and `document` as shown: ISO dates, names as the zone writes them."""

    field: Field
    typed: str
    document: str

    @property
    def correctable(self) -> bool:
        return self.field in CORRECTABLE


@dataclass(frozen=True)
class DocumentCheck:
    check: Check
    mismatches: tuple[FieldMismatch, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """`pending` while a read is outstanding; else verified when there is no reason."""

    pending: bool
    reasons: tuple[ReviewReason, ...] = ()

    @property
    def verified(self) -> bool:
        return not self.pending and not self.reasons


# -- comparing ---------------------------------------------------------------------------------


def name_forms(typed: str) -> set[str]:
    """How a typed name may stand in a zone, without spaces: the ICAO 9303 transliteration
    (Ü→UE) and the plain one some issuers used (Ü→U)."""
    plain = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", typed)
        if not unicodedata.combining(ch) and (ch.isalnum() or ch.isspace())
    )
    return {_squeeze(icao_name(typed)), _squeeze(icao_name(plain))}


def _squeeze(name: str) -> str:
    return "".join(name.split()).upper()


def _names_match(typed: str, in_zone: str, truncated: bool) -> bool:
    zone = _squeeze(in_zone)
    for form in name_forms(typed):
        if form == zone or (truncated and zone and form.startswith(zone)):
            return True
    return False


def _name_field_full(zone: MachineReadableZone) -> bool:
    length = len(zone.family_name) + 2 + len(zone.given_names)
    return length >= NAME_FIELD_LENGTH.get(zone.document_format, 99)


# How a zone may write a day or month its card shows as unknown (XX, 00): '<<', or 01 or 00.
_UNKNOWN_IN_ZONE = frozenset({"<<", "01", "00"})


def _birth_date_matches(typed: BirthDate, zone: MachineReadableZone) -> bool:
    if zone.date_of_birth is not None and typed.is_complete:
        return zone.date_of_birth == typed.earliest
    # Unknown day or month (ICAO 9303 Part 3 §4.6.1) on the document, in what was typed
    # (domain/birth_date.py), or both: what both know must agree.
    typed_digits = typed.zone_digits()
    for start in (0, 2, 4):
        in_zone, as_typed = zone.birth_date[start : start + 2], typed_digits[start : start + 2]
        if "<" in as_typed:
            if in_zone not in _UNKNOWN_IN_ZONE:
                return False
        elif "<" not in in_zone and in_zone != as_typed:
            return False
    return True


def _document_number(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def compare(
    registration: Registration, kind: DocumentKind, zone: MachineReadableZone
) -> tuple[FieldMismatch, ...]:
    """Every field on which the zone disagrees with what was typed. The expiry and the title
    number are compared on a residence title only: a passport's expiry is not the title's."""
    found: list[FieldMismatch] = []
    is_title = kind is DocumentKind.RESIDENCE_TITLE
    if is_title and not zone.document_code.upper().startswith(TITLE_CODES):
        found.append(FieldMismatch(Field.DOCUMENT_TYPE, "residence_title", zone.document_code))
    if is_title and zone.expires_on != registration.title_expires_on:
        found.append(
            FieldMismatch(
                Field.TITLE_EXPIRES_ON,
                registration.title_expires_on.isoformat(),
                zone.expires_on.isoformat(),
            )
        )
    if not _birth_date_matches(registration.date_of_birth, zone):
        shown = zone.date_of_birth.isoformat() if zone.date_of_birth else zone.birth_date
        found.append(
            FieldMismatch(Field.DATE_OF_BIRTH, registration.date_of_birth.isoformat(), shown)
        )
    truncated = _name_field_full(zone)
    if not _names_match(registration.family_name, zone.family_name, truncated):
        found.append(FieldMismatch(Field.FAMILY_NAME, registration.family_name, zone.family_name))
    if not _names_match(registration.given_names, zone.given_names, truncated):
        found.append(FieldMismatch(Field.GIVEN_NAMES, registration.given_names, zone.given_names))
    nationality = ZONE_NATIONALITY.get(zone.nationality, zone.nationality)
    if nationality != registration.nationality:
        found.append(FieldMismatch(Field.NATIONALITY, registration.nationality, nationality))
    if (
        is_title
        and registration.title_number
        and _document_number(registration.title_number) != _document_number(zone.document_number)
    ):
        found.append(
            FieldMismatch(Field.TITLE_NUMBER, registration.title_number, zone.document_number)
        )
    return tuple(found)


def check_document(registration: Registration, document: Document) -> DocumentCheck:
    if document.kind not in READ_KINDS or document.status is not DocumentStatus.VERIFIED:
        return DocumentCheck(Check.NOT_READ)
    if document.read_outcome in (None, ReadOutcome.PENDING):
        return DocumentCheck(Check.PENDING)
    if document.read_outcome == ReadOutcome.UNREADABLE or document.zone is None:
        return DocumentCheck(Check.UNREADABLE)
    mismatches = compare(registration, document.kind, document.zone)
    return DocumentCheck(Check.MISMATCH if mismatches else Check.MATCHES, mismatches)


def needs_reading(document: Document) -> bool:
    """A verified passport or title whose read has not given an outcome yet."""
    return (
        document.kind in READ_KINDS
        and document.status is DocumentStatus.VERIFIED
        and document.read_outcome in (None, ReadOutcome.PENDING)
    )


def needs_read(document: Document, status: DocumentStatus) -> bool:
    """Whether a document settled as `status` is to be read (a verified passport or title)."""
    return status is DocumentStatus.VERIFIED and document.kind in READ_KINDS


# -- the verdict -------------------------------------------------------------------------------


def current_documents(registration: Registration) -> list[Document]:
    """The latest verified passport and residence title: a newer upload of a kind replaces
    what an older one (a wrong card, a blurred photo) said."""
    latest: dict[DocumentKind, Document] = {}
    for document in sorted(registration.documents, key=lambda d: d.created_at):
        if document.kind in READ_KINDS and document.status is DocumentStatus.VERIFIED:
            latest[document.kind] = document
    return list(latest.values())


def judge(registration: Registration, today: date, *, on_hold: bool) -> Verdict:
    """Whether a submitted registration may enter the queue by machine, and if not, why.

    `on_hold`: the person's data was found incorrect recently (an identity hold)."""
    checks = [(d, check_document(registration, d)) for d in current_documents(registration)]
    if any(c.check is Check.PENDING for _, c in checks):
        return Verdict(pending=True)
    reasons: list[ReviewReason] = []
    if on_hold:
        reasons.append(ReviewReason.IDENTITY_HOLD)
    title_checks = [c for d, c in checks if d.kind is DocumentKind.RESIDENCE_TITLE]
    if not any(c.check is Check.MATCHES for c in title_checks):
        if any(c.check is Check.MISMATCH for c in title_checks):
            reasons.append(ReviewReason.DATA_MISMATCH)
        else:
            reasons.append(ReviewReason.TITLE_UNREADABLE)
    elif any(c.check is Check.MISMATCH for _, c in checks):
        reasons.append(ReviewReason.DATA_MISMATCH)
    if registration.title_expires_on < today - LONGEST_PLAUSIBLE_EXPIRY:
        reasons.append(ReviewReason.EXPIRY_LONG_PAST)
    if not birth_date_plausible(registration.date_of_birth, today):
        reasons.append(ReviewReason.BIRTH_DATE_IMPLAUSIBLE)
    return Verdict(pending=False, reasons=tuple(reasons))


def birth_date_plausible(date_of_birth: BirthDate, today: date) -> bool:
    """Born on or before today and at most OLDEST_PLAUSIBLE_AGE years ago (an unknown day or
    month: on some day it may stand for)."""
    latest = date_of_birth.latest
    birthday_to_come = (today.month, today.day) < (latest.month, latest.day)
    age = today.year - latest.year - birthday_to_come
    return date_of_birth.earliest <= today and age <= OLDEST_PLAUSIBLE_AGE


# -- corrections -------------------------------------------------------------------------------


def typed_value(registration: Registration, field: str) -> str:
    """A correctable field's value as stored and compared: dates as YYYY-MM-DD (a date of
    birth with an unknown day or month as YYYY-MM or YYYY)."""
    value = getattr(registration, field)
    return value.isoformat() if isinstance(value, date | BirthDate) else str(value)


def document_says(registration: Registration, field: Field, value: str) -> bool:
    """Whether a read zone of one of the registration's documents says `value` for `field`:
    a correction may only make the typed data what a document says."""
    for document in registration.documents:
        zone = document.zone
        if zone is None or document.read_outcome != ReadOutcome.READ:
            continue
        if field is Field.TITLE_EXPIRES_ON:
            if (
                document.kind is DocumentKind.RESIDENCE_TITLE
                and zone.expires_on.isoformat() == value
            ):
                return True
        elif field is Field.DATE_OF_BIRTH:
            if _birth_date_matches(BirthDate.parse(value), zone):
                return True
        elif field is Field.FAMILY_NAME:
            if _names_match(value, zone.family_name, _name_field_full(zone)):
                return True
        elif field is Field.GIVEN_NAMES and _names_match(
            value, zone.given_names, _name_field_full(zone)
        ):
            return True
    return False
