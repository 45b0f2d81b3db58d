"""A person registers in the browser, opens the mail link, uploads, submits, and is invited by
the allocation run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chalicelib.domain.office import office
from chalicelib.services.allocation import date_text
from infra.local_stack import LocalStack
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import (
    Person,
    allocate_today,
    assert_no_horizontal_scrolling,
    expect_heading,
    fill_registration,
    form_url,
    mail_to,
    messages,
    office_today,
    readable_documents,
    registration_view,
    send_registration,
    shot,
    status_link,
)
from tests.browser.conftest import DESK, PHONE, OpenPage

pytestmark = pytest.mark.browser
STUTTGART = office("stuttgart")


def test_register_confirm_upload_submit_and_see_the_appointment(
    local_stack: LocalStack,
    open_page: OpenPage,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    de, en = messages("de"), messages("en")
    person = Person(given_names="Olena", family_name="Kovalenko-Browser")
    # Photos whose machine-readable zones say what the person types: checked, then queued.
    documents = readable_documents(person, tmp_path)
    page = open_page(viewport=PHONE, locale="de-DE")

    # The form opens in the browser's language, German; the person switches to English.
    page.goto(form_url(local_stack))
    expect_heading(page, de["register.heading"])
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="English").click()
    expect_heading(page, en["register.heading"])
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text(en["register.who.rule"])).to_be_visible()
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "registration form")
    shot(page, screenshots, "01-register-form-en")
    shot(page, screenshots, "01-register-form-en-first-screen", full_page=False)

    fill_registration(page, person, "en")
    send_registration(page, "en")

    sent = page.locator("#sent")
    expect(sent.get_by_role("heading", name=en["sent.heading"])).to_be_visible()
    expect(sent).to_be_focused()
    expect(sent).to_contain_text(person.email)
    expect(page.locator("#registration-form")).to_be_hidden()
    assert_accessible(page, "check your e-mail")
    shot(page, screenshots, "02-check-your-email")

    # The chosen language travelled with the registration: the mail is in English.
    mail = mail_to(local_stack, person.email)
    assert mail["Subject"] == "Emergency appointment: please confirm your registration"
    link = status_link(local_stack, person.email)
    assert link.startswith(f"{form_url(local_stack, 'status.html')}#id=")

    page.goto(link)
    expect_heading(page, en["state.email_unverified.heading"])
    # The token left the address bar; the page keeps it in memory only, never in storage.
    assert "token" not in page.url
    assert page.evaluate("() => window.sessionStorage.length") == 0
    assert "token" not in page.evaluate("() => JSON.stringify(window.localStorage)")
    expect(page.locator("#person")).to_have_text(
        en["status.for"].replace("{name}", "Olena Kovalenko-Browser")
    )
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: confirm the e-mail address")
    shot(page, screenshots, "03-confirm-email")

    page.get_by_role("button", name=en["confirm.button"]).click()
    expect_heading(page, en["state.awaiting_documents.heading"])
    expect(page.locator("#state")).to_be_focused()
    expect(page.locator("#state-passport")).to_have_text(en["documents.missing"])

    page.get_by_label("Passport: choose a file").set_input_files(documents.passport)
    expect(page.locator("#state-passport")).to_have_text(f"✓ {en['documents.received']}")
    expect(page.locator("#progress-passport")).to_have_js_property("value", 100)
    page.get_by_label("Residence title: choose a file").set_input_files(documents.residence_title)
    expect(page.locator("#state-residence_title")).to_have_text(f"✓ {en['documents.received']}")
    files = page.locator("#file-list li")
    expect(files).to_have_count(2)
    expect(files.nth(0)).to_contain_text(en["doc_status.verified"])
    expect(files.nth(1)).to_contain_text(en["doc_status.verified"])
    expect(page.locator("#file-list")).to_contain_text("reisepass.jpg")
    expect(page.locator("#file-list")).to_contain_text("aufenthaltstitel.jpg")
    assert_no_horizontal_scrolling(page)
    for kind in ("passport", "residence_title"):
        expect(page.locator(f"#check-{kind}")).to_have_text(
            f"✓ {en['check.matches']}", timeout=120_000
        )
    assert_accessible(page, "status: documents uploaded")
    shot(page, screenshots, "04-documents-uploaded")

    page.get_by_role("button", name=en["submit.button"]).click()
    expect_heading(page, en["state.waiting.heading"])
    # The queue's mail closes the loop: the status link again, carrying the chosen language.
    queued = local_stack.wait_for_mail(
        lambda m: (
            m["To"] == person.email
            and str(m["Subject"]) == "You are in the queue for an emergency appointment"
        )
    )
    queued_text = queued.get_body(preferencelist=("plain",))
    assert queued_text is not None
    assert link.endswith("&lang=en") and link in queued_text.get_content()
    position = re.compile(r"^Your place in the queue: \d+$")
    expect(page.locator("#queue-position")).to_have_text(position)
    expect(page.locator("#documents-section")).to_be_hidden()
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: waiting")
    shot(page, screenshots, "05-waiting")

    # The access lives in the page's memory only: coming back takes the mail's link again,
    # which brings the language too.
    page.goto(link)
    expect_heading(page, en["state.waiting.heading"])

    # The allocation runs (as `make allocate` runs it) and gives today's appointment.
    summary = allocate_today(local_stack)
    assert summary["invited"] >= 1
    appointment = registration_view(local_stack, link)["appointment"]
    assert appointment is not None, "the allocation did not invite the person"
    today = office_today()
    start, end = appointment["window_start"][11:16], appointment["window_end"][11:16]
    assert appointment["date"] == today.isoformat()
    assert appointment["address"] == f"{STUTTGART.name}, {STUTTGART.address}"
    # The invitation mail arrived, in English: the date, the arrival window, the address.
    invitation = local_stack.wait_for_mail(
        lambda m: (
            m["To"] == person.email and str(m["Subject"]).startswith("Your emergency appointment: ")
        )
    )
    assert date_text(today, "en") in invitation["Subject"]
    text = invitation.get_body(preferencelist=("plain",))
    assert text is not None
    assert f"between {start} and {end}" in text.get_content()
    assert STUTTGART.address in text.get_content()
    # The code for the entrance, in the text and as the HTML part's inline QR image.
    reference = registration_view(local_stack, link)["reference"]
    assert reference and reference in text.get_content().replace("-", "")
    images = [part for part in invitation.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"]

    # The page as at the window's start: after its end it says the time is over (the run gives
    # the early windows, and the tests run at any hour).
    page.clock.set_fixed_time(appointment["window_start"])
    page.goto(link)
    expect_heading(page, en["state.invited.heading"])
    expect(page.locator("#appointment-date")).to_have_attribute("datetime", today.isoformat())
    expect(page.locator("#appointment-date")).to_contain_text(str(today.year))
    expect(page.locator("#appointment-window")).to_have_text(f"between {start} and {end}")
    expect(page.locator("#appointment-address")).to_have_text(appointment["address"])
    expect(page.locator("#reference-code")).to_have_text(f"{reference[:4]}-{reference[4:]}")
    expect(page.get_by_role("heading", name=en["bring.heading"])).to_be_visible()
    expect(page.locator("#withdraw-section")).to_be_visible()
    assert_no_horizontal_scrolling(page)
    assert_accessible(page, "status: invited")
    shot(page, screenshots, "06-invited")
    page.set_viewport_size({"width": DESK["width"], "height": DESK["height"]})
    assert_accessible(page, "status: invited, at a desk")
    shot(page, screenshots, "06-invited-desk", full_page=False)
