"""Mail templates in every language the form offers, and the German fallback for the others."""

from __future__ import annotations

from typing import get_args

import pytest
from jinja2 import Environment, meta

from chalicelib.api.schemas import Language
from chalicelib.mail import TEMPLATE_DIR, render, template_language

LINK = "http://127.0.0.1:8080/status.html#id=0123456789abcdef0123456789abcdef&token=tok"


def _context(name: str) -> dict[str, str]:
    """A value for every variable a template (text, HTML, subject) uses."""
    env = Environment(autoescape=False)
    variables: set[str] = set()
    for part in ("subject.txt", "txt", "html"):
        source = (TEMPLATE_DIR / "de" / f"{name}.{part}").read_text("utf-8")
        variables |= meta.find_undeclared_variables(env.parse(source))
    variables |= {"given_names", "family_name", "office_name"}
    return {variable: f"<{variable}>" for variable in variables} | {"status_link": LINK}


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
def test_every_mail_renders_in_every_language_in_it_or_in_german(language: str, name: str) -> None:
    mail = render(name, language, "a@example.org", _context(name))

    assert mail.text.strip()
    assert template_language(language, name) in {language, "de"}


def test_a_language_without_every_mail_is_german_for_the_whole_set() -> None:
    # A caller that picks one language for several mails (and dates) gets a complete set.
    for language in get_args(Language):
        chosen = template_language(language)
        assert all(template_language(chosen, name) == chosen for name in GERMAN_TEMPLATES)
