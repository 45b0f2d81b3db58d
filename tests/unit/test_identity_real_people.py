"""One identity however a name is typed (issue 15): every pair of the issue, and what keeps
different people apart."""
# ruff: noqa: RUF001 (the inputs are the look-alike characters people type)

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.identity import (
    identity_key,
    legacy_identity_key,
    legacy_normalize_name,
    normalize_name,
    skeleton,
)

SECRET = b"unit-test-identity-secret"
BORN = BirthDate(1990, 5, 17)

# As on the card / as in the machine-readable zone or typed on a plain keyboard.
SAME_PERSON = [
    ("Işık", "ISIK"),
    ("Işık", "isik"),
    ("IŞIK", "Işık"),
    ("İlhan", "ILHAN"),
    ("İlhan", "ilhan"),
    ("ılgın", "ILGIN"),
    ("Łukasz", "LUKASZ"),
    ("Łukasz", "Lukasz"),
    ("Søren", "SOEREN"),
    ("Søren", "Soren"),
    ("Müller", "MUELLER"),
    ("Müller", "Muller"),
    ("MÜLLER", "Mueller"),
    ("Göktürk", "GOEKTUERK"),
    ("Bräuer", "BRAEUER"),
    ("Åsa", "AASA"),
    ("Åsa", "Asa"),
    ("Đorđe", "DJORDJE"),
    ("Đorđe", "Dorde"),
    ("Đorđe", "Djordje"),
    ("Straße", "STRASSE"),
    ("Ærø", "AEROE"),
    ("O’Brien", "O'Brien"),
    ("O’Brien", "OBRIEN"),
    ("Oʼbrien", "O`Brien"),
    ("Al-Hassan", "Al Hassan"),
    ("Al-Hassan", "Al\u2010Hassan"),
    ("Al-Hassan", "Al\u2013Hassan"),
    ("Al-Hassan", "AlHassan"),
    ("Al Hassan", "Al\u2010Hassan"),
    ("José  María", "jose maria"),
    ("Nguyễn Văn", "NGUYEN VAN"),
    ("Çağlar", "CAGLAR"),
    # Arabic with and without the stretching stroke (tatweel), and with vowel marks.
    ("محمد", "مـحـمـد"),
    ("محمد", "مُحَمَّد"),
    # A Cyrillic letter in a Latin name reads as the Latin letter it looks like (UTS #39).
    ("\u0410nna", "Anna"),
    ("P\u0435tra", "Petra"),
    ("\u041dans", "Hans"),
    ("\u0420aul", "Paul"),
    # A name all in Cyrillic or Greek is written as ICAO 9303 writes it.
    ("Олена", "OLENA"),
    ("Петро", "PETRO"),
]


@pytest.mark.parametrize(("a", "b"), SAME_PERSON)
def test_the_same_name_typed_two_ways_is_one_name(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)
    assert identity_key(SECRET, a, "Anna", BORN) == identity_key(SECRET, b, "Anna", BORN)
    assert identity_key(SECRET, "Khan", a, BORN) == identity_key(SECRET, "Khan", b, BORN)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Anna", "Anne"),
        ("Müller", "Miller"),
        ("Hans", "Nans"),
        ("Petra", "Peter"),
        ("Olena", "Olga"),
        ("محمد", "احمد"),
        ("Lukas", "Lucas"),
    ],
)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_a_name_fold_keeps_letters_of_scripts_icao_has_no_table_for() -> None:
    # Arabic names must not all fold to "" (the same person for every date of birth).
    assert normalize_name("محمد") != normalize_name("علي")
    assert normalize_name("محمد") != ""


def test_one_name_people_and_swapped_fields_stay_apart() -> None:
    one_name = identity_key(SECRET, "Wahidullah", "", BORN)
    assert one_name == identity_key(SECRET, "WAHIDULLAH", "", BORN)
    assert one_name != identity_key(SECRET, "Wahidullah", "Wahidullah", BORN)
    assert identity_key(SECRET, "Anna", "Müller", BORN) != identity_key(
        SECRET, "Müller", "Anna", BORN
    )


def test_a_date_of_birth_counts_as_the_document_shows_it() -> None:
    year_only = identity_key(SECRET, "Karimi", "Ahmad", BirthDate(1990))
    assert year_only == identity_key(SECRET, "KARIMI", "Ahmad", BirthDate.parse("1990"))
    assert year_only != identity_key(SECRET, "Karimi", "Ahmad", BirthDate(1990, 1, 1))
    assert year_only != identity_key(SECRET, "Karimi", "Ahmad", BirthDate(1990, 1))
    # A full date as a date or as a BirthDate is the same key.
    assert identity_key(SECRET, "Karimi", "Ahmad", date(1990, 5, 17)) == identity_key(
        SECRET, "Karimi", "Ahmad", BORN
    )


def test_the_skeleton_is_uts_39s() -> None:
    assert skeleton("\u0410") == "A"  # CYRILLIC CAPITAL LETTER A
    assert skeleton("\u0440") == "p"  # CYRILLIC SMALL LETTER ER
    assert skeleton("\u0131") == "i"  # LATIN SMALL LETTER DOTLESS I


def test_registrations_of_before_keep_their_key() -> None:
    """The fold before issue 15 (case, accents, spaces), as the locks of then were made: the
    service still looks for a lock under it (services/registration.py)."""
    assert legacy_normalize_name(" Müller Lüdenscheidt") == "mullerludenscheidt"
    old = legacy_identity_key(SECRET, "Müller", "Anna", BORN)
    assert old == legacy_identity_key(SECRET, "MULLER", "anna", date(1990, 5, 17))
    assert old != identity_key(SECRET, "Müller", "Anna", BORN)
    assert legacy_identity_key(SECRET, "Müller", "Anna", BirthDate(1990)) is None
