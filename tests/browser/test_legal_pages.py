"""The legal pages: reachable from every page's footer in every language, accessible, and
showing the office's facts and the retention periods the purge applies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from chalicelib.config import Settings
from chalicelib.domain.office import office
from chalicelib.services.retention import (
    ABANDONED_UPLOAD_DAYS,
    POINT_IN_TIME_RECOVERY_DAYS,
    UNCONFIRMED_AFTER,
)
from chalicelib.services.staff import AUDIT_RETENTION
from infra.local_stack import LocalStack, stage_environment
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import expect_heading, form_url, messages
from tests.browser.conftest import PHONE, OpenPage

pytestmark = pytest.mark.browser

LANGUAGES = ("de", "en", "tr", "ar", "uk")
# The footer's links, in the order the footer lists them: (page, its link's text, its heading).
LEGAL_PAGES = (
    ("impressum.html", "footer.imprint", "imprint.heading"),
    ("privacy.html", "footer.privacy", "privacy.heading"),
    ("accessibility.html", "footer.accessibility", "accessibility.heading"),
    ("easy-language.html", "footer.easy_language", "easy_language.heading"),
    ("sign-language.html", "footer.sign_language", "sign_language.heading"),
)


def _office_loaded(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-office-loaded", "true")


def _expect_footer_links(page: Page, texts: dict[str, str]) -> None:
    footer = page.get_by_role("contentinfo")
    for target, link_key, _ in LEGAL_PAGES:
        link = footer.get_by_role("link", name=texts[link_key], exact=True)
        expect(link).to_have_attribute("href", re.compile(rf"^{re.escape(target)}\?lang="))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_legal_page_is_reached_from_the_footer_of_every_page_and_is_accessible(
    local_stack: LocalStack, open_page: OpenPage, language: str
) -> None:
    texts = messages(language)
    page = open_page(viewport=PHONE, locale=language)
    facts = office("stuttgart").facts
    # The applicant's pages: the form and the status page (opened without a link).
    for start in ("index.html", "status.html"):
        page.goto(f"{form_url(local_stack, start)}?lang={language}")
        _office_loaded(page)
        _expect_footer_links(page, texts)
        expect(page.get_by_role("contentinfo")).to_contain_text(facts["address"])

    # Each legal page from the previous one's footer, the language kept all the way.
    for target, link_key, heading_key in LEGAL_PAGES:
        page.get_by_role("contentinfo").get_by_role("link", name=texts[link_key]).click()
        page.wait_for_url(re.compile(rf"/{re.escape(target)}\?lang={language}$"))
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect_heading(page, texts[heading_key])
        title = texts[heading_key.replace(".heading", ".title")]
        expect(page).to_have_title(title.replace("{office}", facts["names"][language]))
        _office_loaded(page)
        _expect_footer_links(page, texts)
        expect(page.locator("[data-office-error]").first).to_be_hidden()
        assert_accessible(page, f"{target} in {language}")


def test_the_legal_notice_names_the_office_from_its_one_file(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    facts: dict[str, Any] = dict(office("stuttgart").facts)
    page = open_page(locale="de-DE")
    page.goto(form_url(local_stack, "impressum.html"))
    _office_loaded(page)

    main = page.locator("main")
    for fact in ("authority", "represented_by", "address", "oversight_authority", "phone"):
        expect(main).to_contain_text(facts[fact])
    expect(main.get_by_role("link", name=facts["email"])).to_have_attribute(
        "href", f"mailto:{facts['email']}"
    )
    # The placeholders are said to be placeholders while the file lists any.
    expect(page.get_by_text(messages("de")["legal.placeholders"])).to_be_visible()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_privacy_notice_shows_the_retention_periods_the_purge_applies(
    local_stack: LocalStack, open_page: OpenPage, language: str
) -> None:
    # The settings the API and the nightly purge are built from (bootstrap.py), and the
    # constants of the purge and the stores: not a copy of any number.
    # The API's environment: the stage's variables under the stack's (chalice local's order).
    settings = Settings.from_env({**stage_environment(), **local_stack.api_environment()})
    applied = {
        "finished_registration": settings.retention_days,
        "unconfirmed_registration": UNCONFIRMED_AFTER.days,
        "unsubmitted_registration": settings.retention_days,
        "identity_hold": settings.identity_hold_days,
        "abandoned_uploads": ABANDONED_UPLOAD_DAYS,
        "audit_entries": AUDIT_RETENTION.days,
        "backups": POINT_IN_TIME_RECOVERY_DAYS,
    }
    texts = messages(language)
    page = open_page(locale=language)
    page.goto(f"{form_url(local_stack, 'privacy.html')}?lang={language}")
    _office_loaded(page)

    shown = page.locator("#retention-periods [data-retention]")
    expect(shown).to_have_count(len(applied))
    for item in shown.all():
        period = item.get_attribute("data-retention") or ""
        text = texts[item.get_attribute("data-i18n") or ""]
        expect(item).to_have_text(text.replace("{days}", str(applied[period])))
    region = page.locator("[data-region]")
    expect(region).to_contain_text(settings.region)
    expect(page.locator("main")).to_contain_text(office("stuttgart").facts["processor"]["name"])

    page.goto(f"{form_url(local_stack, 'easy-language.html')}?lang={language}")
    _office_loaded(page)
    expect(page.locator("[data-retention-days]")).to_have_text(str(settings.retention_days))


def test_the_form_asks_to_confirm_the_notice_was_read_and_links_the_help(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    de = messages("de")
    facts = office("stuttgart").facts
    page = open_page(locale="de-DE")
    page.goto(form_url(local_stack))
    _office_loaded(page)

    expect(page.get_by_label(de["field.privacy_consent.label"])).not_to_be_checked()
    expect(page.get_by_role("link", name=de["register.privacy.link"])).to_have_attribute(
        "href", "privacy.html?lang=de"
    )
    who = page.locator("#intro")
    expect(who.get_by_role("link", name=de["help.regular_link"])).to_have_attribute(
        "href", facts["regular_appointments_url"]
    )
    hours = who.locator("[data-office-hours]")
    for hour in facts["phone_hours"]:
        expect(hours).to_contain_text(f"{hour['from']}\u2013{hour['to']}")
    expect(hours).to_contain_text("Donnerstag")
