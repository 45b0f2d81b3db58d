"""Dates of birth as documents show them: an unknown day or month (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.birth_date import BirthDate, parse_birth_date
from chalicelib.domain.documents import DocumentKind
from chalicelib.domain.machine_readable_zone import MachineReadableZone
from chalicelib.domain.registration import Registration, Status
from chalicelib.domain.verification import Field, birth_date_plausible, compare
from tests.registrations import a_registration


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1990", BirthDate(1990)),
        ("1990-05", BirthDate(1990, 5)),
        ("1990-05-17", BirthDate(1990, 5, 17)),
        ("2000-02-29", BirthDate(2000, 2, 29)),
    ],
)
def test_reads_iso_8601_with_reduced_precision(text: str, parsed: BirthDate) -> None:
    assert BirthDate.parse(text) == parsed
    assert parsed.isoformat() == text
    assert parse_birth_date(text) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "04011",
        "90",
        "1990-5",
        "1990-13",
        "1990-00",
        "1990-02-30",
        "1900-02-29",
        "0000",
        "1990-05-17T00:00",
        "17.05.1990",
        "XX.XX.1990",
        "",
    ],
)
def test_refuses_what_is_no_date(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY"):
        BirthDate.parse(text)


def test_a_partial_date_stands_for_a_range_of_days() -> None:
    assert BirthDate(1990).earliest == date(1990, 1, 1)
    assert BirthDate(1990).latest == date(1990, 12, 31)
    assert BirthDate(2000, 2).latest == date(2000, 2, 29)
    assert BirthDate(1990, 5, 17).earliest == BirthDate(1990, 5, 17).latest == date(1990, 5, 17)
    assert BirthDate(1990, 5).zone_digits() == "9005<<"


def test_parse_takes_a_date_too() -> None:
    assert parse_birth_date(date(1990, 5, 17)) == BirthDate(1990, 5, 17)
    with pytest.raises(ValueError, match="YYYY"):
        parse_birth_date(19900517)


@pytest.mark.parametrize(
    ("born", "plausible"),
    [
        (BirthDate(1990), True),
        (BirthDate(2026), True),  # today is in it
        (BirthDate(2026, 11), True),
        (BirthDate(2026, 12), False),
        (BirthDate(2027), False),
        (BirthDate(1925), True),  # 100 on some day of it
        (BirthDate(1924), False),
    ],
)
def test_plausible_when_some_day_it_stands_for_is(born: BirthDate, plausible: bool) -> None:
    assert birth_date_plausible(born, date(2026, 11, 24)) is plausible


def _registration(born: BirthDate) -> Registration:
    return a_registration(
        status=Status.IN_REVIEW,
        given_names="AHMAD",
        family_name="KARIMI",
        date_of_birth=born,
        nationality="AFG",
        title_expires_on=date(2026, 11, 28),
    )


def _zone(birth: str, resolved: date | None) -> MachineReadableZone:
    return MachineReadableZone(
        document_format="TD3",
        document_code="P",
        issuing_state="AFG",
        document_number="P01234567",
        family_name="KARIMI",
        given_names="AHMAD",
        nationality="AFG",
        birth_date=birth,
        date_of_birth=resolved,
        expires_on=date(2030, 1, 1),
    )


@pytest.mark.parametrize(
    ("typed", "birth", "resolved", "matches"),
    [
        (BirthDate(1990, 5, 17), "900517", date(1990, 5, 17), True),
        (BirthDate(1990, 5, 18), "900517", date(1990, 5, 17), False),
        # The zone does not know the day or month: what both know agrees.
        (BirthDate(1990, 5, 17), "9005<<", None, True),
        (BirthDate(1990), "90<<<<", None, True),
        (BirthDate(1990, 5), "9005<<", None, True),
        (BirthDate(1991), "90<<<<", None, False),
        # Typed as the card shows it (XX.XX.1990); the zone writes the unknown as 01 or 00.
        (BirthDate(1990), "900101", date(1990, 1, 1), True),
        (BirthDate(1990), "900000", None, True),
        (BirthDate(1990, 5), "900501", date(1990, 5, 1), True),
        # The document knows the day: typing less is a mismatch (correctable to the zone's).
        (BirthDate(1990), "900517", date(1990, 5, 17), False),
        (BirthDate(1990, 5), "900517", date(1990, 5, 17), False),
    ],
)
def test_the_zone_check_allows_unknown_parts_on_either_side(
    typed: BirthDate, birth: str, resolved: date | None, matches: bool
) -> None:
    mismatches = compare(_registration(typed), DocumentKind.PASSPORT, _zone(birth, resolved))
    fields = {m.field for m in mismatches}
    assert (Field.DATE_OF_BIRTH not in fields) is matches
