"""Identity: one person, however their name is typed."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.identity import identity_key, normalize_name

SECRET = b"unit-test-identity-secret"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Müller", "muller"),
        ("MÜLLER", "Muller"),
        ("Çağlar", "caglar"),
        ("José  María", "jose maria"),
        ("Anna Maria", "AnnaMaria"),
        ("  Nguyễn Văn ", "nguyen van"),
        ("Straße", "STRASSE"),
        ("Ołeksandr", "Ołeksandr".upper()),
    ],
)
def test_names_compare_case_accent_and_whitespace_insensitively(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_different_people_differ() -> None:
    dob = date(1990, 5, 1)
    base = identity_key(SECRET, "Müller", "Anna", dob)
    assert identity_key(SECRET, "Müller", "Anne", dob) != base
    assert identity_key(SECRET, "Müller", "Anna", date(1990, 5, 2)) != base
    # Family and given names do not swap into the same person.
    assert identity_key(SECRET, "Anna", "Müller", dob) != base


def test_identity_key_is_stable_and_keyed() -> None:
    dob = date(1985, 2, 28)
    assert identity_key(SECRET, "Ivanova", "Olena", dob) == identity_key(
        SECRET, " IVANOVA ", "olena", dob
    )
    assert identity_key(b"another-secret-key-123", "Ivanova", "Olena", dob) != identity_key(
        SECRET, "Ivanova", "Olena", dob
    )
    assert "ivanova" not in identity_key(SECRET, "Ivanova", "Olena", dob)
