"""The registration form: refusal, errors at their fields, keyboard, languages, small screens;
real people's names, dates, addresses and files (issue 15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect

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
    registration_view,
    send_registration,
    shot,
    status_link,
)
from tests.browser.conftest import DESKTOP, PHONE, OpenPage
from tests.browser.fake_api import (
    SECURE_API_ORIGIN,
    SECURE_FORM_ORIGIN,
    STATUS_LINK,
    FakeApi,
    problem,
    registration,
)

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
    send_registration(page, "de")

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

    page.get_by_role("button", name=en["register.continue"]).click()

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
    send_registration(page, "en")
    expect(page.locator("#title_expires_on-error")).to_have_text(
        en["error.invalid.title_expires_on"]
    )
    expect(page.locator("#title_expires_on-day")).to_have_attribute("aria-invalid", "true")
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
    expect(page.locator("#only_one_name")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#family_name")).to_be_focused()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    # The whole form, by keyboard alone, up to the button that sends it.
    page.locator("#privacy_consent").focus()
    page.keyboard.press("Space")
    expect(page.locator("#privacy_consent")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=en["register.continue"])).to_be_focused()


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
    # The page speaks Arabic; the names are typed as the residence title writes them.
    person = Person(given_names="Layla", family_name="Haddad " + random_letters(8))
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
    send_registration(page, "ar")
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
    page.get_by_role("button", name=en["register.continue"]).click()

    expect(page.locator("#date_of_birth-error")).to_have_text(en["error.invalid.date_of_birth"])
    expect(page.locator("#date_of_birth-day")).to_have_attribute("aria-invalid", "true")


def test_registering_the_same_person_again_says_what_to_do_by_mail_only(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    en = messages("en")
    first = Person()
    register_by_api(local_stack, first)
    page = open_page(viewport=PHONE, locale="en-GB")
    page.goto(form_url(local_stack))
    expect_heading(page, en["register.heading"])

    # The same person, with another address (the first one was mistyped, say).
    again = f"again.{random_letters(8)}@example.org"
    fill_registration(page, replace(first, email=again), "en")
    send_registration(page, "en")

    # The page answers as for a new registration (issue 16: nobody learns from it whether a
    # person registered); the address that asked is told by mail what to do, the holder's
    # address that someone tried.
    sent = page.locator("#sent")
    expect(sent.get_by_role("heading", name=en["sent.heading"])).to_be_visible()
    expect(sent).to_contain_text(again)
    expect(page.locator("#error-summary")).to_be_hidden()
    assert_accessible(page, "registration answered")
    told = mail_to(local_stack, again)
    assert told["Subject"] == "Emergency appointment: no new registration was made"
    told_text = told.get_body(preferencelist=("plain",))
    assert told_text is not None
    # No access to anything, and nothing of the registration that holds the identity.
    assert "status.html#id=" not in told_text.get_content()
    assert first.email not in told_text.get_content()
    holder = local_stack.wait_for_mail(
        lambda m: m["To"] == first.email and "someone tried" in str(m["Subject"])
    )
    holder_text = holder.get_body(preferencelist=("plain",))
    assert holder_text is not None and again not in holder_text.get_content()


# -- real people (issue 15) ------------------------------------------------------------------


def test_one_name_an_unknown_birthday_and_a_typo_in_the_address_register_after_a_check(
    local_stack: LocalStack, open_page: OpenPage, screenshots: Path
) -> None:
    en = messages("en")
    letters = random_letters(8)
    person = Person(
        given_names="",
        family_name="Wahidullah" + letters,
        date_of_birth="1990",
        nationality="AFG",
        email=f"wahidullah.{letters}@gmial.com",
    )
    page = open_page(viewport=PHONE, locale="en-GB")
    page.goto(form_url(local_stack))
    expect_heading(page, en["register.heading"])

    page.get_by_label(en["field.only_one_name.label"]).check()
    expect(page.locator("#given_names")).to_be_disabled()
    fill_registration(page, person, "en")
    # A typo of a big provider's domain: the page offers the address it probably is.
    suggestion = page.locator("#email-suggestion")
    right = f"wahidullah.{letters}@gmail.com"
    expect(suggestion).to_contain_text(right)
    suggestion.get_by_role("button", name="gmail.com").click()
    expect(page.locator("#email")).to_have_value(right)
    expect(suggestion).to_be_hidden()

    # What will be sent, in words, before it is sent.
    page.get_by_role("button", name=en["register.continue"]).click()
    answers = page.locator("#check")
    expect(answers).to_be_focused()
    expect(answers).to_contain_text(en["answers.one_name"])
    expect(answers.locator('time[datetime="1990"]')).to_have_text(
        f"1990 ({en['answers.day_month_unknown']})"
    )
    expires = date.fromisoformat(person.title_expires_on)
    expect(answers.locator(f'time[datetime="{person.title_expires_on}"]')).to_contain_text(
        expires.strftime("%B")
    )
    assert_accessible(page, "check your details")
    shot(page, screenshots, "12-check-your-details")
    page.get_by_role("button", name=en["register.submit"]).click()

    expect(page.locator("#sent").get_by_role("heading", name=en["sent.heading"])).to_be_visible()
    view = registration_view(local_stack, status_link(local_stack, right))
    assert (view["given_names"], view["date_of_birth"]) == ("", "1990")

    # Wrong address after all: back to the form, at the address, everything else kept.
    page.get_by_role("button", name=en["sent.change"]).click()
    expect(page.locator("#email")).to_be_focused()
    expect(page.locator("#email-change-note")).to_have_text(en["email.change_note"])
    expect(page.locator("#family_name")).to_have_value(person.family_name)


def test_what_cannot_be_on_a_document_is_refused_in_the_pages_language(
    local_stack: LocalStack, open_page: OpenPage
) -> None:
    de = messages("de")
    page = open_page(viewport=DESKTOP, locale="de-DE")
    page.goto(form_url(local_stack))
    expect_heading(page, de["register.heading"])
    fill_registration(
        page,
        Person(
            given_names="Олена",
            family_name="Urgent: pay at https://x.example",
            date_of_birth="1990-02-31",
            email="jürgen@example.de",
        ),
        "de",
    )
    page.get_by_role("group", name=de["field.title_expires_on.label"]).get_by_label(
        de["field.date.year"]
    ).fill("26")

    page.get_by_role("button", name=de["register.continue"]).click()

    expect(page.locator("#given_names-error")).to_have_text(
        de["error.name.script.given_names"].replace("{letter}", "\u041e")
    )
    expect(page.locator("#family_name-error")).to_have_text(de["error.name.characters.family_name"])
    expect(page.locator("#date_of_birth-error")).to_have_text(de["error.date.day"])
    expect(page.locator("#email-error")).to_have_text(de["error.email.smtputf8"])
    expect(page.locator("#title_expires_on-error")).to_have_text(de["error.date.year"])
    # The summary leads to the part of a date that is wrong.
    page.locator("#error-summary").get_by_role("link", name=de["error.date.day"]).click()
    expect(page.locator("#date_of_birth-day")).to_be_focused()
    expect(page.locator("#check")).to_be_hidden()


def _file(name: str, mime_type: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": mime_type, "buffer": content}


def _png_over_the_limit(folder: Path) -> Path:
    """A photo-like PNG of 12 MB (noise does not compress), as a file: handed to the browser
    by its path, not through the protocol."""
    pixels = np.random.default_rng(15).integers(0, 256, (1700, 2400, 3), dtype=np.uint8)
    path = folder / "scan.png"
    Image.fromarray(pixels).save(path, format="PNG", compress_level=0)
    assert path.stat().st_size > 10 * 1024 * 1024
    return path


def test_heic_and_word_files_are_named_and_a_big_photo_is_shrunk_before_the_upload(
    open_page: OpenPage, tmp_path: Path
) -> None:
    en = messages("en")
    api = FakeApi(registration())
    page = open_page(viewport=PHONE, locale="en-GB")
    api.install(page)
    page.goto(f"{STATUS_LINK}&lang=en")
    expect_heading(page, en["state.awaiting_documents.heading"])
    chooser = page.locator("#file-passport")

    chooser.set_input_files(files=[_file("IMG_0001.HEIC", "image/heic", b"\0\0\0\x18ftypheic")])
    expect(page.locator("#file-passport-error")).to_have_text(
        en["upload.heic"].replace("{filename}", "IMG_0001.HEIC")
    )
    chooser.set_input_files(files=[_file("pass.docx", "", b"PK\x03\x04")])
    expect(page.locator("#file-passport-error")).to_have_text(
        en["upload.word"].replace("{filename}", "pass.docx")
    )
    assert not [p for p in api.posts() if p.endswith("/documents")]

    photo = _png_over_the_limit(tmp_path)
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/documents")
    ) as request:
        chooser.set_input_files(photo)
    asked = request.value.post_data_json
    assert asked is not None
    assert asked["content_type"] == "image/jpeg"
    assert asked["filename"] == "scan.jpg"
    assert 0 < asked["size_bytes"] <= 10 * 1024 * 1024


# -- the form against a stand-in for the API (trial findings A1, A2, A6, C1) -----------------


def _form_api(**answers: Any) -> FakeApi:
    return FakeApi(
        registration(), form_origin=SECURE_FORM_ORIGIN, api_origin=SECURE_API_ORIGIN, **answers
    )


def _open_form(open_page: OpenPage, api: FakeApi, language: str) -> Page:
    """The form in `language`, opened after another page (a search result, say): Back from the
    form's first step leaves the site."""
    page = open_page(viewport=PHONE, locale="de-DE")
    api.install(page)
    page.goto(f"{SECURE_FORM_ORIGIN}/impressum.html")
    page.goto(f"{SECURE_FORM_ORIGIN}/index.html?lang={language}")
    expect_heading(page, messages(language)["register.heading"])
    return page


