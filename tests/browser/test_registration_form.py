"""The registration form: refusal, errors at their fields, keyboard, languages, small screens."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chalicelib.domain.office import office
from infra.local_stack import REPO_ROOT, LocalStack
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import (
    Person,
    assert_no_horizontal_scrolling,
    expect_heading,
    fill_registration,
    form_url,
    mail_to,
    messages,
    office_today,
    random_letters,
    register_by_api,
    shot,
    status_link,
)
from tests.browser.conftest import DESKTOP, PHONE, OpenPage

pytestmark = pytest.mark.browser


def test_a_title_valid_for_longer_is_refused_with_the_first_possible_date(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    de = messages("de")
    expires = office_today() + timedelta(days=30)
    person = Person(title_expires_on=expires.isoformat())
    page = open_page(viewport=DESKTOP, locale="de-DE")
    page.goto(form_url(local_stack))
    expect_heading(page, de["register.heading"])

    fill_registration(page, person, "de")
    page.get_by_role("button", name=de["register.submit"]).click()

    refusal = page.locator("#refusal")
    expect(refusal.get_by_role("heading", name=de["refusal.heading"])).to_be_visible()
    expect(refusal).to_be_focused()
    first_day = (expires - timedelta(days=7)).isoformat()
    expect(refusal.locator("#refusal-from time")).to_have_attribute("datetime", first_day)
    expect(refusal.locator("#refusal-from")).to_contain_text(str(expires.year))
    expect(refusal.locator("#refusal-text time")).to_have_attribute("datetime", expires.isoformat())
    # Where to go instead: the office's regular appointment service and its phone hours.
    facts = office("stuttgart").facts
    expect(refusal.get_by_role("link", name=de["help.regular_link"])).to_have_attribute(
        "href", facts["regular_appointments_url"]
    )
    expect(refusal.get_by_role("link", name=facts["phone"])).to_be_visible()
    expect(refusal.locator("[data-office-hours]")).to_contain_text(facts["phone_hours"][0]["from"])
    # Nothing was registered: the form stays, with what was typed, for a corrected date.
    expect(page.locator("#registration-form")).to_be_visible()
    expect(page.locator("#family_name")).to_have_value(person.family_name)
    assert_accessible(page, "refusal")
    shot(page, screenshots, "10-refused-not-yet-eligible")


def test_errors_are_shown_at_their_fields_and_the_summary_takes_the_focus(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    en = messages("en")
    page = open_page(viewport=DESKTOP, locale="en-GB")
    page.goto(form_url(local_stack))
    expect_heading(page, en["register.heading"])

    page.get_by_role("button", name=en["register.submit"]).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name=en["errors.heading"])).to_be_visible()
    expect(summary.locator("li")).to_have_count(8)
    given = page.locator("#given_names")
    expect(given).to_have_attribute("aria-invalid", "true")
    expect(given).to_have_accessible_description(
        f"{en['error.required.given_names']} {en['field.names.hint']}"
    )
    expect(page.locator("#title_number")).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "form with errors")
    shot(page, screenshots, "11-form-errors")

    # A summary entry leads to its field; typing there clears that field's error.
    summary.get_by_role("link", name=en["error.required.email"]).click()
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type("not-an-address")
    expect(page.locator("#email")).not_to_have_attribute("aria-invalid", "true")
    expect(summary.locator("li")).to_have_count(7)

    # The service's own findings land at their fields too: an expiry before the birth date
    # passes the page's checks but not the service's.
    person = Person(date_of_birth="1991-04-12", title_expires_on="1990-01-01")
    fill_registration(page, person, "en")
    page.get_by_role("button", name=en["register.submit"]).click()
    expect(page.locator("#title_expires_on-error")).to_have_text(
        en["error.invalid.title_expires_on"]
    )
    expect(page.locator("#title_expires_on")).to_have_attribute("aria-invalid", "true")
    expect(summary.locator("li")).to_have_count(1)
    expect(summary).to_be_focused()


def test_the_form_works_with_the_keyboard_and_shows_where_the_focus_is(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    en = messages("en")
    page = open_page(viewport=DESKTOP, locale="en-GB")
    page.goto(form_url(local_stack))
    expect_heading(page, en["register.heading"])

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=en["common.skip"])
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.locator("#given_names").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#family_name")).to_be_focused()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    # The whole form, by keyboard alone, up to the button that sends it.
    page.locator("#privacy_consent").focus()
    page.keyboard.press("Space")
    expect(page.locator("#privacy_consent")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=en["register.submit"])).to_be_focused()


@pytest.mark.parametrize("language", ["de", "en", "tr", "ar", "uk"])
def test_every_language_is_offered_complete_and_accessible(
    local_stack: LocalStack, open_page: OpenPage, language: str
) -> None:
    texts = messages(language)
    page = open_page(viewport=PHONE, locale="de-DE")
    page.goto(form_url(local_stack))
    expect_heading(page, messages("de")["register.heading"])

    page.locator(f'#languages button[lang="{language}"]').click()

    expect(page.locator("html")).to_have_attribute("lang", language)
    expect_heading(page, texts["register.heading"])
    expect(page.get_by_text(texts["register.who.rule"])).to_be_visible()
    # The office's name in the title comes from its file, in the page's language.
    name = office("stuttgart").facts["names"][language]
    expect(page).to_have_title(texts["register.title"].replace("{office}", name))
    # Country names come from the browser, in the page's language.
    turkey = page.locator('#nationality option[value="TUR"]')
    assert turkey.inner_text() != ""
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, f"registration form in {language}")


def test_the_arabic_page_reads_right_to_left_and_the_mail_follows(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    ar = messages("ar")
    person = Person(given_names="ليلى", family_name="حداد " + random_letters(8))
    page = open_page(viewport=PHONE, locale="ar")
    page.goto(form_url(local_stack) + "?lang=ar")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect_heading(page, ar["register.heading"])
    direction = page.evaluate("() => getComputedStyle(document.querySelector('main')).direction")
    assert direction == "rtl"
    # Right-to-left: the heading starts at the right edge of the page.
    box = page.get_by_role("heading", name=ar["register.heading"]).bounding_box()
    assert box is not None
    assert box["x"] + box["width"] > PHONE["width"] - 40
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "registration form in Arabic")
    shot(page, screenshots, "20-register-form-ar")

    fill_registration(page, person, "ar")
    page.get_by_role("button", name=ar["register.submit"]).click()
    expect(page.locator("#sent").get_by_role("heading", name=ar["sent.heading"])).to_be_visible()

    mail = mail_to(local_stack, person.email)
    assert mail["Subject"] == (
        (REPO_ROOT / "chalicelib/templates/ar/registration.subject.txt").read_text("utf-8").strip()
    )
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    assert 'dir="rtl"' in html.get_content()

    page.goto(status_link(local_stack, person.email))
    expect_heading(page, ar["state.email_unverified.heading"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status page in Arabic")
    shot(page, screenshots, "21-status-ar")


def test_the_date_of_birth_cannot_be_in_the_future(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    en = messages("en")
    page = open_page(viewport=PHONE, locale="en-GB")
    page.goto(form_url(local_stack))
    expect_heading(page, en["register.heading"])
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    fill_registration(page, Person(date_of_birth=tomorrow), "en")
    page.get_by_role("button", name=en["register.submit"]).click()

    expect(page.locator("#date_of_birth-error")).to_have_text(en["error.invalid.date_of_birth"])
    expect(page.locator("#date_of_birth")).to_have_attribute("aria-invalid", "true")


def test_registering_the_same_person_again_says_what_to_do(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    en = messages("en")
    first = Person()
    register_by_api(local_stack, first)
    page = open_page(viewport=PHONE, locale="en-GB")
    page.goto(form_url(local_stack))
    expect_heading(page, en["register.heading"])

    # The same person, with another address (the first one was mistyped, say).
    fill_registration(page, replace(first, email=f"again.{random_letters(8)}@example.org"), "en")
    page.get_by_role("button", name=en["register.submit"]).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(en["error.duplicate"])
    expect(page.locator("#registration-form")).to_be_visible()
    assert_accessible(page, "duplicate registration")
