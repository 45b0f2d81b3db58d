"""E-mail composition: Jinja2 templates per language, text and HTML."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalicelib.services.ports import MailMessage

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE_DIR = Path(__file__).with_name("templates")
LANGUAGES = ("de", "en", "tr", "ar", "uk")
FALLBACK_LANGUAGE = "de"
MAP_SEARCH = "https://www.openstreetmap.org/search"


def map_link(address: str) -> str:
    """The office's address on OpenStreetMap, for the invitation ("how do I get there")."""
    return f"{MAP_SEARCH}?{urlencode({'query': ' '.join(address.split())})}"


@cache
def _environment() -> Environment:
    # Built on first use, not at import: Jinja2 and template compilation stay off the cold
    # start of every function that sends no mail (docs/performance.md).
    from jinja2 import (  # noqa: PLC0415
        Environment,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )

    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _has(language: str, template: str) -> bool:
    return all(
        (TEMPLATE_DIR / language / f"{template}.{part}").is_file()
        for part in ("subject.txt", "txt", "html")
    )


@cache
def _templates(language: str) -> frozenset[str]:
    subjects = (TEMPLATE_DIR / language).glob("*.subject.txt")
    return frozenset(path.name.removesuffix(".subject.txt") for path in subjects)


def template_language(language: str, template: str | None = None) -> str:
    """The language a mail is written in: the applicant's where it has the template, else German.

    Without `template`: the applicant's language only where it has every mail German has, so
    a language with only some of them (say the registration mail) is never asked for the rest.
    """
    if template is not None:
        return language if _has(language, template) else FALLBACK_LANGUAGE
    complete = _templates(FALLBACK_LANGUAGE) <= _templates(language)
    return language if complete else FALLBACK_LANGUAGE


def render(template: str, language: str, to: str, context: dict[str, Any]) -> MailMessage:
    env = _environment()
    folder = template_language(language, template)
    subject = env.get_template(f"{folder}/{template}.subject.txt").render(context)
    return MailMessage(
        to=to,
        subject=" ".join(subject.split()),
        text=env.get_template(f"{folder}/{template}.txt").render(context),
        html=env.get_template(f"{folder}/{template}.html").render(context),
    )