def test_back_from_the_check_returns_to_the_filled_form_and_forward_to_the_check(
    open_page: OpenPage,
) -> None:
    ar = messages("ar")
    api = _form_api()
    person = Person(given_names="Layla", family_name="Haddad")
    page = _open_form(open_page, api, "ar")
    address = page.url
    fill_registration(page, person, "ar")
    check = page.locator("#check")

    page.get_by_role("button", name=ar["register.continue"]).click()
    expect(check.get_by_role("heading", name=ar["answers.heading"])).to_be_visible()
    entries = page.evaluate("() => history.length")

    # The phone's Back: the form again, everything typed still there, the focus at its start.
    page.go_back()
    expect(page.locator("#registration-form")).to_be_visible()
    expect(check).to_be_hidden()
    expect(page.locator("#given_names")).to_be_focused()
    expect(page.locator("#family_name")).to_have_value(person.family_name)
    expect(page.locator("#email")).to_have_value(person.email)
    expect(page.locator("#privacy_consent")).to_be_checked()
    assert page.url == address

    # Forward: the check of what the form holds.
    page.go_forward()
    expect(check).to_be_visible()
    expect(check).to_contain_text(person.family_name)

    # The page's own "Change" is the same step back: no entry piles up on the way.
    check.get_by_role("button", name=ar["answers.change"]).click()
    expect(page.locator("#given_names")).to_be_focused()
    page.locator("#family_name").fill("Haddad-Nasser")
    page.get_by_role("button", name=ar["register.continue"]).click()
    expect(check).to_contain_text("Haddad-Nasser")
    assert page.evaluate("() => history.length") == entries

    # Nothing personal in the address, the history's state or the browser's storage.
    assert page.url == address
    kept = page.evaluate(
        "() => JSON.stringify([history.state, {...localStorage}, {...sessionStorage}])"
    )
    assert kept == '[{"step":"check"},{},{}]', kept

    check.get_by_role("button", name=ar["register.submit"]).click()
    expect(page.locator("#sent").get_by_role("heading", name=ar["sent.heading"])).to_be_visible()
    ((_, _, sent),) = [c for c in api.calls if c[:2] == ("POST", "/registrations")]
    assert sent["family_name"] == "Haddad-Nasser"
    assert sent["altcha"]


