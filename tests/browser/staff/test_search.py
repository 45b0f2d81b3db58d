"""The clerk on the phone (trial finding B1), in Chromium against the local stack: a person
who registered days ago and is invited on no day is found by names and date of birth as they
tell them (another spelling, a month-only date), their state said in words, and their record
opened; nobody found is said so; an unreadable date is said at the page. No name or date in
the URL."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from infra import local_cognito
from tests.applicant_flow import http_proof_of_work, registration_body
from tests.browser.accessibility import assert_accessible
from tests.browser.staff.conftest import TABLET, StaffStack, sign_in
from tests.e2e.applicants import LINK

pytestmark = pytest.mark.e2e

EMAIL = "sahin.search@example.org"


def _registered_and_confirmed(staff_stack: StaffStack) -> str:
    """Registered with a month-only date of birth, e-mail confirmed: awaiting documents."""
    stack = staff_stack.stack
    api = stack.api_url
    typed = registration_body(
        email=EMAIL, given_names="Elif", family_name="Şahin", date_of_birth="1985-07"
    )
    body = {**typed, "altcha": http_proof_of_work(api)}
    created = requests.post(f"{api}/registrations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    registration_id: str = created.json()["registration_id"]
    mail = stack.wait_for_mail(lambda m: m["To"] == EMAIL)
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = LINK.search(text)
    assert link is not None and link["id"] == registration_id, text
    confirmed = requests.post(
        f"{api}/registrations/{registration_id}/confirm-email",
        headers={"Authorization": f"Bearer {link['token']}"},
        timeout=10,
    )
    assert confirmed.status_code == 200, confirmed.text
    return registration_id


def test_the_clerk_finds_a_person_not_invited_today_and_opens_the_record(
    console_page: Page, staff_stack: StaffStack
) -> None:
    registration_id = _registered_and_confirmed(staff_stack)
    page = console_page
    sign_in(
        page,
        staff_stack.console_url,
        "staff",
        local_cognito.DEMO_PASSWORD,
        staff_stack.secret("staff"),
    )
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
    sign_in(
        page,
        staff_stack.console_url,
        "staff",
        local_cognito.DEMO_PASSWORD,
        staff_stack.secret("staff"),
    )
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
