"""Every applicant page is set in KERN (the design system the staff console uses): KERN's
stylesheet and Fira Sans from build/web-form/kern/, our few own rules in form.css, the old
styles.css gone; and KERN's error marks turned for Arabic, which reads right to left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from infra.local_stack import HOST, LocalStack, free_ports
from infra.web_form import WEB_DIR, FormNotBuilt, FormServer
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import expect_heading, form_url, messages, shot
from tests.browser.conftest import DESK, PHONE, OpenPage

pytestmark = pytest.mark.browser

APPLICANT_PAGES = (
    "index.html",
    "status.html",
    "impressum.html",
    "privacy.html",
    "accessibility.html",
    "easy-language.html",
    "sign-language.html",
)
STYLESHEETS = ["/kern/kern.css", "/form.css"]
# kern.min.css of @kern-ux/native 2.7.2 holds some 2,900 rules; a stylesheet refused by the
# CSP, or a 404 page in its place, holds none.
KERN_RULES_AT_LEAST = 1_000


@pytest.fixture(scope="module")
def form() -> Iterator[FormServer]:
    """The pages as infra/web_form.py serves them (web/ and KERN under /kern/), with the CSP;
    the API they name does not answer (these tests look at the pages, not at the service)."""
    web_port, api_port = free_ports(2)
    with FormServer(web_port, f"http://{HOST}:{api_port}") as server:
        yield server


def _styles(page: Page) -> dict[str, Any]:
    styles: dict[str, Any] = page.evaluate(
        """async () => {
            await document.fonts.ready;
            const sheets = [...document.styleSheets];
            return {
                sheets: sheets.map((s) => new URL(s.href).pathname),
                rules: sheets.map((s) => s.cssRules.length),
                headingFont: getComputedStyle(document.querySelector("h1")).fontFamily,
                firaLoaded: [...document.fonts].some(
                    (f) => f.family.replace(/"/g, "") === "Fira Sans" && f.status === "loaded"),
            };
        }"""
    )
    return styles


def test_every_applicant_page_is_an_html_file_of_web() -> None:
    assert sorted(APPLICANT_PAGES) == sorted(p.name for p in WEB_DIR.glob("*.html"))


@pytest.mark.parametrize("name", APPLICANT_PAGES)
def test_each_applicant_page_loads_kern_and_no_longer_the_old_stylesheet(
    form: FormServer, open_page: OpenPage, name: str
) -> None:
    page = open_page(viewport=PHONE)
    page.goto(f"{form.url}/{name}?lang=de")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")

    styles = _styles(page)

    assert styles["sheets"] == STYLESHEETS
    assert styles["rules"][0] >= KERN_RULES_AT_LEAST
    assert styles["rules"][1] > 0
    assert styles["headingFont"].startswith('"Fira Sans"')
    assert styles["firaLoaded"], "Fira Sans was not loaded (font file missing or refused)"
    assert "kern-light" in (page.locator("body").get_attribute("class") or "")


def test_the_old_stylesheet_is_gone_and_kern_is_served_as_css(form: FormServer) -> None:
    old = requests.get(f"{form.url}/styles.css", timeout=10)
    kern = requests.get(f"{form.url}/kern/kern.css", timeout=10)

    assert old.status_code == 404
    assert kern.status_code == 200
    assert kern.headers["Content-Type"] == "text/css; charset=utf-8"
    assert ".kern-form-input__input" in kern.text


def test_the_form_is_not_served_without_kern(tmp_path: Path) -> None:
    web_port, api_port = free_ports(2)
    server = FormServer(web_port, f"http://{HOST}:{api_port}", kern_directory=tmp_path)

    with pytest.raises(FormNotBuilt, match="make web-form"):
        server.start()
    assert not server.running


def test_kern_s_folder_gives_nothing_outside_it(form: FormServer) -> None:
    for path in ("/kern/%2e%2e/%2e%2e/Makefile", "/kern/%2e%2e/web-staff/index.html", "/kern/"):
        assert requests.get(f"{form.url}{path}", timeout=10).status_code == 404, path


@pytest.mark.parametrize(
    ("language", "marked", "unmarked"), [("de", "left", "right"), ("ar", "right", "left")]
)
def test_an_invalid_field_is_marked_on_the_side_its_text_starts(
    form: FormServer, open_page: OpenPage, language: str, marked: str, unmarked: str
) -> None:
    m = messages(language)
    page = open_page(viewport=PHONE)
    page.goto(f"{form.url}/index.html?lang={language}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")

    page.get_by_role("button", name=m["register.continue"]).click()

    field = page.locator('[data-field="family_name"]')
    expect(field).to_have_class("kern-form-input kern-form-input--error")
    expect(page.locator("#family_name")).to_have_class(
        "kern-form-input__input kern-form-input__input--error"
    )
    expect(page.locator("#family_name-error")).to_have_text(m["error.required.family_name"])
    borders = field.evaluate(
        "(node) => { const s = getComputedStyle(node);"
        " return {left: s.borderLeftWidth, right: s.borderRightWidth}; }"
    )
    assert (borders[marked], borders[unmarked]) == ("4px", "0px")
    date = page.locator("#date_of_birth")
    expect(date).to_have_class("kern-fieldset kern-fieldset--error")
    legend_float = date.locator("legend").evaluate("(node) => getComputedStyle(node).float")
    assert legend_float == marked


def test_the_form_on_a_desk_and_on_a_phone_in_german_and_arabic(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    """The pictures of docs/screenshots/ (copied from var/screenshots/), each page checked."""
    for language, viewport, name in (
        ("de", DESK, "form-de-desk"),
        ("ar", PHONE, "form-ar-phone"),
        ("en", PHONE, "form-en-phone"),
    ):
        m = messages(language)
        page = open_page(viewport=viewport, locale=f"{language}-DE")
        page.goto(f"{form_url(local_stack)}?lang={language}")
        expect_heading(page, m["register.heading"])
        expect(page.locator("html")).to_have_attribute("data-office-loaded", "true")
        assert_accessible(page, f"the form, {name}")
        shot(page, screenshots, name, full_page=False)
        if language == "ar":
            page.get_by_role("button", name=m["register.continue"]).click()
            expect(page.locator("#error-summary")).to_be_focused()
            assert_accessible(page, "the form's errors in Arabic")
            page.locator("#family_name").scroll_into_view_if_needed()
            shot(page, screenshots, "form-errors-ar-phone", full_page=False)
    page = open_page(viewport=DESK, locale="de-DE")
    page.goto(form_url(local_stack, "privacy.html") + "?lang=de")
    expect(page.locator("html")).to_have_attribute("data-office-loaded", "true")
    shot(page, screenshots, "privacy-de-desk", full_page=False)
