"""The web form's language files: complete, consistent, and in step with the service."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from chalicelib.api.schemas import Language
from chalicelib.domain.nationality import NATIONALITY_CODES
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


def test_the_nationalities_are_those_the_service_accepts() -> None:
    script = (WEB / "countries.js").read_text("utf-8")
    listed = set(re.findall(r'\["([A-Z]{3})", "[A-Z]{2}", ', script))
    special = set(re.findall(r'"(XX[A-Z])"', script))

    assert listed | special == NATIONALITY_CODES
    assert {f"nationality.{code}" for code in special} <= set(_messages("en"))


def _app_js() -> str:
    return Path(WEB / "app.js").read_text("utf-8")
