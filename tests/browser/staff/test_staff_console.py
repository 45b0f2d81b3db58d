"""The staff console in Chromium against its local stack: sign-in by SRP with TOTP (and a new
clerk's first sign-in), a clerk's day on Today and at the entrance, a review with documents, the
record, the office head's capacity calendar, figures with the CSV, the audit trail. Every page
is checked with axe and photographed into docs/screenshots/."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect

from infra import local_cognito
from tests.browser.accessibility import assert_accessible
from tests.browser.applicant import BERLIN
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.staff.conftest import (
    DESKTOP,
    TABLET,
    Day,
    StaffStack,
    camera_video,
    enter_code,
    invitation_qr,
    reference_of,
    shot,
)

pytestmark = pytest.mark.e2e


def test_a_new_clerk_sets_a_password_and_an_authenticator_then_signs_in_with_a_code(
    browser: Browser, staff_stack: StaffStack
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.goto(staff_stack.console_url)
    assert_accessible(page, "sign-in")
    shot(page, "sign-in")
    page.get_by_label("Benutzername oder E-Mail").fill(local_cognito.FIRST_SIGN_IN_USER)
    page.get_by_label("Passwort", exact=True).fill(local_cognito.FIRST_SIGN_IN_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    # Each step's first field has the focus: a keyboard user types on after Enter.
    expect(page.get_by_label("Neues Passwort", exact=True)).to_be_focused()
    page.get_by_label("Neues Passwort", exact=True).fill("zu-kurz")
    page.get_by_label("Neues Passwort wiederholen").fill("zu-kurz")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("mindestens 14 Zeichen")
    new_password = "Neu-Im-Amt-2026-Passwort!"
    page.get_by_label("Neues Passwort", exact=True).fill(new_password)
    page.get_by_label("Neues Passwort wiederholen").fill(new_password)
    page.get_by_role("button", name="Passwort speichern").click()

    # The authenticator's set-up: the secret as a QR code (an otpauth URI) and as text.
    expect(page.get_by_role("heading", name="Authenticator-App einrichten")).to_be_visible()
    expect(page.get_by_role("img", name="QR-Code mit dem Schlüssel")).to_be_visible()
    secret = page.locator("[data-totp-secret]").inner_text()
    assert re.fullmatch(r"[A-Za-z2-7]+", secret)
    expect(page.get_by_label("Sechsstelliger Code")).to_be_focused()
    assert_accessible(page, "authenticator set-up")
    shot(page, "totp-setup")
    enter_code(page, secret)
    expect(page.get_by_role("heading", name="Termine des Tages")).to_be_visible()

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie sind abgemeldet.")).to_be_visible()
    # Nothing of the session is left in the browser's storage.
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert context.cookies() == []

    page.get_by_label("Benutzername oder E-Mail").fill(local_cognito.FIRST_SIGN_IN_USER)
    page.get_by_label("Passwort", exact=True).fill(new_password)
    page.get_by_label("Passwort", exact=True).press("Enter")
    expect(page.get_by_label("Sechsstelliger Code")).to_be_focused()
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Der Code stimmt nicht.")
    assert_accessible(page, "wrong code")
    shot(page, "totp")
    enter_code(page, secret)
    header = page.locator("header")
    expect(header.get_by_text(f"Angemeldet als {local_cognito.FIRST_SIGN_IN_USER}")).to_be_visible()
    # A clerk (group staff) sees no audit page.
    expect(page.get_by_role("link", name="Protokoll")).to_have_count(0)
    context.close()


def test_the_entrance_takes_a_typed_code_green_and_an_unknown_one_red(
    console_page: Page, staff_stack: StaffStack, day: Day
) -> None:
    page = console_page
    staff_stack.sign_in(page, "admin")
    page.get_by_role("link", name="Eingang").click()
    expect(page.get_by_role("heading", name="Eingang")).to_be_visible()
    code = page.get_by_label("Code der Einladung")
    code.fill("0000-0000")
    code.press("Enter")
    expect(page.locator("[data-verdict=bad]")).to_contain_text("keine Einladung")
    assert_accessible(page, "entrance, red")

    reference = reference_of(staff_stack.stack, day.at_the_desk.registration_id)
    code.fill(f"{reference[:4]}-{reference[4:]}".lower())
    code.press("Enter")
    verdict = page.locator("[data-verdict=ok]")
    expect(verdict).to_contain_text("Haddad, Amira")
    expect(verdict).to_contain_text("Angekommen um")
    assert reference not in page.url and "Haddad" not in page.url
    assert_accessible(page, "entrance, green")
    shot(page, "entrance")
    code.fill(reference)
    code.press("Enter")
    expect(page.locator("[data-verdict=ok]")).to_contain_text("Schon angekommen")

    # Someone without the code: found by family name and date of birth (sent in the body).
    page.get_by_label("Familienname").fill("demir")
    page.get_by_label("Geburtsdatum (TT.MM.JJJJ").fill("12.04.1991")
    page.get_by_role("button", name="Suchen").click()
    found = page.get_by_role("table", name="Heutige Einladungen zu dieser Person")
    expect(found).to_contain_text("Demir, Yusuf")
    expect(found.get_by_role("button", name="Als angekommen eintragen")).to_be_visible()
    assert "demir" not in page.url.lower() and "1991" not in page.url
    assert_accessible(page, "entrance, found by name")


def _tab_past_the_toolbar(page: Page, query: str) -> None:
    """Today opened anew (its heading takes the focus), then by Tab to the search, `query` typed
    there, and by Tab past the refresh and print buttons: the next Tab is the list's first button.
    Each stop is asserted."""
    page.get_by_role("link", name="Eingang").click()
    page.get_by_role("link", name="Heute").click()
    expect(page.get_by_role("heading", name="Termine des Tages")).to_be_focused()
    date_field = page.get_by_label("Datum", exact=True)
    # Chromium's date field: a stop for the day, the month, the year and its calendar button.
    for _stop in ("day", "month", "year", "calendar"):
        page.keyboard.press("Tab")
        expect(date_field).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Suchen (Code, Name oder Geburtsdatum)")).to_be_focused()
    page.keyboard.type(query)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Aktualisieren")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Drucken")).to_be_focused()


def test_a_clerk_decides_at_the_desk_with_a_confirmation_and_can_undo(
    console_page: Page, staff_stack: StaffStack, day: Day
) -> None:
    page = console_page
    page.get_by_role("link", name="Heute").click()
    expect(page.get_by_role("heading", name="Termine des Tages")).to_be_visible()
    row = page.locator("tr", has_text="Haddad")
    expect(row).to_contain_text("angekommen")
    expect(page.locator("tr", has_text="Demir")).to_contain_text("eingeladen")
    assert_accessible(page, "today")
    shot(page, "today")

    search = page.get_by_label("Suchen (Code, Name oder Geburtsdatum)")
    search.fill("nobody-such")
    expect(row).to_have_count(0)
    expect(page.locator("[data-no-match]")).to_have_text(
        "Keine Einladung dieses Tages passt zu „nobody-such“."
    )
    search.fill("hadd")
    expect(row).to_be_visible()
    expect(page.locator("tr", has_text="Demir")).to_have_count(0)

    row.get_by_role("button", name="Angaben stimmen").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Haddad")
    assert_accessible(page, "decision dialog")
    dialog.get_by_role("button", name="Abbrechen").click()
    expect(row).to_contain_text("angekommen")

    # The connection drops after the service has the decision: the page sends it again with the
    # same Idempotency-Key, and the service answers the first result.
    keys: list[str] = []

    def answer_lost_once(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/check-in", answer_lost_once)
    # By keyboard, as a clerk without a mouse: from Today's heading by Tab through the toolbar
    # (the search narrows the list) to the row's button, Enter opens the dialog on its focused
    # "Bestätigen", Enter confirms.
    _tab_past_the_toolbar(page, "hadd")
    expect(page.locator("tr", has_text="Demir")).to_have_count(0)
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Angaben stimmen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog").get_by_role("button", name="Bestätigen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Gespeichert: Haddad")).to_be_visible()
    expect(row).to_contain_text("bedient")
    # The list is drawn anew, and the focus stays in the row: on its undo, one Enter away.
    expect(row.get_by_role("button", name="Rückgängig")).to_be_focused()
    page.unroute("**/check-in", answer_lost_once)
    assert len(keys) == 2 and keys[0] == keys[1] != "", keys

    row.get_by_role("button", name="Rückgängig").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Begründung").fill("falsche Person angeklickt")
    dialog.get_by_role("button", name="Bestätigen").click()
    expect(row).to_contain_text("angekommen")
    search.fill("")

    # Printed, the day list is the list: no navigation, no buttons.
    page.emulate_media(media="print")
    expect(page.locator("tr", has_text="Demir")).to_be_visible()
    expect(page.get_by_role("button", name="Angaben stimmen").first).to_be_hidden()
    expect(page.get_by_role("navigation")).to_be_hidden()
    shot(page, "today-print")
    page.emulate_media(media="screen")

    # On a tablet the day still fits the screen's width.
    page.set_viewport_size(TABLET)
    expect(page.locator("tr", has_text="Demir")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "today-tablet")
    page.set_viewport_size(DESKTOP)

    # The office head runs today's allocation by hand (the runbook's fix); the run is listed.
    page.get_by_role("button", name="Zuteilung jetzt ausführen").click()
    page.get_by_role("dialog").get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("status").filter(has_text="Zuteilung ausgeführt")).to_be_visible()
    runs = page.get_by_role("table", name="Läufe")
    expect(runs).to_contain_text("von Hand")
    # Run times as people write them (Europe/Berlin), never ISO.
    expect(runs).to_contain_text(re.compile(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr"))
    expect(runs).not_to_contain_text(re.compile(r"\d{4}-\d\d-\d\dT"))
    # The counts are disjoint: Haddad waits (arrived), Demir is invited and not here yet.
    counts = page.locator("ul.counts").first
    expect(counts).to_contain_text("angekommen, wartet 1")
    expect(page.get_by_text("Jede Einladung zählt einmal")).to_be_visible()


def test_after_the_window_the_desk_marks_a_person_missed_by_keyboard_and_can_undo_it(
    console_page: Page, staff_stack: StaffStack, day: Day
) -> None:
    token = staff_stack.stack.staff_token("staff")
    answer = requests.get(
        f"{staff_stack.stack.api_url}/staff/appointments",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    by_id = {i["registration_id"]: i for i in answer.json()["items"]}
    missed = by_id[day.missed.registration_id]
    assert missed["window_start"][11:16] == "01:00", missed
    if not missed["window_over"]:
        pytest.skip("the earliest window of a day (01:00-01:30) is not over yet")

    page = console_page
    row = page.locator("tr", has_text="Kowalska")
    _tab_past_the_toolbar(page, "kowalska")
    expect(row).to_contain_text("eingeladen")
    expect(page.locator("tr[data-registration]")).to_have_count(1)

    for button in ("Angaben stimmen", "Angaben falsch", "Nicht erschienen"):
        page.keyboard.press("Tab")
        expect(row.get_by_role("button", name=button)).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Kowalska")
    expect(dialog).to_contain_text("als nicht erschienen markieren?")
    page.keyboard.press("Enter")
    expect(row).to_contain_text("nicht erschienen")

    # A misclick is undone with a reason, all by keyboard: the focus stayed in the row.
    expect(row.get_by_role("button", name="Rückgängig")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Begründung")).to_be_focused()
    page.keyboard.type("war doch da, im Wartebereich")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past "Abbrechen"
    expect(dialog.get_by_role("button", name="Bestätigen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row).to_contain_text("eingeladen")
    assert_accessible(page, "today, after an undone no-show")


def test_the_entrance_reads_the_invitations_qr_code_from_the_camera(
    browser: Browser, staff_stack: StaffStack, day: Day, tmp_path: Path
) -> None:
    qr = invitation_qr(staff_stack.stack, day.with_a_pass.email)
    video = camera_video(qr, tmp_path / "pass.y4m")
    camera = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(viewport=DESKTOP, locale="de-DE", timezone_id="Europe/Berlin")
        context.grant_permissions(["camera"])
        page = context.new_page()
        staff_stack.sign_in(page, "staff")
        page.get_by_role("link", name="Eingang").click()
        page.get_by_role("button", name="QR-Code scannen").click()
        verdict = page.locator("[data-verdict=ok]")
        expect(verdict).to_contain_text("Demir, Yusuf")
        page.get_by_role("button", name="Kamera ausschalten").click()
        expect(page.locator("video")).to_be_hidden()
    finally:
        camera.close()


def test_the_entrance_tells_someone_early_when_their_window_starts(
    browser: Browser, staff_stack: StaffStack, day: Day
) -> None:
    token = staff_stack.stack.staff_token("staff")
    answer = requests.get(
        f"{staff_stack.stack.api_url}/staff/appointments",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    (item,) = [
        i for i in answer.json()["items"] if i["registration_id"] == day.with_a_pass.registration_id
    ]
    start = datetime.fromisoformat(item["window_start"])
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", timezone_id="Europe/Berlin")
    try:
        page = context.new_page()
        staff_stack.sign_in(page, "staff")
        # The page's clock 83 minutes before the window (13:37 for 15:00).
        page.clock.set_fixed_time(start - timedelta(minutes=83))
        page.get_by_role("link", name="Eingang").click()
        code = page.get_by_label("Code der Einladung")
        code.fill(item["reference"])
        code.press("Enter")
        verdict = page.locator("[data-verdict=ok]")
        expect(verdict).to_contain_text("Demir, Yusuf")
        expect(verdict).to_contain_text(
            f"Früh: Ankunftsfenster beginnt um {start.astimezone(BERLIN):%H:%M} Uhr"
        )
        expect(verdict).not_to_contain_text("vorbei")
    finally:
        context.close()


def test_a_review_shows_the_documents_and_takes_a_decision(
    console_page: Page, staff_stack: StaffStack, day: Day
) -> None:
    page = console_page
    page.get_by_role("link", name="Prüfung").click()
    card = page.locator("article", has_text=day.review_family_name)
    expect(card).to_be_visible()
    image = card.get_by_role("img", name="Dokument passport.jpg")
    expect(image).to_be_visible()
    # Visible is not yet decoded: wait for the picture itself (a loaded machine is slow to).
    image.evaluate("img => img.decode()")
    assert image.evaluate("img => img.naturalWidth") == 640
    card.get_by_role("button", name="Drehen").first.click()
    assert "rotate(90deg)" in (image.get_attribute("style") or "")
    card.get_by_role("button", name="Vergrößern").first.click()
    # The PDF drawn in the page by PDF.js, and turned.
    pdf_page = card.get_by_role("img", name="Dokument card.pdf, 1/1")
    expect(pdf_page).to_be_visible()
    upright = pdf_page.evaluate("canvas => canvas.width > canvas.height")
    card.get_by_role("button", name="Drehen").nth(1).click()
    page.wait_for_function(
        """upright => {
            const canvas = document.querySelector('canvas[aria-label^="Dokument card.pdf"]');
            return canvas !== null && (canvas.width > canvas.height) !== upright;
        }""",
        arg=upright,
    )
    assert_accessible(page, "review")
    shot(page, "review")

    card.get_by_role("button", name="Akte öffnen").click()
    expect(page.get_by_role("heading", name=re.compile("Registrierung: Prüfling"))).to_be_visible()
    expect(page.get_by_role("table", name="Verlauf")).to_be_visible()
    assert day.review_id not in page.url
    assert_accessible(page, "record")
    shot(page, "registration")
    page.get_by_role("button", name="Zurück").click()

    card = page.locator("article", has_text=day.review_family_name)
    card.get_by_label("Begründung").fill("Pass im Original gesehen")
    card.get_by_role("button", name="Geprüft: Angaben stimmen").click()
    expect(page.get_by_text("Entscheidung gespeichert.").first).to_be_visible()
    expect(page.locator("article", has_text=day.review_family_name)).to_have_count(0)


def test_the_office_head_changes_a_days_places_in_the_calendar(
    console_page: Page, staff_stack: StaffStack
) -> None:
    page = console_page
    today = datetime.now(BERLIN).date()
    # The next December whose 21st to 23rd are still to come (a past day cannot change).
    year = today.year if (today.month, today.day) < (12, 21) else today.year + 1
    workday = next(
        d for d in (date(year, 12, 21), date(year, 12, 22), date(year, 12, 23)) if d.weekday() < 5
    )
    page.get_by_role("link", name="Kapazität").click()
    for _ in range((year - today.year) * 12 + 12 - today.month):
        page.get_by_role("button", name="Nächster Monat").click()
    expect(page.get_by_role("heading", name=f"Dezember {year}")).to_be_visible()
    expect(page.locator(f'[data-date="{year}-12-24"]')).to_contain_text("24./31. Dezember")
    expect(page.locator(f'[data-date="{year}-12-31"]')).to_contain_text("24./31. Dezember")
    assert_accessible(page, "capacity")
    shot(page, "capacity")

    cell = page.locator(f'[data-date="{workday.isoformat()}"]')
    cell.click()
    places = page.get_by_label(re.compile("Plätze am"))
    places.fill("7")
    places.press("Enter")
    expect(page.locator("#main").get_by_text("mit 7 Plätzen")).to_be_visible()
    expect(cell).to_contain_text("7 Plätze")
    expect(page.locator(f'[data-date="{year}-12-25"]')).to_contain_text("Erster Weihnachtstag")

    # Each window's places: the first window gets five instead of one (the seven were spread
    # one each over the first windows of the local stage's round-the-clock day).
    cell.click()
    windows = page.locator("[data-windows-form]")
    first = windows.get_by_label("00:00\u201300:30")
    expect(first).to_have_value("1")
    first.fill("5")
    expect(windows.locator("[data-window-sum]")).to_have_text("Zusammen: 11 Plätze")
    assert_accessible(page, "capacity, per window")
    shot(page, "capacity-windows")
    windows.get_by_role("button", name="Zeitfenster speichern").click()
    expect(page.locator("#main").get_by_text("je Zeitfenster festgelegt")).to_be_visible()
    expect(cell).to_contain_text("11 Plätze")
    expect(cell).to_contain_text("je Zeitfenster: 00:00 5")

    token = staff_stack.stack.staff_token("staff")
    answer = requests.get(
        f"{staff_stack.stack.api_url}/staff/capacity?from={workday}&to={workday}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    [set_day] = answer.json()["items"]
    assert (set_day["slots"], set_day["windows_set"]) == (11, True)
    assert [w["capacity"] for w in set_day["windows"][:8]] == [5, 1, 1, 1, 1, 1, 1, 0]

    # A bad number: the API's field error, said at the field and marked there; nothing saved.
    cell.click()
    places = page.get_by_label(re.compile("Plätze am"))
    places.fill("-3")
    places.press("Enter")
    expect(page.locator("#main .kern-error")).to_have_text(
        "Bitte eine ganze Zahl von 0 bis 1000 eingeben (0 schließt den Tag)."
    )
    expect(places).to_have_attribute("aria-invalid", "true")
    expect(places).to_be_focused()
    expect(page.get_by_text("nicht vollständig oder nicht gültig")).to_have_count(0)
    # Far above the usual 40 (more than three times): asked first; the cell shows what is saved.
    places.fill("500")
    places.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("500 Plätze sind mehr als das Dreifache der üblichen 40.")
    dialog.get_by_role("button", name="Bestätigen").click()
    expect(page.locator("#main").get_by_text("mit 500 Plätzen")).to_be_visible()
    expect(cell).to_contain_text("500 Plätze")
    expect(places).to_have_count(0)


def test_figures_are_charts_and_a_csv_and_the_audit_names_who_did_what(
    console_page: Page, staff_stack: StaffStack, day: Day
) -> None:
    page = console_page
    page.get_by_role("link", name="Zahlen").click()
    expect(page.get_by_role("img", name="Termine je Tag")).to_be_visible()
    expect(page.locator("[data-backlog]")).to_contain_text("Offene Prüfungen:")
    with page.expect_download() as download:
        page.get_by_role("button", name="Als CSV herunterladen").click()
    # The service's CSV (fetched with the token in a header; the page's URL stays as it was).
    assert download.value.suggested_filename.startswith("notfalltermin-figures-")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0] == ["date", "appointments", "served", "rejected", "no_shows"]
    assert ["status", "count"] in rows
    assert "Haddad" not in str(rows) and "@" not in str(rows)
    assert_accessible(page, "figures")
    shot(page, "figures")

    page.get_by_role("link", name="Protokoll").click()
    trail = page.get_by_role("table", name="Protokoll")
    expect(trail).to_contain_text("Termin entschieden")
    expect(trail).to_contain_text("Plätze geändert")
    expect(trail).to_contain_text("Zahlen als CSV heruntergeladen")
    assert_accessible(page, "audit")
    shot(page, "audit")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Audit")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_the_session_refreshes_its_token_and_locks_after_fifteen_idle_minutes(
    browser: Browser, staff_stack: StaffStack
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.clock.install()
    cognito_calls: list[str] = []
    page.on(
        "request",
        lambda r: (
            cognito_calls.append(r.post_data or "")
            if r.headers.get("x-amz-target", "").endswith(".InitiateAuth")
            else None
        ),
    )
    staff_stack.sign_in(page, "staff")
    heading = page.get_by_role("heading", name="Termine des Tages")
    # Busy for 59½ minutes: a key at least every 14 minutes keeps the session; the access
    # token (60 minutes) is refreshed with the refresh token before the next call needs it.
    for step in ("14:00", "14:00", "14:00", "14:00", "03:30"):
        page.clock.fast_forward(step)
        page.keyboard.press("Shift")
    expect(heading).to_be_visible()
    page.get_by_role("button", name="Aktualisieren").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(heading).to_be_visible()
    assert any("REFRESH_TOKEN" in call for call in cognito_calls), cognito_calls

    page.clock.fast_forward("15:01")
    expect(page.get_by_text("nach 15 Minuten ohne Eingabe gesperrt")).to_be_visible()
    expect(page.get_by_label("Benutzername oder E-Mail")).to_have_value("staff")
    expect(heading).to_have_count(0)
    context.close()


def test_every_page_fits_a_tablet_and_passes_axe_there(
    browser: Browser, staff_stack: StaffStack, day: Day
) -> None:
    context = browser.new_context(viewport=TABLET, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    staff_stack.sign_in(page, "admin")
    pages = {
        "Heute": "Termine des Tages",
        "Eingang": "Eingang",
        "Prüfung": "Prüfung",
        "Kapazität": "Kapazität",
        "Zahlen": "Zahlen",
        "Protokoll": "Protokoll",
    }
    for link, heading in pages.items():
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{link} is wider than a tablet"
        assert_accessible(page, f"{link} on a tablet")
    context.close()
