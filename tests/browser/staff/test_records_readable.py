"""What the clerk trial found unreadable, in Chromium against the local stack: the audit in
words (labels for the action codes, a desk decision and its undo as a sentence, the
registration a link to its record), the review's missing reason said at the field, the
machine reading headed by the document it comes from, and the record's values and history in
German."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.staff.conftest import (
    Day,
    StaffStack,
    reference_of,
    registered_and_confirmed,
    unreadable_document,
)
from tests.documents import corpus

pytestmark = pytest.mark.e2e


def _desk(staff_stack: StaffStack, path: str, body: dict[str, Any]) -> None:
    stack = staff_stack.stack
    answer = requests.post(
        f"{stack.api_url}{path}",
        headers={"Authorization": f"Bearer {stack.staff_token('staff')}"},
        json=body,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_the_audit_names_actions_and_details_in_words(
    console_page: Page, staff_stack: StaffStack, day: Day
) -> None:
    person = day.at_the_desk.registration_id
    code = reference_of(staff_stack.stack, person)
    _desk(staff_stack, "/staff/arrivals", {"code": code})
    _desk(staff_stack, f"/staff/registrations/{person}/check-in", {"outcome": "data_correct"})
    _desk(staff_stack, f"/staff/registrations/{person}/undo", {"reason": "falsche Person"})

    page = console_page
    staff_stack.sign_in(page, "admin")
    page.get_by_role("link", name="Protokoll").click()
    trail = page.get_by_role("table", name="Protokoll")
    undo = trail.locator("tr", has_text="Entscheidung rückgängig gemacht")
    expect(undo).to_contain_text("Entscheidung: bedient \u2013 Grund: falsche Person")
    # Who: the staff member's user name as the token gives it (the local pool's "staff").
    expect(undo.locator("td").nth(1)).to_have_text("staff")
    expect(trail.locator("tr", has_text="Ankunft eingetragen")).to_contain_text(
        "mit dem Code der Einladung"
    )
    expect(trail.locator("tr", has_text="Termin entschieden")).to_contain_text("Angaben stimmen")
    for code_name in ("check_in", "arrival", "undo", "day_list_read", "served:"):
        expect(trail).not_to_contain_text(code_name)

    undo.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("Registrierung: Haddad"))).to_be_visible()
    assert person not in page.url

    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Audit").click()
    trail = page.get_by_role("table", name="Audit")
    expect(trail.locator("tr", has_text="Undid a decision")).to_contain_text(
        "Decision: served \u2013 reason: falsche Person"
    )
    page.get_by_role("button", name="Deutsch").click()


def test_the_review_says_a_missing_reason_at_the_field_and_the_record_reads_german(
    console_page: Page, day: Day
) -> None:
    page = console_page
    page.get_by_role("link", name="Prüfung").click()
    card = page.locator("article", has_text=day.review_family_name)
    expect(card.get_by_text("Nichts maschinell gelesen.")).to_be_visible()
    card.get_by_role("button", name="Angaben falsch: ablehnen").click()
    reason = card.get_by_label("Begründung")
    expect(reason).to_be_focused()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description("Bitte geben Sie eine Begründung an.")

    card.get_by_role("button", name="Akte öffnen").click()
    expect(page.get_by_role("heading", name=re.compile("Registrierung: Prüfling"))).to_be_visible()
    details = page.locator("dl")
    expect(details).to_contain_text("Aufenthaltserlaubnis")
    expect(details).to_contain_text("Englisch")  # the language the person chose, "en"
    expect(details).not_to_contain_text("residence_permit")
    history = page.get_by_role("table", name="Verlauf")
    expect(history).to_contain_text("Maschinelle Prüfung")
    expect(history).to_contain_text("Dokument gelesen")
    expect(history).to_contain_text("Ergebnis: nicht lesbar")
    expect(history).to_contain_text("Dokument: Pass, passport.jpg")
    expect(history).to_contain_text("Zur Prüfung durch eine Person gegeben")
    expect(history).to_contain_text("Aufenthaltstitel maschinell nicht lesbar")
    for code_name in ("machine", "unreadable", "checking", "document_id", "title_unreadable"):
        expect(history).not_to_contain_text(code_name)
    page.get_by_role("button", name="Zurück").click()


def _in_review(
    staff_stack: StaffStack,
    email: str,
    family_name: str,
    title: Callable[[dict[str, Any]], bytes],
    extra: tuple[tuple[str, str, bytes], ...] = (),
) -> dict[str, Any]:
    """Registered, confirmed, a readable passport (number P01234567, valid to 2031), the
    residence title `title(typed)` and the `extra` (kind, filename, bytes announced as JPEG)
    uploaded, read and submitted; in review. The typed body."""
    confirmed = registered_and_confirmed(
        staff_stack.stack, email, given_names="Lina", family_name=family_name
    )
    typed = confirmed.typed
    passport = corpus.passport(
        family_name=typed["family_name"],
        given_names=typed["given_names"],
        date_of_birth=date.fromisoformat(typed["date_of_birth"]),
        nationality=typed["nationality"],
        expires_on=date(2031, 5, 1),
        document_number="P01234567",
    )
    for kind, filename, content in (
        ("passport", "passport.jpg", passport),
        ("residence_title", "card.jpg", title(typed)),
        *extra,
    ):
        confirmed.upload(kind, filename, content, "image/jpeg")
    confirmed.submit_for_review(staff_stack.stack)
    return typed


def _passport_read_title_not(staff_stack: StaffStack, email: str) -> dict[str, Any]:
    """In review as the clerk found one: the passport's zone read, the residence title a photo
    without a readable zone (`title_unreadable`)."""
    return _in_review(
        staff_stack, email, "Passlesung", lambda _typed: unreadable_document("CARD (test)")
    )


def test_the_review_says_which_document_each_machine_reading_comes_from(
    console_page: Page, staff_stack: StaffStack
) -> None:
    typed = _passport_read_title_not(staff_stack, "passlesung.console@example.org")
    page = console_page
    page.get_by_role("link", name="Heute").click()
    page.get_by_role("link", name="Prüfung").click()
    card = page.locator("article", has_text="Passlesung")
    read = card.locator("[data-read-from]")
    # Only the passport was read: its reading is headed as the passport's, its number and
    # expiry labelled as the passport's, never beside the title's as if they were the title's.
    expect(read).to_have_count(1)
    expect(read).to_have_attribute("data-read-from", "passport")
    expect(read).to_contain_text("aus: Pass, Datei passport.jpg")
    expect(read.locator("dt", has_text="Dokumentnummer (Pass)")).to_have_count(1)
    expect(read.locator("dt", has_text="Gültig bis (Pass)")).to_have_count(1)
    expect(read).to_contain_text("P01234567")
    expect(card.get_by_text(typed["title_number"], exact=True)).to_have_count(1)  # typed only


def test_the_review_marks_the_differing_value_and_says_a_refused_upload_is_gone(
    console_page: Page, staff_stack: StaffStack
) -> None:
    """The trial's B2 and B3: the card says the title ends on 26 November, the person typed the
    28th; an "other" upload was no JPEG at all (refused and deleted)."""

    def card_ending_earlier(typed: dict[str, Any]) -> bytes:
        return corpus.residence_permit_card(
            family_name=typed["family_name"],
            given_names=typed["given_names"],
            date_of_birth=date.fromisoformat(typed["date_of_birth"]),
            nationality=typed["nationality"],
            expires_on=date(2026, 11, 26),
            document_number=typed["title_number"],
        )

    not_a_jpeg = (("other", "letter.jpg", b"plain text, not a picture " * 40),)
    _in_review(
        staff_stack, "abweichung.console@example.org", "Abweichung", card_ending_earlier, not_a_jpeg
    )
    page = console_page
    page.get_by_role("link", name="Heute").click()
    page.get_by_role("link", name="Prüfung").click()
    card = page.locator("article", has_text="Abweichung")
    expect(card.locator("[data-differing]")).to_have_text("Weicht vom Dokument ab: Gültig bis")
    # Marked on both sides, in words as well as by the bar: the typed and the card's expiry.
    marked = card.locator("[data-differs]")
    expect(marked).to_have_count(2)
    for row in marked.all():
        expect(row.locator("dt")).to_contain_text("Gültig bis")
        expect(row.locator("dd")).to_contain_text("(weicht ab)")
    expect(marked.first).to_contain_text("28.11.2026")
    expect(marked.last).to_contain_text("26.11.2026")
    # The refused upload: said refused and gone, not "please download" without a download.
    refused = card.locator("[data-no-file='rejected']")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Abgelehnt")
    expect(refused).to_contain_text("die Datei ist gelöscht")
    expect(card).not_to_contain_text("bitte herunterladen")
