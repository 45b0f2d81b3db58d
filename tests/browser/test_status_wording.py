"""The status page's state says something new under its heading: in every language, the first
sentence under a state's heading is not the heading again. Against the stand-in API
(fake_api.py), every state the page can show."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.applicant import messages
from tests.browser.conftest import PHONE, OpenPage
from tests.browser.fake_api import STATUS_LINK, FakeApi, registration

pytestmark = pytest.mark.browser

LANGUAGES = ("de", "en", "tr", "ar", "uk")
LOCALES = {"de": "de-DE", "en": "en-GB", "tr": "tr-TR", "ar": "ar-SY", "uk": "uk-UA"}
# Every state the page has words for (`state.${status}.heading`).
STATES = sorted(
    key.split(".")[1]
    for key in messages("en")
    if key.startswith("state.") and key.endswith(".heading")
)
# The first sentence shown under the state's heading: the alert body's first visible paragraph.
FIRST_SENTENCE = """() => {
  const shown = [...document.querySelectorAll("#state .kern-alert__body p")].find((p) => !p.hidden);
  return shown ? shown.textContent.trim() : "";
}"""


def _same_words(text: str) -> str:
    return " ".join(text.replace("…", " ").replace(".", " ").split()).casefold()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_sentence_under_a_states_heading_does_not_repeat_it(
    language: str, open_page: OpenPage
) -> None:
    m = messages(language)
    api = FakeApi(registration())
    page = open_page(viewport=PHONE, locale=LOCALES[language])
    api.install(page)
    assert len(STATES) >= 10, STATES

    repeated = []
    for state in STATES:
        api.view = registration(state, queue_position=4 if state == "waiting" else None)
        page.goto("about:blank")
        page.goto(f"{STATUS_LINK}&lang={language}")
        heading = m[f"state.{state}.heading"]
        expect(page.locator("#state-heading")).to_have_text(heading)
        first = page.evaluate(FIRST_SENTENCE)
        assert first, f"{language}: nothing under the heading of {state}"
        if _same_words(first).startswith(_same_words(heading)):
            repeated.append(f"{state}: {heading!r} / {first!r}")

    assert repeated == [], f"{language}: the heading again under it: {repeated}"