# The API's own words, in English, that must not reach a page in another language.
ENGLISH_DETAIL = "The automatic check against robots did not pass. Please try again."


@pytest.mark.parametrize(
    ("language", "answer", "key"),
    [
        ("uk", problem(429, "too_many_registrations"), "problem.too_many_registrations"),
        (
            "tr",
            problem(
                422,
                "validation_failed",
                errors=[{"field": "altcha", "message": "has expired: please try again"}],
            ),
            "problem.altcha",
        ),
        ("ar", problem(400, "validation_failed"), "problem.validation_failed"),
        ("de", problem(413, "payload_too_large"), "problem.payload_too_large"),
        ("uk", problem(503, "service_unavailable"), "common.unavailable"),
        ("en", problem(409, "a_type_of_tomorrow"), "common.unexpected_error"),
    ],
    ids=["daily-limit", "robot-check", "unreadable", "too-large", "busy", "unknown-type"],
)
def test_a_refused_registration_is_said_in_the_pages_language_by_its_problem_type(
    open_page: OpenPage, language: str, answer: tuple[int, dict[str, Any]], key: str
) -> None:
    texts = messages(language)
    status, body = answer
    api = _form_api(registration_answers=[(status, {**body, "detail": ENGLISH_DETAIL})])
    person = Person()
    page = _open_form(open_page, api, language)
    fill_registration(page, person, language)

    send_registration(page, language)

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_text([texts[key]])
    expect(page.locator("body")).not_to_contain_text(ENGLISH_DETAIL)
    # Nothing was registered: the form is back with everything typed.
    expect(page.locator("#family_name")).to_have_value(person.family_name)


