"""The status page on the local stack: refused files, withdrawal with a confirmation, final
states, wrong links, and "I can't come today" from the invitation mail's link."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.local_stack import LocalStack, first_link
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import (
    Person,
    allocate_today,
    assert_no_horizontal_scrolling,
    close_today,
    expect_heading,
    form_url,
    make_documents,
    messages,
    office_today,
    queue_by_api,
    register_by_api,
    registration_view,
    shot,
)
from tests.browser.conftest import DESKTOP, PHONE, OpenPage

pytestmark = pytest.mark.browser

EN = messages("en")


def _open_confirmed(page: Page, link: str) -> None:
    page.goto(link)
    expect_heading(page, EN["state.email_unverified.heading"])
    page.get_by_role("button", name=EN["confirm.button"]).click()
    expect_heading(page, EN["state.awaiting_documents.heading"])


def test_a_file_that_is_not_what_it_claims_is_refused_and_said_so(
    local_stack: LocalStack,
    open_page: OpenPage,
    browser: Browser,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    documents = make_documents(browser, tmp_path)
    link = register_by_api(local_stack, Person())
    page = open_page(viewport=PHONE, locale="en-GB")
    _open_confirmed(page, link)
    passport = page.get_by_label("Passport: choose a file")

    # An HTML page renamed .pdf: the browser calls it a PDF, the service looks inside.
    passport.focus()
    passport.set_input_files(documents.html_named_pdf)
    error = page.locator("#file-passport-error")
    expect(error).to_have_text(EN["upload.refused"].replace("{filename}", "scan.pdf"))
    expect(passport).to_have_attribute("aria-invalid", "true")
    expect(passport).to_be_focused()
    expect(page.locator("#state-passport")).to_have_text(EN["documents.missing"])
    expect(page.locator("#file-list li")).to_have_text(
        f"{EN['kind.passport']}: scan.pdf \N{EN DASH} {EN['doc_status.rejected']}"
    )
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: a file refused")
    shot(page, screenshots, "12-upload-refused")

    # A text file is not offered to the service at all.
    passport.set_input_files(documents.text)
    expect(error).to_have_text(EN["upload.wrong_type"].replace("{filename}", "notes.txt"))
    expect(page.locator("#file-list li")).to_have_count(1)

    # Submitting without the documents says what is missing, at the button.
    page.get_by_role("button", name=EN["submit.button"]).click()
    missing = page.locator("#submit-error")
    expect(missing).to_have_text("Still missing: Passport and Residence title.")
    expect(missing).to_be_focused()

    # A real PDF afterwards is taken, and the error goes.
    passport.set_input_files(documents.pdf)
    expect(page.locator("#state-passport")).to_have_text(f"✓ {EN['documents.received']}")
    expect(error).to_be_hidden()
    expect(passport).not_to_have_attribute("aria-invalid", "true")


def test_withdrawing_asks_first_and_works_with_the_keyboard(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    link = register_by_api(local_stack, Person())
    page = open_page(viewport=DESKTOP, locale="en-GB")
    _open_confirmed(page, link)
    withdraw = page.get_by_role("button", name=EN["withdraw.button"])
    dialog = page.get_by_role("dialog", name=EN["withdraw.confirm.heading"])

    withdraw.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=EN["withdraw.confirm.no"])).to_be_focused()
    assert_accessible(page, "withdraw: confirmation")
    shot(page, screenshots, "13-withdraw-confirmation", full_page=False)

    # Escape keeps the registration and returns to the button.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(withdraw).to_be_focused()
    expect_heading(page, EN["state.awaiting_documents.heading"])

    page.keyboard.press("Enter")
    dialog.get_by_role("button", name=EN["withdraw.confirm.yes"]).click()
    expect_heading(page, EN["state.withdrawn.heading"])
    expect(page.locator("#state")).to_be_focused()
    again = page.get_by_role("link", name=EN["register_again"])
    expect(again).to_have_attribute("href", "index.html")
    expect(page.locator("#withdraw-section")).to_be_hidden()
    expect(page.locator("#documents-section")).to_be_hidden()
    assert_accessible(page, "status: withdrawn")
    shot(page, screenshots, "14-withdrawn")


def test_a_missed_appointment_asks_to_register_again(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    person = Person()
    link = queue_by_api(local_stack, person).link
    # Invited by today's allocation, not checked in: the end-of-day job makes it a no-show.
    allocate_today(local_stack)
    assert registration_view(local_stack, link)["status"] == "invited"
    closed = close_today(local_stack)
    assert closed["no_shows"] >= 1
    assert registration_view(local_stack, link)["status"] == "no_show"
    notice = local_stack.wait_for_mail(
        lambda m: m["To"] == person.email and "missed" in str(m["Subject"])
    )
    assert notice["Subject"] == "Emergency appointment missed: please register again"
    # The form, in the person's language.
    assert first_link(notice) == f"{local_stack.web_url}/?lang=en"
    page = open_page(viewport=PHONE, locale="en-GB")

    page.goto(link)

    expect_heading(page, EN["state.no_show.heading"])
    expect(page.get_by_text(EN["state.no_show.text"])).to_be_visible()
    expect(page.locator("#bring")).to_be_hidden()
    expect(page.locator("#release-section")).to_be_hidden()
    expect(page.locator("#withdraw-section")).to_be_hidden()
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: no-show")
    shot(page, screenshots, "15-no-show")
    page.get_by_role("link", name=EN["register_again"]).click()
    expect_heading(page, EN["register.heading"])


def test_a_wrong_or_missing_link_is_explained(local_stack: LocalStack, open_page: OpenPage) -> None:
    page = open_page(viewport=PHONE, locale="en-GB")

    page.goto(form_url(local_stack, "status.html") + "#id=" + "0" * 32 + "&token=guessed")
    expect_heading(page, EN["status.not_found.heading"])
    assert "guessed" not in page.url
    assert_accessible(page, "status: unknown link")

    page.goto(form_url(local_stack, "status.html"))
    expect_heading(page, EN["status.no_access.heading"])
    expect(page.get_by_role("link", name=EN["status.register_link"])).to_be_visible()


def _release_link(mail: EmailMessage) -> str | None:
    """The invitation's "I can't come today" link, from the text part."""
    part = mail.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    found = re.search(r"https?://\S+&view=release", str(text))
    return found.group(0) if found else None


