"""The status page shows what the machine check of each document found, in every language, and
lets the person correct typed data to what a document says (issue 12). Against a stand-in API
(fake_api.py), so every state of a check can be shown on demand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import assert_no_horizontal_scrolling, expect_heading, messages, shot
from tests.browser.conftest import OpenPage
from tests.browser.fake_api import (
    STATUS_LINK,
    FakeApi,
    document,
    mismatch,
    problem,
    registration,
)

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 375, "height": 812}
LANGUAGES = ("de", "en", "tr", "ar", "uk")
LOCALES = {"de": "de-DE", "en": "en-GB", "tr": "tr-TR", "ar": "ar-SY", "uk": "uk-UA"}
# The expiry mismatch as the issue words it in German and English.
EXPIRY_SENTENCE = {
    "de": "Ihr Aufenthaltstitel ist laut Dokument gültig bis 20.11.2026; "
    "Sie haben 02.11.2026 eingegeben.",
    "en": "Your residence title says it is valid until 20 Nov 2026; you entered 02 Nov 2026.",
}
ISOLATES = re.compile("[\u2066-\u2069]")


def _with_mismatches() -> FakeApi:
    return FakeApi(
        registration(
            documents=[
                document("passport", "matches", number=1),
                document(
                    "residence_title",
                    "mismatch",
                    [
                        mismatch("title_expires_on", "2026-11-02", "2026-11-20"),
                        mismatch("family_name", "Müller", "MUELLER-SCHMIDT"),
                        mismatch("nationality", "UKR", "MDA"),
                    ],
                    number=2,
                ),
            ]
        )
    )


def _open(page: Page, api: FakeApi, language: str) -> None:
    api.install(page)
    page.goto(f"{STATUS_LINK}&lang={language}")
    expect_heading(page, messages(language)["state.awaiting_documents.heading"])


def _text(locator_text: str) -> str:
    return ISOLATES.sub("", locator_text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mismatch_is_said_in_words_field_by_field_in_each_language(
    language: str, open_page: OpenPage, screenshots: Path
) -> None:
    m = messages(language)
    api = _with_mismatches()
    page = open_page(viewport=SMALL_PHONE, locale=LOCALES[language])
    _open(page, api, language)
    check = page.locator("#check-residence_title")

    expect(check).to_contain_text(_text(m["check.mismatch.intro"]))
    sentences = check.locator(".mismatch > p:first-child")
    expect(sentences).to_have_count(3)
    expiry = _text(sentences.nth(0).inner_text())
    if language in EXPIRY_SENTENCE:
        assert expiry == EXPIRY_SENTENCE[language]
    else:  # in the page's own words and date format, never the ISO dates of the API
        assert "2026-11-20" not in expiry and "2026-11-02" not in expiry
        assert expiry.startswith(m["check.mismatch.title_expires_on"].split("{")[0])
    assert "MUELLER-SCHMIDT" in _text(sentences.nth(1).inner_text())
    assert "MDA" not in _text(sentences.nth(2).inner_text())  # the country's name instead

    # Dates: one button; names: a field with the document's spelling; the rest: what to do.
    use_date = check.get_by_role("button", name=m["correct.use_date"])
    expect(use_date).to_be_visible()
    name = check.get_by_label(m["correct.label.family_name"], exact=True)
    expect(name).to_have_value("MUELLER-SCHMIDT")
    expect(check.get_by_role("button", name=m["correct.button.family_name"])).to_be_visible()
    expect(check).to_contain_text(_text(m["check.advice.not_correctable"]))
    expect(check).to_contain_text(_text(m["check.explain"]))
    expect(check).to_have_attribute("aria-live", "polite")
    expect(page.locator("#check-passport")).to_contain_text(m["check.matches"])
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, f"status: mismatch ({language})")

    shot(page, screenshots, f"20-mismatch-{language}")
    # The first screen a person sees of the card (a phone, 375 px wide).
    page.locator('.upload[data-kind="residence_title"]').evaluate(
        "card => card.scrollIntoView({block: 'start'})"
    )
    shot(page, screenshots, f"20-mismatch-{language}-phone", full_page=False)

    # Keyboard: from the date's button, Tab reaches the name field.
    use_date.focus()
    page.keyboard.press("Tab")
    expect(name).to_be_focused()


def test_the_date_from_the_document_is_taken_over_with_one_button(open_page: OpenPage) -> None:
    en = messages("en")
    api = _with_mismatches()
    page = open_page(viewport=SMALL_PHONE, locale="en-GB")
    _open(page, api, "en")

    page.get_by_role("button", name=en["correct.use_date"]).click()

    expect(page.locator("#announcer")).to_have_text(en["correct.done"])
    assert [c[2] for c in api.calls if c[1].endswith("/corrections")] == [
        {"title_expires_on": "2026-11-20"}
    ]
    expect(page.locator("#check-residence_title")).to_be_focused()
    expect(page.locator("#title-expiry")).to_contain_text("2026")
    expect(page.get_by_role("button", name=en["correct.use_date"])).to_have_count(0)


@pytest.mark.parametrize("language", ["tr", "ar"])
def test_a_refused_correction_is_explained_at_the_field_in_the_persons_language(
    language: str, open_page: OpenPage, screenshots: Path
) -> None:
    m = messages(language)
    api = _with_mismatches()
    api.correction_answers.append(problem(422, "correction_not_on_document"))
    page = open_page(viewport=SMALL_PHONE, locale=LOCALES[language])
    _open(page, api, language)
    name = page.get_by_label(m["correct.label.family_name"], exact=True)

    name.fill("Schmidt")
    name.press("Enter")

    error = page.locator("#correct-residence_title-family_name-error")
    expect(error).to_have_text(m["correct.not_on_document"])
    assert [c[2] for c in api.calls if c[1].endswith("/corrections")] == [
        {"family_name": "Schmidt"}
    ]
    expect(error).not_to_contain_text("document says")  # not the API's English
    expect(name).to_be_focused()
    expect(name).to_have_value("Schmidt")  # what the person typed stays
    expect(name).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, f"status: correction refused ({language})")
    shot(page, screenshots, f"21-correction-refused-{language}")


def test_a_correction_past_the_seven_days_says_from_when_to_register(
    open_page: OpenPage,
) -> None:
    de = messages("de")
    api = _with_mismatches()
    api.correction_answers.append(problem(422, "not_eligible", first_possible_date="2026-11-13"))
    page = open_page(viewport=SMALL_PHONE, locale="de-DE")
    _open(page, api, "de")

    page.get_by_role("button", name=de["correct.use_date"]).click()

    error = page.locator("#correct-residence_title-title_expires_on-error")
    expect(error).to_have_text(de["correct.not_eligible"].replace("{date}", "13.11.2026"))


def test_being_checked_is_shown_and_the_page_asks_again_until_the_check_is_done(
    open_page: OpenPage,
) -> None:
    en = messages("en")
    api = FakeApi(
        registration(
            documents=[
                document("passport", "matches", number=1),
                document("residence_title", "pending", number=2),
            ]
        )
    )
    page = open_page(viewport=SMALL_PHONE, locale="en-GB")
    _open(page, api, "en")
    expect(page.locator("#check-residence_title")).to_have_text(en["check.pending"])
    expect(page.locator("#file-list")).to_contain_text(en["check.word.pending"])

    # The reader finishes: the next poll (every 3 s) shows the outcome, without a reload.
    api.view = registration(
        documents=[
            document("passport", "matches", number=1),
            document("residence_title", "unreadable", number=2),
        ]
    )
    expect(page.locator("#check-residence_title")).to_have_text(
        _text(en["check.unreadable"]), timeout=8_000
    )
    asked = api.gets()
    page.wait_for_timeout(4_000)
    assert api.gets() == asked, "the page kept asking after the check was done"


def test_a_check_that_takes_too_long_says_to_come_back_later(open_page: OpenPage) -> None:
    en = messages("en")
    api = FakeApi(registration(status="checking", documents=[document("passport", "pending")]))
    page = open_page(viewport=SMALL_PHONE, locale="en-GB")
    # The page's clock runs ahead: three minutes pass at once.
    page.add_init_script(
        """(() => {
            const real = Date.now.bind(Date);
            const start = real();
            Date.now = () => start + (real() - start) * 60;
        })();"""
    )
    api.install(page)
    page.goto(f"{STATUS_LINK}&lang=en")
    expect_heading(page, en["state.checking.heading"])
    expect(page.locator("#state-text")).to_have_text(en["state.checking.text"])

    still = page.locator("#still-checking")
    expect(still).to_be_hidden()
    expect(still).to_be_visible(timeout=10_000)
    expect(still).to_have_text(en["check.still_pending"])
    asked = api.gets()
    page.wait_for_timeout(4_000)
    assert api.gets() == asked, "the page kept asking after it gave up"


def test_submitting_with_a_mismatch_asks_first_and_says_staff_will_check(
    open_page: OpenPage, screenshots: Path
) -> None:
    en = messages("en")
    api = _with_mismatches()
    page = open_page(viewport=SMALL_PHONE, locale="en-GB")
    _open(page, api, "en")
    dialog = page.get_by_role("dialog", name=en["submit.by_hand.heading"])

    page.get_by_role("button", name=en["submit.button"]).click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(en["submit.by_hand.text"])
    expect(dialog.get_by_role("button", name=en["submit.by_hand.no"])).to_be_focused()
    assert not [c for c in api.calls if c[1].endswith("/submit")]
    assert_accessible(page, "status: submit to staff, confirmation")
    shot(page, screenshots, "22-submit-by-hand", full_page=False)

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name=en["submit.button"])).to_be_focused()

    page.get_by_role("button", name=en["submit.button"]).click()
    dialog.get_by_role("button", name=en["submit.by_hand.yes"]).click()
    expect_heading(page, en["state.in_review.heading"])
    expect(page.locator("#state-text")).to_have_text(en["state.in_review.text"])
    expect(page.locator("#state-more")).to_have_text(en["state.in_review.correct"])
    # In review the person can still correct, but no longer upload or submit.
    expect(page.get_by_role("button", name=en["correct.use_date"])).to_be_visible()
    expect(page.locator("#file-residence_title")).to_be_hidden()
    expect(page.locator("#submit-button")).to_be_hidden()
    assert_accessible(page, "status: in review")
    shot(page, screenshots, "23-in-review")


def test_a_passport_uploaded_as_the_residence_title_says_what_to_upload(
    open_page: OpenPage,
) -> None:
    uk = messages("uk")
    api = FakeApi(
        registration(
            documents=[
                document(
                    "residence_title",
                    "mismatch",
                    [mismatch("document_type", "residence_title", "P")],
                )
            ]
        )
    )
    page = open_page(viewport=SMALL_PHONE, locale="uk-UA")
    _open(page, api, "uk")

    check = page.locator("#check-residence_title")
    expect(check).to_contain_text(uk["check.mismatch.document_type.passport"])
    expect(check).to_contain_text(uk["check.advice.document_type"])
    expect(check.get_by_role("button")).to_have_count(0)
