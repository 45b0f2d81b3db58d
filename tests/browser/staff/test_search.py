"""The clerk on the phone (trial finding B1), in Chromium against the local stack: a person
who registered days ago and is invited on no day is found by names and date of birth as they
tell them (another spelling, a month-only date), their state said in words, and their record
opened; nobody found is said so; an unreadable date is said at the page. No name or date in
the URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.staff.conftest import TABLET, StaffStack, registered_and_confirmed

pytestmark = pytest.mark.e2e

EMAIL = "sahin.search@example.org"


def _registered_and_confirmed(staff_stack: StaffStack) -> str:
    """Registered with a month-only date of birth, e-mail confirmed: awaiting documents."""
    return registered_and_confirmed(
        staff_stack.stack, EMAIL, given_names="Elif", family_name="Şahin", date_of_birth="1985-07"
    ).registration_id


def test_the_clerk_finds_a_person_not_invited_today_and_opens_the_record(
    console_page: Page, staff_stack: StaffStack
) -> None:
    registration_id = _registered_and_confirmed(staff_stack)
    page = console_page
    staff_stack.sign_in(page, "staff")
    page.get_by_role("link", name="Suche").click()
    expect(page.get_by_role("heading", name="Registrierung einer Person suchen")).to_be_focused()

    family = page.get_by_label("Familienname")
    given = page.get_by_label("Vornamen")
    born = page.get_by_label("Geburtsdatum")
    submit = page.get_by_role("button", name="Suchen")
    result = page.locator("[data-search-result]")

    # Nobody under this date: said in words, the focus on the result.
    family.fill("Sahin")
    given.fill("Elif")
    born.fill("1985")
    submit.click()
    expect(result).to_contain_text("Keine laufende Registrierung")
    expect(result).to_be_focused()

    # A date the service cannot read: said at the page, the field marked.
    born.fill("31.02.1985")
    submit.click()
    expect(result.get_by_role("alert")).to_contain_text("Das Geburtsdatum ist nicht lesbar")
    expect(born).to_have_attribute("aria-invalid", "true")

    # Typed as said on the phone: without the cedilla, the month as MM.YYYY.
    family.fill("SAHIN")
    born.fill("07.1985")
    submit.click()
    found = result.locator(f"[data-found='{registration_id}']")
    expect(found).to_contain_text("Elif Şahin")
    expect(found).to_contain_text("Die Unterlagen fehlen noch")
    expect(result).to_be_focused()
    expect(born).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "search with a result")
    for personal in ("ahin", "1985", "Elif"):
        assert personal not in page.url

    found.get_by_role("button", name="Akte öffnen").click()
    expect(page.get_by_role("heading", name=re.compile("Registrierung: Şahin"))).to_be_visible()
    assert registration_id not in page.url


def test_the_search_page_fits_a_tablet_and_passes_axe_there(
    browser: Browser, staff_stack: StaffStack
) -> None:
    context = browser.new_context(viewport=TABLET, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    staff_stack.sign_in(page, "staff")
    page.get_by_role("link", name="Suche").click()
    expect(page.get_by_role("heading", name="Registrierung einer Person suchen")).to_be_visible()
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("[data-search-result]")).to_contain_text("Familienname und Geburtsdatum")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "search on a tablet")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Find a person's registration")).to_be_visible()
    expect(page.get_by_label("Date of birth")).to_be_visible()
    context.close()