def test_i_cannot_come_today_from_the_invitation_mail(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    de = messages("de")
    person = Person()
    link = queue_by_api(local_stack, person, "de").link
    allocate_today(local_stack, window_to_come=True)
    invitation = local_stack.wait_for_mail(
        lambda m: m["To"] == person.email and _release_link(m) is not None
    )
    release_link = _release_link(invitation)
    assert release_link is not None
    invited = registration_view(local_stack, link)
    assert invited["status"] == "invited" and invited["can_release"] is True, invited
    page = open_page(viewport=PHONE, locale="en-GB")

    # The mail's link opens the section, in the mail's language, and changes nothing.
    page.goto(release_link)
    section = page.locator("#release-section")
    expect(section).to_be_focused()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    reference = invited["reference"]
    expect(page.locator("#reference-code")).to_have_text(f"{reference[:4]}-{reference[4:]}")
    expect(page.locator("#release-from-mail")).to_have_text(de["release.from_mail"])
    assert registration_view(local_stack, link)["status"] == "invited"
    assert "token" not in page.url

    section.get_by_role("button", name=de["release.button"]).click()
    page.get_by_role("button", name=de["release.confirm.yes"]).click()

    expect_heading(page, de["state.released.heading"])
    expect(page.locator("#state-text")).to_have_text(de["state.released.text"])
    expect(page.locator("#queue-position")).to_be_visible()
    released = registration_view(local_stack, link)
    assert released["status"] == "waiting"
    assert released["released_on"] == office_today().isoformat()
    assert_accessible(page, "status: released on the local stack")
    shot(page, screenshots, "35-released-local-stack")