def test_the_daily_limit_of_an_address_says_so_and_not_try_again_in_a_few_minutes(
    open_page: OpenPage,
) -> None:
    uk, de = messages("uk"), messages("de")
    api = _form_api(registration_answers=[problem(429, "too_many_registrations")])
    page = _open_form(open_page, api, "uk")
    fill_registration(page, Person(), "uk")

    send_registration(page, "uk")

    error = page.locator("#error-summary li")
    expect(error).to_have_text(uk["problem.too_many_registrations"])
    assert uk["problem.too_many_registrations"] != uk["common.unavailable"]
    # Said again in the language the person switches to.
    page.locator('#languages button[lang="de"]').click()
    expect(error).to_have_text(de["problem.too_many_registrations"])


def test_a_name_in_another_script_is_refused_at_its_own_field_naming_the_letter(
    open_page: OpenPage,
) -> None:
    uk = messages("uk")
    api = _form_api()
    page = _open_form(open_page, api, "uk")
    fill_registration(page, Person(given_names="Олена", family_name="Коваленко"), "uk")

    page.get_by_role("button", name=uk["register.continue"]).click()

    given = uk["error.name.script.given_names"].replace("{letter}", "\u041e")
    family = uk["error.name.script.family_name"].replace("{letter}", "\u041a")
    assert given != family and "Kovalenko" in family
    expect(page.locator("#given_names-error")).to_have_text(given)
    expect(page.locator("#family_name-error")).to_have_text(family)
    # Each field once in the summary, each leading to its own field.
    summary = page.locator("#error-summary")
    expect(summary.locator("li")).to_have_text([given, family])
    summary.get_by_role("link", name=family).click()
    expect(page.locator("#family_name")).to_be_focused()

    # A Cyrillic letter that looks Latin, in an otherwise Latin name: that letter is named.
    page.locator("#given_names").fill("Olena")
    page.locator("#family_name").fill("Koval\u0435nko")  # a Cyrillic e
    page.get_by_role("button", name=uk["register.continue"]).click()
    expect(summary.locator("li")).to_have_text(
        [uk["error.name.script.family_name"].replace("{letter}", "\u0435")]
    )
    expect(page.locator("#given_names-error")).to_be_hidden()
