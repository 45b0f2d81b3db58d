"""Mail templates in every language the form offers, the dates in them, and the German
fallback for a language without the whole set."""

from __future__ import annotations

import html
import unicodedata
from datetime import date, timedelta
from typing import get_args

import pytest
from jinja2 import Environment, meta

from chalicelib.api.schemas import Language
from chalicelib.mail import TEMPLATE_DIR, render, template_language
from chalicelib.services.allocation import date_text

LINK = "http://127.0.0.1:8080/status.html#id=0123456789abcdef0123456789abcdef&token=tok"


SCRIPTS = {"de": "LATIN", "en": "LATIN", "tr": "LATIN", "ar": "ARABIC", "uk": "CYRILLIC"}


def _variables(name: str, part: str, language: str = "de") -> set[str]:
    """The variables one template uses (the layout's own are the same for every language)."""
    source = (TEMPLATE_DIR / language / f"{name}.{part}").read_text("utf-8")
    found: set[str] = meta.find_undeclared_variables(Environment(autoescape=False).parse(source))
    return found


def _context(name: str) -> dict[str, str]:
    """A value for every variable a template (text, HTML, subject) uses."""
    env = Environment(autoescape=False)
    variables: set[str] = set()
    for part in ("subject.txt", "txt", "html"):
        source = (TEMPLATE_DIR / "de" / f"{name}.{part}").read_text("utf-8")
        variables |= meta.find_undeclared_variables(env.parse(source))
    variables |= {"given_names", "family_name", "office_name"}
    placeholders = {variable: f"<{variable}>" for variable in variables}
    # A count the Ukrainian text inflects by (1 день, 2 дні, 30 днів) is a number.
    numbers = {"hold_days": "30"} if "hold_days" in variables else {}
    return placeholders | numbers | {"status_link": LINK}


GERMAN_TEMPLATES = sorted(
    p.name.removesuffix(".subject.txt") for p in TEMPLATE_DIR.glob("de/*.subject.txt")
)


@pytest.mark.parametrize("language", get_args(Language))
def test_the_registration_mail_is_written_in_every_offered_language(language: str) -> None:
    mail = render("registration", language, "a@example.org", _context("registration"))

    assert template_language(language, "registration") == language
    assert LINK in mail.text
    assert mail.text.index(LINK) < mail.text.index("<registration_id>")
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in mail.html
    assert mail.subject and "\n" not in mail.subject


def test_the_arabic_mail_reads_right_to_left() -> None:
    mail = render("registration", "ar", "a@example.org", _context("registration"))

    assert '<body dir="rtl"' in mail.html
    assert "يرجى تأكيد تسجيلك" in mail.subject


@pytest.mark.parametrize("name", GERMAN_TEMPLATES)
@pytest.mark.parametrize("language", get_args(Language))
def test_every_mail_is_written_in_every_offered_language(language: str, name: str) -> None:
    context = _context(name)
    mail = render(name, language, "a@example.org", context)

    assert template_language(language, name) == language
    assert mail.subject and "\n" not in mail.subject
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in mail.html
    assert f'<body dir="{direction}"' in mail.html
    # What the German mail tells, every translation tells: each value is in both parts.
    for variable, value in context.items():
        if variable in _variables(name, "txt"):
            assert value in mail.text, f"{language}/{name}.txt lacks {variable}"
        if variable in _variables(name, "html"):
            assert html.escape(value) in mail.html, f"{language}/{name}.html lacks {variable}"


@pytest.mark.parametrize("language", get_args(Language))
def test_every_language_has_exactly_the_german_set_with_the_same_variables(language: str) -> None:
    subjects = TEMPLATE_DIR.glob(f"{language}/*.subject.txt")
    names = sorted(path.name.removesuffix(".subject.txt") for path in subjects)

    assert names == GERMAN_TEMPLATES
    assert template_language(language) == language
    for name in GERMAN_TEMPLATES:
        for part in ("subject.txt", "txt", "html"):
            used = _variables(name, part, language)
            assert used == _variables(name, part), f"{language}/{name}.{part}"


def test_the_arabic_invitation_lines_up_right_to_left() -> None:
    mail = render("invitation", "ar", "a@example.org", _context("invitation"))

    assert "text-align: left" not in mail.html
    assert mail.html.count("text-align: right") == 3
    assert "موعدك الطارئ" in mail.subject


DAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Dienstag, 24. November 2026"),
        ("en", "Tuesday, 24 November 2026"),
        ("tr", "24 Kasım 2026 Salı"),  # noqa: RUF001
        ("ar", "الثلاثاء، 24 نوفمبر 2026"),
        ("uk", "вівторок, 24 листопада 2026 р."),  # noqa: RUF001
        ("fr", "24.11.2026"),
    ],
)
def test_the_date_is_written_as_the_language_writes_it(language: str, expected: str) -> None:
    assert date_text(DAY, language) == expected


@pytest.mark.parametrize("language", get_args(Language))
def test_every_weekday_and_month_has_its_own_name(language: str) -> None:
    mondays = [date(2026, month, 1) for month in range(1, 13)]
    week = [DAY + timedelta(days=offset) for offset in range(7)]

    assert len({date_text(day, language).replace("1", "") for day in mondays}) == 12
    assert len({date_text(day, language) for day in week}) == 7
    # No letter of another script slipped in: Latin languages stay Latin, and so on.
    letters = "".join(
        c for day in [*mondays, *week] for c in date_text(day, language) if c.isalpha()
    )
    scripts = {unicodedata.name(c).split()[0] for c in letters}
    assert scripts == {SCRIPTS[language]}


def test_a_language_without_every_mail_is_german_for_the_whole_set() -> None:
    # A caller that picks one language for several mails (and dates) gets a complete set.
    for language in get_args(Language):
        chosen = template_language(language)
        assert all(template_language(chosen, name) == chosen for name in GERMAN_TEMPLATES)


@pytest.mark.parametrize("language", get_args(Language))
def test_the_registration_mail_links_the_privacy_notice(language: str) -> None:
    privacy = f"http://127.0.0.1:8080/privacy.html?lang={language}"
    context = _context("registration") | {"privacy_link": privacy}

    mail = render("registration", language, "a@example.org", context)

    assert privacy in mail.text
    assert f'<a href="{html.escape(privacy)}">' in mail.html
