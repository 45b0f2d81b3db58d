"""The web form's language files: complete, consistent, and in step with the service."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from chalicelib.api.schemas import Language
from chalicelib.domain.errors import DomainError
from chalicelib.domain.nationality import NATIONALITY_CODES
from chalicelib.domain.registration import Status
from chalicelib.domain.verification import CORRECTABLE, Check, Field
from infra.local_stack import REPO_ROOT

WEB = REPO_ROOT / "web"
LANGUAGES = ("de", "en", "tr", "ar", "uk")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _messages(language: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((WEB / "i18n" / f"{language}.json").read_text("utf-8"))
    return loaded


def test_the_form_offers_exactly_the_languages_the_service_accepts() -> None:
    offered = re.findall(r'\{ code: "(\w+)", name: "[^"]+", dir: "(ltr|rtl)" \}', _app_js())

    assert [code for code, _ in offered] == list(get_args(Language))
    assert dict(offered)["ar"] == "rtl"
    assert sorted(path.stem for path in (WEB / "i18n").glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_text_with_the_same_placeholders(language: str) -> None:
    english = _messages("en")
    texts = _messages(language)

    assert set(texts) == set(english)
    for key, text in texts.items():
        assert text.strip(), f"{language}: {key} is empty"
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_every_text_the_pages_name_exists() -> None:
    english = _messages("en")
    sources = [*WEB.glob("*.html"), *WEB.glob("*.js")]
    named = set()
    for source in sources:
        text = source.read_text("utf-8")
        named |= set(re.findall(r'data-i18n(?:-aria-label)?="([\w.]+)"', text))
        named |= set(re.findall(r'\bt\("([\w.]+)"', text))

    assert named, "no texts found in the pages"
    assert named <= set(english), sorted(named - set(english))


def test_the_status_page_can_say_every_state_check_and_mismatch_of_the_service() -> None:
    # The status page builds these keys from the API's values (`state.${status}.heading`).
    english = set(_messages("en"))
    wanted = {f"state.{s.value}.{part}" for s in Status for part in ("heading", "text")}
    wanted |= {f"check.word.{c.value}" for c in Check if c is not Check.NOT_READ}
    wanted |= {f"check.mismatch.{f.value}" for f in Field if f is not Field.DOCUMENT_TYPE}
    wanted |= {"check.mismatch.document_type.passport", "check.mismatch.document_type.other"}
    names = {f for f in CORRECTABLE if f not in (Field.TITLE_EXPIRES_ON, Field.DATE_OF_BIRTH)}
    wanted |= {f"correct.{part}.{f.value}" for f in names for part in ("label", "button")}

    assert wanted <= english, sorted(wanted - english)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mismatch_names_both_values_and_the_unreadable_text_shows_the_zone(
    language: str,
) -> None:
    texts = _messages(language)

    for f in Field:
        if f is not Field.DOCUMENT_TYPE:
            assert set(PLACEHOLDER.findall(texts[f"check.mismatch.{f.value}"])) == {
                "document",
                "typed",
            }
    # The lines of the zone, as printed; isolated left-to-right where the text runs right to left.
    zone = "\u2066<<<\u2069" if language == "ar" else "<<<"
    assert zone in texts["check.unreadable"]
    assert zone in texts["check.advice.document_type"]


def test_the_nationalities_are_those_the_service_accepts() -> None:
    script = (WEB / "countries.js").read_text("utf-8")
    listed = set(re.findall(r'\["([A-Z]{3})", "[A-Z]{2}", ', script))
    special = set(re.findall(r'"(XX[A-Z])"', script))

    assert listed | special == NATIONALITY_CODES
    assert {f"nationality.{code}" for code in special} <= set(_messages("en"))


def _app_js() -> str:
    return Path(WEB / "app.js").read_text("utf-8")


# Problems only the staff routes answer (the desk's entrance pass); the console says those.
STAFF_ONLY_PROBLEMS = {"pass_invalid", "not_today", "window_not_over"}


def _problem_codes() -> set[str]:
    """Every problem `code` the API answers: the domain's errors and the error mapper's own."""
    codes = {"internal_error"}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        error = pending.pop()
        codes.add(error.code)
        pending.extend(error.__subclasses__())
    return codes


def test_every_problem_the_applicant_can_meet_has_a_text_in_every_language() -> None:
    # app.js PROBLEM_TEXTS: code → i18n key; the pages never show the API's English `detail`.
    block = re.search(r"const PROBLEM_TEXTS = \{(.*?)\};", _app_js(), re.S)
    assert block is not None, "app.js has no PROBLEM_TEXTS"
    texts = dict(re.findall(r'(\w+): "([\w.]+)"', block.group(1)))

    assert set(texts) == _problem_codes() - STAFF_ONLY_PROBLEMS
    for language in LANGUAGES:
        missing = set(texts.values()) - set(_messages(language))
        assert not missing, (language, missing)
    # The daily limit of an address is its own text, not "busy, try again in a few minutes".
    assert texts["too_many_registrations"] != texts["service_unavailable"]
