"""What the status page says: in every language, the first sentence under a state's heading is
not the heading again; an invitation whose arrival window, or day, is over no longer asks the
person to come (trial A3); every date is written one way (trial A7). Against the stand-in API
(fake_api.py), every state the page can show, with the browser's clock set by the test."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.applicant import messages
from tests.browser.conftest import PHONE, OpenPage
from tests.browser.fake_api import (
    STATUS_LINK,
    TODAY,
    FakeApi,
    document,
    invitation,
    mismatch,
    registration,
)

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


# The invitation's window is 10:00 to 10:30 at the office (fake_api.invitation).
IN_THE_WINDOW = f"{TODAY}T10:25:00+01:00"
NEXT_MORNING = "2026-12-01T08:00:00+01:00"


def _written(page: Page, day: str, with_weekday: bool = False) -> str:
    text: str = page.evaluate(
        "([day, weekday]) => NFT.formatDocumentDate(day, weekday)", [day, with_weekday]
    )
    return text


def test_an_invitation_says_the_arrival_time_is_over_once_it_has_ended(
    open_page: OpenPage,
) -> None:
    en = messages("en")
    api = FakeApi(invitation())
    page = open_page(viewport=PHONE, locale="en-GB")
    api.install(page)
    page.clock.install(time=IN_THE_WINDOW)
    page.goto(f"{STATUS_LINK}&lang=en")
    expect(page.locator("#state-heading")).to_have_text(en["state.invited.heading"])
    expect(page.locator("#appointment-state")).to_have_text(en["appointment.state.invited"])
    expect(page.locator("#release-section")).to_be_visible()

    # 10:31: the page changes by itself, without asking the API again.
    gets = api.gets()
    page.clock.run_for("06:00")

    expect(page.locator("#state-heading")).to_have_text(en["state.window_over.heading"])
    expect(page.locator("#state-text")).to_have_text(en["state.window_over.text"])
    expect(page.locator("#state")).to_have_class("kern-alert kern-alert--warning")
    expect(page.locator("#appointment-state")).to_have_text(en["appointment.state.window_over"])
    expect(page.get_by_text(en["appointment.state.invited"])).to_have_count(0)
    expect(page.get_by_text(en["state.invited.text"])).to_have_count(0)
    expect(page.locator("#bring")).to_be_hidden()
    expect(page.locator("#release-section")).to_be_hidden()
    # Not before the day is closed: the place is still the person's until then.
    expect(page.locator("#register-again")).to_be_hidden()
    expect(page.locator("#reference-text")).to_have_text(en["reference.keep"])
    assert api.gets() == gets


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invitation_of_a_past_day_says_the_day_is_over(
    language: str, open_page: OpenPage
) -> None:
    m = messages(language)
    # The end-of-day job has not closed the day yet: the API still says invited.
    api = FakeApi(invitation(can_release=False))
    page = open_page(viewport=PHONE, locale=LOCALES[language])
    api.install(page)
    page.clock.set_fixed_time(NEXT_MORNING)
    page.goto(f"{STATUS_LINK}&lang={language}")

    expect(page.locator("#state-heading")).to_have_text(m["state.day_over.heading"])
    expect(page.locator("#state-text")).to_have_text(m["state.day_over.text"])
    expect(page.locator("#appointment-state")).to_have_text(m["appointment.state.day_over"])
    expect(page.locator("#bring")).to_be_hidden()
    expect(page.locator("#release-section")).to_be_hidden()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_on_the_status_page_is_written_one_way(
    language: str, open_page: OpenPage
) -> None:
    m = messages(language)
    api = FakeApi(
        registration(
            title_expires_on="2026-12-03",
            documents=[
                document("passport", "matches", number=1),
                document(
                    "residence_title",
                    "mismatch",
                    [mismatch("title_expires_on", "2026-12-03", "2026-12-01")],
                    number=2,
                ),
            ],
        )
    )
    page = open_page(viewport=PHONE, locale=LOCALES[language])
    api.install(page)
    page.goto(f"{STATUS_LINK}&lang={language}")
    expect(page.locator("#check-residence_title .mismatch")).to_be_visible()

    typed, on_title = _written(page, "2026-12-03"), _written(page, "2026-12-01")
    expect(page.locator("#title-expiry")).to_have_text(m["status.expires"].replace("{date}", typed))
    sentence = page.locator("#mismatch-residence_title-title_expires_on")
    expect(sentence).to_contain_text(typed)
    expect(sentence).to_contain_text(on_title)

    # The appointment's day: the same way, with its weekday.
    api.view = invitation()
    page.clock.set_fixed_time(IN_THE_WINDOW)
    page.goto("about:blank")
    page.goto(f"{STATUS_LINK}&lang={language}")
    expect(page.locator("#appointment-section")).to_be_visible()  # in the page's language
    expect(page.locator("#appointment-date")).to_have_text(_written(page, TODAY, True))
    assert _written(page, TODAY) in _written(page, TODAY, True)
