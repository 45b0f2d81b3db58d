"""E-mail composition: Jinja2 templates per language, text and HTML."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.services.ports import MailMessage

TEMPLATE_DIR = Path(__file__).with_name("templates")
LANGUAGES = ("de", "en", "tr", "ar", "uk")
FALLBACK_LANGUAGE = "de"


@cache
def _environment() -> Environment:
    # Built on first use, not at import: template compilation stays off the cold start.
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_language(language: str) -> str:
    """The language a mail is written in: the applicant's, or German where none exists."""
    return language if (TEMPLATE_DIR / language).is_dir() else FALLBACK_LANGUAGE


def render(template: str, language: str, to: str, context: dict[str, Any]) -> MailMessage:
    env = _environment()
    folder = template_language(language)
    subject = env.get_template(f"{folder}/{template}.subject.txt").render(context)
    return MailMessage(
        to=to,
        subject=" ".join(subject.split()),
        text=env.get_template(f"{folder}/{template}.txt").render(context),
        html=env.get_template(f"{folder}/{template}.html").render(context),
    )
