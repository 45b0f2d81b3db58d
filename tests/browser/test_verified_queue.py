"""The verified queue in the browser, against the real local stack and its document reader
(tesseract on the uploads): a residence title that says another expiry is corrected with one
button and the person enters the queue; a document without a readable zone is said so."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.local_stack import LocalStack
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import (
    Person,
    assert_no_horizontal_scrolling,
    expect_heading,
    make_documents,
    messages,
    office_today,
    readable_documents,
    register_by_api,
    registration_view,
    shot,
)
from tests.browser.conftest import OpenPage

pytestmark = pytest.mark.browser

EN = messages("en")
SMALL_PHONE = {"width": 375, "height": 812}
# Reading takes seconds per document; the page asks every 3 s for at most three minutes.
READ_TIMEOUT_MS = 120_000
ISOLATES = re.compile("[\u2066-\u2069]")


def _open_confirmed(page: Page, link: str) -> None:
    page.goto(link)
    expect_heading(page, EN["state.email_unverified.heading"])
    page.get_by_role("button", name=EN["confirm.button"]).click()
    expect_heading(page, EN["state.awaiting_documents.heading"])


def _document_date(page: Page, day: date) -> str:
    """A date as the page writes it next to a document's (NFT.formatDocumentDate)."""
    text: str = page.evaluate("day => NFT.formatDocumentDate(day)", day.isoformat())
    return text


def test_a_title_that_says_another_expiry_is_corrected_with_one_button_and_queued(
    local_stack: LocalStack,
    open_page: OpenPage,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    typed = office_today() + timedelta(days=2)
    on_card = office_today() + timedelta(days=5)  # still within the 7 days
    person = Person(title_expires_on=typed.isoformat())
    documents = readable_documents(person, tmp_path, title_expires_on=on_card)
    link = register_by_api(local_stack, person)
    page = open_page(viewport=SMALL_PHONE, locale="en-GB")
    _open_confirmed(page, link)

    page.get_by_label("Passport: choose a file").set_input_files(documents.passport)
    expect(page.locator("#state-passport")).to_have_text(f"✓ {EN['documents.received']}")
    expect(page.locator("#check-passport")).to_have_text(
        f"✓ {EN['check.matches']}", timeout=READ_TIMEOUT_MS
    )

    page.get_by_label("Residence title: choose a file").set_input_files(documents.residence_title)
    check = page.locator("#check-residence_title")
    expect(check.locator(".mismatch")).to_have_count(1, timeout=READ_TIMEOUT_MS)
    sentence = (
        EN["check.mismatch.title_expires_on"]
        .replace("{document}", _document_date(page, on_card))
        .replace("{typed}", _document_date(page, typed))
    )
    assert ISOLATES.sub("", check.locator(".mismatch > p").first.inner_text()) == sentence
    use_date = check.get_by_role("button", name=EN["correct.use_date"])
    expect(use_date).to_be_visible()
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: the title says another expiry")
    shot(page, screenshots, "30-stack-mismatch")

    use_date.click()
    expect(check).to_have_text(f"✓ {EN['check.matches']}")
    expect(page.locator("#announcer")).to_have_text(EN["correct.done"])
    assert registration_view(local_stack, link)["title_expires_on"] == on_card.isoformat()

    # Everything matches: no confirmation, straight into the queue.
    page.get_by_role("button", name=EN["submit.button"]).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect_heading(page, EN["state.waiting.heading"])
    expect(page.locator("#queue-position")).to_have_text(
        re.compile(r"^Your place in the queue: \d+$")
    )
    expect(page.locator("#documents-section")).to_be_hidden()
    assert registration_view(local_stack, link)["status"] == "waiting"
    assert_accessible(page, "status: waiting after a correction")
    shot(page, screenshots, "31-stack-waiting-after-correction")


def test_a_photo_without_a_readable_zone_asks_for_a_better_one(
    local_stack: LocalStack,
    open_page: OpenPage,
    browser: Browser,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    person = Person()
    readable = readable_documents(person, tmp_path)
    unreadable = make_documents(browser, tmp_path).jpeg  # a page with text but no zone
    link = register_by_api(local_stack, person)
    page = open_page(viewport=SMALL_PHONE, locale="en-GB")
    _open_confirmed(page, link)

    page.get_by_label("Passport: choose a file").set_input_files(readable.passport)
    page.get_by_label("Residence title: choose a file").set_input_files(unreadable)
    check = page.locator("#check-residence_title")
    expect(check).to_have_text(EN["check.unreadable"], timeout=READ_TIMEOUT_MS)
    expect(page.locator("#file-list")).to_contain_text(EN["check.word.unreadable"])
    assert_accessible(page, "status: unreadable title")
    shot(page, screenshots, "32-stack-unreadable")

    # Submitting now goes to staff: the page says so first, and then the state says it.
    expect(page.locator("#check-passport")).to_have_text(
        f"✓ {EN['check.matches']}", timeout=READ_TIMEOUT_MS
    )
    page.get_by_role("button", name=EN["submit.button"]).click()
    dialog = page.get_by_role("dialog", name=EN["submit.by_hand.heading"])
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=EN["submit.by_hand.yes"]).click()
    expect_heading(page, EN["state.in_review.heading"])
    expect(page.locator("#state-text")).to_have_text(EN["state.in_review.text"])
    assert registration_view(local_stack, link)["status"] == "in_review"
    shot(page, screenshots, "33-stack-in-review")
