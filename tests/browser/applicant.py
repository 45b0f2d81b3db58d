"""What a browser test needs around the page: a person, the link from the mail, the emulation."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from chalicelib.adapters.tesseract_reader import read_bytes
from chalicelib.domain.machine_readable_zone import icao_name
from infra.allocate import TODAYS_APPOINTMENTS
from infra.local_stack import REPO_ROOT, LocalStack, first_link
from tests.applicant_flow import http_proof_of_work
from tests.documents import corpus
from tests.e2e.applicants import QueuedApplicant, queue_over_http

BERLIN = ZoneInfo("Europe/Berlin")


def messages(language: str) -> dict[str, str]:
    """The page's texts in one language, as the form loads them."""
    path = REPO_ROOT / "web" / "i18n" / f"{language}.json"
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def field_labels(language: str) -> dict[str, str]:
    m = messages(language)
    fields = ("given_names", "family_name", "date_of_birth", "nationality", "email")
    labels = {name: m[f"field.{name}.label"] for name in fields}
    labels["title_number"] = m["field.title_number.label"]
    labels["title_expires_on"] = m["field.title_expires_on.label"]
    return labels


def office_today() -> date:
    return datetime.now(BERLIN).date()


def random_letters(count: int) -> str:
    # One registration per person: every test makes its own person.
    return "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(count))


@dataclass
class Person:
    given_names: str = "Olena"
    family_name: str = field(default_factory=lambda: "Browser" + random_letters(8))
    date_of_birth: str = "1991-04-12"
    nationality: str = "UKR"
    email: str = field(default_factory=lambda: f"browser.{random_letters(10)}@example.org")
    title_type: str = "residence_permit"
    title_number: str = "Y1234567"
    title_expires_on: str = field(default_factory=lambda: str(office_today() + timedelta(days=3)))

    def body(self, language: str) -> dict[str, Any]:
        return {
            "given_names": self.given_names,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth,
            "nationality": self.nationality,
            "email": self.email,
            "language": language,
            "title_type": self.title_type,
            "title_number": self.title_number,
            "title_expires_on": self.title_expires_on,
            "privacy_consent": True,
        }


def form_url(stack: LocalStack, page: str = "index.html") -> str:
    assert stack.web_url is not None, "the stack serves no web form"
    return f"{stack.web_url}/{page}"


def fill_registration(page: Page, person: Person, language: str) -> None:
    """Fills the form as a person would, by the labels shown in the page's language."""
    labels = field_labels(language)
    if person.given_names:
        page.get_by_label(labels["given_names"], exact=True).fill(person.given_names)
    page.get_by_label(labels["family_name"], exact=True).fill(person.family_name)
    fill_date(page, labels["date_of_birth"], person.date_of_birth, language)
    page.get_by_label(labels["nationality"], exact=True).select_option(person.nationality)
    page.get_by_label(labels["email"], exact=True).fill(person.email)
    page.locator(f'input[name="title_type"][value="{person.title_type}"]').check()
    page.get_by_label(labels["title_number"], exact=True).fill(person.title_number)
    fill_date(page, labels["title_expires_on"], person.title_expires_on, language)
    page.locator("#privacy_consent").check()


def fill_date(page: Page, legend: str, iso: str, language: str) -> None:
    """A date into its three fields (day, month, year), found by the group's legend and the
    fields' labels; "1990" or "1990-05" leave the unknown parts as the document shows them, XX."""
    m = messages(language)
    group = page.get_by_role("group", name=legend, exact=True)
    parts = iso.split("-") + ["XX"] * (3 - len(iso.split("-")))
    year, month, day = parts
    group.get_by_label(m["field.date.day"], exact=True).fill(day)
    group.get_by_label(m["field.date.month"], exact=True).fill(month)
    group.get_by_label(m["field.date.year"], exact=True).fill(year)


def send_registration(page: Page, language: str) -> None:
    """Continue from the form, and send on the page that shows what will be sent."""
    m = messages(language)
    page.get_by_role("button", name=m["register.continue"]).click()
    expect(page.get_by_role("heading", name=m["answers.heading"])).to_be_visible()
    page.get_by_role("button", name=m["register.submit"]).click()


def mail_to(stack: LocalStack, email: str) -> EmailMessage:
    return stack.wait_for_mail(lambda mail: mail["To"] == email)


def status_link(stack: LocalStack, email: str) -> str:
    """The link of the registration mail sent to `email`, as the person would click it."""
    link = first_link(mail_to(stack, email))
    assert link is not None, "the registration mail carries no link"
    return link


