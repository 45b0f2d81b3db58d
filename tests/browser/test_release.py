"""The appointment day on the status page (issue 13): the reference code to say at the entrance,
the arrival window and the map, and "I can't come today", which releases the appointment only
after the person confirmed it. Against the stand-in API (fake_api.py), with the browser's clock
on the office's day, so every state is there on demand."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import assert_no_horizontal_scrolling, expect_heading, messages, shot
from tests.browser.conftest import DESKTOP, PHONE, OpenPage
from tests.browser.fake_api import (
    MAP_LINK,
    REGISTRATION_ID,
    STATUS_LINK,
    TODAY,
    TOKEN,
    FakeApi,
    invitation,
    problem,
    registration,
)

pytestmark = pytest.mark.browser

RELEASE = f"/registrations/{REGISTRATION_ID}/release"
LANGUAGES = ("de", "en", "tr", "ar", "uk")
# 08:40 at the office: the window (10:00 to 10:30) is still ahead.
MORNING = f"{TODAY}T08:40:00+01:00"


def _open(page: Page, api: FakeApi, fragment: str = "&lang=en") -> None:
    api.install(page)
    page.clock.set_fixed_time(MORNING)
    page.goto(STATUS_LINK + fragment)


def _stored(page: Page) -> str:
    """Everything the page left in the browser's storage, as one text."""
    return str(
        page.evaluate(
            """() => [localStorage, sessionStorage].map((s) =>
                Object.keys(s).map((k) => k + "=" + s.getItem(k)).join(";")).join("|")"""
        )
    )


def test_an_invitation_shows_the_code_the_window_and_the_map(
    open_page: OpenPage, screenshots: Path
) -> None:
    en = messages("en")
    api = FakeApi(invitation())
    page = open_page(viewport=PHONE, locale="en-GB")
    _open(page, api)

    expect_heading(page, en["state.invited.heading"])
    code = page.locator("#reference-code")
    expect(code).to_have_text("7K3M-Q9XD")
    expect(code).to_have_attribute("dir", "ltr")
    # Read out character by character, and what to do with it.
    expect(page.locator("#reference-spoken")).to_have_text("7 K 3 M, Q 9 X D")
    expect(page.locator("#reference-text")).to_have_text(en["reference.entrance"])
    expect(page.locator("#appointment-window")).to_have_text("between 10:00 and 10:30")
    expect(page.locator("#appointment-date")).to_have_attribute("datetime", TODAY)
    expect(page.locator("#appointment-state")).to_have_text(en["appointment.state.invited"])
    expect(page.locator("#bring-number")).to_contain_text("7K3M-Q9XD")
    expect(page.locator("#registration-number-line")).to_be_hidden()
    map_link = page.get_by_role("link", name=en["appointment.map_link"])
    expect(map_link).to_have_attribute("href", MAP_LINK)
    expect(map_link).to_have_attribute("target", "_blank")
    expect(map_link).to_have_attribute("rel", "noopener noreferrer")
    release = page.locator("#release-section")
    expect(release.get_by_role("heading", name=en["release.heading"])).to_be_visible()
    expect(page.locator("#release-from-mail")).to_be_hidden()

    # The token is gone from the address bar, and the browser keeps it nowhere.
    assert TOKEN not in page.url
    assert TOKEN not in _stored(page)
    assert api.posts() == []
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: invited with a reference code")
    shot(page, screenshots, "30-invited-reference")


def test_releasing_asks_first_and_posts_only_after_the_confirmation(
    open_page: OpenPage, screenshots: Path
) -> None:
    en = messages("en")
    api = FakeApi(invitation())
    page = open_page(viewport=DESKTOP, locale="en-GB")
    _open(page, api)
    button = page.get_by_role("button", name=en["release.button"])
    dialog = page.get_by_role("dialog", name=en["release.confirm.heading"])

    button.click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=en["release.confirm.no"])).to_be_focused()
    assert api.posts() == []
    assert_accessible(page, "release: confirmation")
    shot(page, screenshots, "31-release-confirmation", full_page=False)

    # "No" keeps the appointment and returns to the button.
    dialog.get_by_role("button", name=en["release.confirm.no"]).click()
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    assert api.posts() == []

    page.keyboard.press("Enter")
    dialog.get_by_role("button", name=en["release.confirm.yes"]).click()

    expect_heading(page, en["state.released.heading"])
    expect(page.locator("#state-text")).to_have_text(en["state.released.text"])
    expect(page.locator("#state")).to_be_focused()
    expect(page.locator("#queue-position")).to_have_text("Your place in the queue: 3")
    expect(page.locator("#state-more")).to_be_hidden()  # no "we mail you in the morning"
    expect(page.locator("#release-section")).to_be_hidden()
    expect(page.locator("#reference-code")).to_have_text("7K3M-Q9XD")
    assert api.posts() == [RELEASE]
    assert_accessible(page, "status: released")
    shot(page, screenshots, "32-released")


def test_the_mail_link_opens_the_release_focused_in_its_language_and_does_nothing(
    open_page: OpenPage, screenshots: Path
) -> None:
    uk = messages("uk")
    api = FakeApi(invitation())
    # A German phone: the link's language wins.
    page = open_page(viewport=PHONE, locale="de-DE")
    _open(page, api, "&lang=uk&view=release")

    section = page.locator("#release-section")
    expect(section).to_be_focused()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect_heading(page, uk["state.invited.heading"])
    expect(page.locator("#release-from-mail")).to_have_text(uk["release.from_mail"])
    expect(section.get_by_role("button", name=uk["release.button"])).to_be_visible()
    assert page.url.endswith("/status.html?lang=uk")
    # Opening the link (as a mail scanner does) only read: nothing was released.
    assert {method for method, _, _ in api.calls} == {"GET"}
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: opened from the release link (uk)")
    shot(page, screenshots, "33-release-link-uk", full_page=False)


def test_the_release_link_after_the_window_says_it_is_too_late(open_page: OpenPage) -> None:
    de = messages("de")
    api = FakeApi(invitation(can_release=False))
    page = open_page(viewport=PHONE, locale="de-DE")
    _open(page, api, "&lang=de&view=release")

    expect(page.locator("#state")).to_be_focused()
    expect(page.locator("#state-more")).to_have_text(de["release.invalid_state"])
    expect(page.locator("#release-section")).to_be_hidden()
    assert api.posts() == []


def test_a_refused_release_is_said_in_the_page_language(open_page: OpenPage) -> None:
    de = messages("de")
    api = FakeApi(invitation(), release_answers=[problem(503, "unavailable")])
    page = open_page(viewport=PHONE, locale="de-DE")
    _open(page, api, "&lang=de")
    button = page.get_by_role("button", name=de["release.button"])
    dialog = page.get_by_role("dialog", name=de["release.confirm.heading"])
    yes = dialog.get_by_role("button", name=de["release.confirm.yes"])

    # The service is busy: said at the button, which stays.
    button.click()
    yes.click()
    error = page.locator("#release-error")
    expect(error).to_have_text(de["common.unavailable"])
    expect(error).to_be_focused()
    expect(button).to_be_visible()

    # Meanwhile the arrival window ended: 409 invalid_state, said in German, the page refreshed.
    api.view = invitation(can_release=False)
    button.click()
    yes.click()
    page_error = page.locator("#page-error")
    expect(page_error).to_have_text(de["release.invalid_state"])
    expect(page_error).to_be_focused()
    expect(page.locator("#release-section")).to_be_hidden()
    expect_heading(page, de["state.invited.heading"])
    assert api.posts() == [RELEASE, RELEASE]
    assert_accessible(page, "status: release refused")


def test_arabic_runs_right_to_left_and_keeps_the_code_left_to_right(
    open_page: OpenPage, screenshots: Path
) -> None:
    ar = messages("ar")
    api = FakeApi(invitation())
    page = open_page(viewport=PHONE, locale="ar-SY")
    _open(page, api, "&lang=ar&view=release")

    expect(page.locator("#release-section")).to_be_focused()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect_heading(page, ar["state.invited.heading"])
    code = page.locator("#reference-code")
    expect(code).to_have_text("7K3M-Q9XD")
    assert code.evaluate("node => getComputedStyle(node).direction") == "ltr"
    expect(page.locator("#reference-text")).to_have_text(ar["reference.entrance"])
    expect(page.locator("#appointment-state")).to_have_text(ar["appointment.state.invited"])
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: invited (ar)")
    shot(page, screenshots, "34-invited-ar")
    assert api.posts() == []


def test_the_states_of_the_day_are_said_in_every_language(open_page: OpenPage) -> None:
    views = {
        "arrived": invitation(status="arrived", can_release=False),
        "checking": registration("checking"),
        "in_review": registration("in_review"),
        # Released today: waiting again, with the day of the release.
        "released": registration("waiting", released_on=TODAY, queue_position=3),
    }
    page = open_page(viewport=PHONE, locale="en-GB")
    api = FakeApi(views["arrived"])
    api.install(page)
    page.clock.set_fixed_time(MORNING)

    for state, view in views.items():
        api.view = view
        page.goto(f"{STATUS_LINK}&lang=de")
        expect_heading(page, messages("de")[f"state.{state}.heading"])
        # Each language, chosen on the page, says the state in its words.
        for language in LANGUAGES:
            m = messages(language)
            page.locator(f'#languages button[lang="{language}"]').click()
            expect_heading(page, m[f"state.{state}.heading"])
            expect(page.locator("#state-text")).to_have_text(m[f"state.{state}.text"])
            if state == "arrived":
                expect(page.locator("#appointment-state")).to_have_text(
                    m["appointment.state.arrived"]
                )
        expect(page.locator("#reference-code")).to_have_text("7K3M-Q9XD")
        expect(page.locator("#release-section")).to_be_hidden()
        # At the office there is nothing to withdraw; before it, there is.
        expect(page.locator("#withdraw-section")).to_be_visible(visible=state != "arrived")
    assert api.posts() == []