def register_by_api(stack: LocalStack, person: Person, language: str = "en") -> str:
    """Registers without the form (for tests about the status page); returns the mail link."""
    body = {**person.body(language), "altcha": http_proof_of_work(stack.api_url)}
    answer = requests.post(f"{stack.api_url}/registrations", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return status_link(stack, person.email)


def registration_id_of(link: str) -> str:
    fragment = link.split("#", 1)[1]
    return dict(part.split("=", 1) for part in fragment.split("&"))["id"]


def queue_by_api(stack: LocalStack, person: Person, language: str = "en") -> QueuedApplicant:
    """Registers, confirms, uploads and submits without the form: the person waits in the queue."""
    return queue_over_http(
        stack,
        person.email,
        language,
        given_names=person.given_names,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        nationality=person.nationality,
        title_number=person.title_number,
        title_expires_on=person.title_expires_on,
    )


def registration_view(stack: LocalStack, link: str) -> dict[str, Any]:
    """What the service says about the registration of a mail link (the status page's data)."""
    fragment = dict(part.split("=", 1) for part in link.split("#", 1)[1].split("&"))
    answer = requests.get(
        f"{stack.api_url}/registrations/{fragment['id']}",
        headers={"Authorization": f"Bearer {fragment['token']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


# The local stage's last arrival window starts at 23:00 and a run gives none sooner than
# MINIMUM_NOTICE_MINUTES ahead (60 on make run's stack, 5 on the tests'): from 21:55 on, a
# window still to come is not certain.
LAST_RUN_WITH_A_WINDOW_TO_COME = time(21, 55)


def allocate_today(stack: LocalStack, *, window_to_come: bool = False) -> dict[str, Any]:
    """Today's allocation run, as `make allocate` runs it against the stack; its summary.

    Today is the machine's date, perhaps a weekend or a holiday, and other tests of the session
    may have queued people with an earlier expiry: the day is opened for everyone waiting. The
    run is as at 07:45 (infra/allocate.py TODAYS_APPOINTMENTS), so that today's windows are
    reachable at any hour the tests run. `window_to_come`: the run is at the real time instead,
    so that the windows it gives have not ended yet (the stack's clock is the real one; a
    release needs a window to come): the test is skipped late in the evening, when there is
    none.
    """
    if not window_to_come:
        summary = stack.run_allocation(*TODAYS_APPOINTMENTS)
    else:
        if datetime.now(BERLIN).time() >= LAST_RUN_WITH_A_WINDOW_TO_COME:
            pytest.skip("no arrival window of today is still to come (after 21:55 Berlin)")
        summary = stack.run_allocation(*TODAYS_APPOINTMENTS[:2])
    assert summary["verdict"] == "run", summary
    assert summary["day"] == office_today().isoformat()
    return summary


def close_today(stack: LocalStack) -> dict[str, Any]:
    """Today's end-of-day job, as the schedule invokes it in the evening (20:30 UTC)."""
    evening = datetime.combine(office_today(), time(20, 30), UTC)
    (invocation,) = stack.tick(evening - timedelta(minutes=1), evening)
    assert invocation.function_name == "end_of_day"
    assert invocation.error is None and invocation.result is not None, invocation
    assert invocation.result["acted"] is True
    return invocation.result


@dataclass(frozen=True)
class Documents:
    """Real files, made by the browser: a PDF it prints, a JPEG it photographs, and fakes."""

    pdf: Path
    jpeg: Path
    html_named_pdf: Path
    text: Path


def make_documents(browser: Browser, folder: Path) -> Documents:
    page = browser.new_page(viewport={"width": 420, "height": 300})
    try:
        page.set_content(
            "<body style='font-family: sans-serif; background: #e8eef6'>"
            "<h1>Reisepass</h1><p>Testdokument - Muster, Olena</p></body>"
        )
        pdf = folder / "reisepass.pdf"
        pdf.write_bytes(page.pdf(width="105mm", height="74mm"))
        jpeg = folder / "aufenthaltstitel.jpg"
        jpeg.write_bytes(page.screenshot(type="jpeg", quality=70))
    finally:
        page.close()
    disguised = folder / "scan.pdf"
    disguised.write_text("<!doctype html><title>not a scan</title><p>hello</p>\n", "utf-8")
    text = folder / "notes.txt"
    text.write_text("just some notes\n", "utf-8")
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert jpeg.read_bytes().startswith(b"\xff\xd8\xff")
    return Documents(pdf, jpeg, disguised, text)


@dataclass(frozen=True)
class ReadableDocuments:
    """Photos of a passport and a residence permit card whose machine-readable zones say what
    the person typed (tests/documents/corpus.py), unless the title is given another expiry."""

    passport: Path
    residence_title: Path


# Photos tried per document: the local reader (tesseract) does not read every phone photo, nor
# within its time budget on a busy machine, and these tests are about the page, not the read
# rate (tests/documents measures that).
PHOTOS_TRIED = 12


def readable_documents(
    person: Person, folder: Path, title_expires_on: date | None = None
) -> ReadableDocuments:
    born = date.fromisoformat(person.date_of_birth)
    title_expiry = title_expires_on or date.fromisoformat(person.title_expires_on)
    holder = (person.family_name, person.given_names, born, person.nationality)
    passport_expiry = office_today() + timedelta(days=3 * 365)
    passport_path = folder / "reisepass.jpg"
    passport_path.write_bytes(
        _photo_the_reader_reads(
            lambda seed: corpus.passport(*holder, expires_on=passport_expiry, seed=seed),
            passport_expiry,
            person.family_name,
            person.given_names,
        )
    )
    title_path = folder / "aufenthaltstitel.jpg"
    title_path.write_bytes(
        _photo_the_reader_reads(
            lambda seed: corpus.residence_permit_card(
                *holder, expires_on=title_expiry, document_number=person.title_number, seed=seed
            ),
            title_expiry,
            person.family_name,
            person.given_names,
        )
    )
    return ReadableDocuments(passport_path, title_path)


def _photo_the_reader_reads(
    photo: Callable[[int], bytes], expires_on: date, family_name: str, given_names: str
) -> bytes:
    for seed in range(PHOTOS_TRIED):
        data = photo(seed)
        zone = read_bytes(data, "image/jpeg", office_today())
        if zone is not None and (zone.expires_on, zone.family_name, zone.given_names) == (
            expires_on,
            icao_name(family_name),
            icao_name(given_names),
        ):
            return data
    raise AssertionError(f"the local reader read none of {PHOTOS_TRIED} photos of the document")


def assert_no_horizontal_scrolling(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide in a {widths[1]}px viewport"


def shot(page: Page, folder: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def expect_heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", name=text, exact=True)).to_be_visible()
