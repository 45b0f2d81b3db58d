"""What a browser test needs around the page: a person, the link from the mail, the emulation."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import Browser, Page, expect

from infra.local_stack import REPO_ROOT, LocalStack, first_link

BERLIN = ZoneInfo("Europe/Berlin")
ADDRESS = "Eberhardstraße 39, 70173 Stuttgart"


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
    page.get_by_label(labels["given_names"], exact=True).fill(person.given_names)
    page.get_by_label(labels["family_name"], exact=True).fill(person.family_name)
    page.get_by_label(labels["date_of_birth"], exact=True).fill(person.date_of_birth)
    page.get_by_label(labels["nationality"], exact=True).select_option(person.nationality)
    page.get_by_label(labels["email"], exact=True).fill(person.email)
    page.locator(f'input[name="title_type"][value="{person.title_type}"]').check()
    page.get_by_label(labels["title_number"], exact=True).fill(person.title_number)
    page.get_by_label(labels["title_expires_on"], exact=True).fill(person.title_expires_on)
    page.locator("#privacy_consent").check()


def mail_to(stack: LocalStack, email: str) -> EmailMessage:
    return stack.wait_for_mail(lambda mail: mail["To"] == email)


def status_link(stack: LocalStack, email: str) -> str:
    """The link of the registration mail sent to `email`, as the person would click it."""
    link = first_link(mail_to(stack, email))
    assert link is not None, "the registration mail carries no link"
    return link


def register_by_api(stack: LocalStack, person: Person, language: str = "en") -> str:
    """Registers without the form (for tests about the status page); returns the mail link."""
    answer = requests.post(f"{stack.api_url}/registrations", json=person.body(language), timeout=10)
    assert answer.status_code == 201, answer.text
    return status_link(stack, person.email)


def registration_id_of(link: str) -> str:
    fragment = link.split("#", 1)[1]
    return dict(part.split("=", 1) for part in fragment.split("&"))["id"]


def set_registration(stack: LocalStack, registration_id: str, **attributes: str) -> None:
    """Writes attributes of the registration item straight into the emulated table.

    Stands in for the allocation run (and the end-of-day job) until they exist: it is what an
    invitation leaves on the item, and the registration leaves the queue index.
    """
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    values = {f":v{i}": {"S": value} for i, value in enumerate(attributes.values())}
    assignments = ", ".join(f"#a{i} = :v{i}" for i in range(len(attributes)))
    stack.client("dynamodb").update_item(
        TableName=stack.resources.table_name,
        Key={"PK": {"S": f"REG#{registration_id}"}, "SK": {"S": "REG"}},
        UpdateExpression=f"SET {assignments} REMOVE GSI1PK, GSI1SK",
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def invite(stack: LocalStack, registration_id: str, day: date) -> None:
    """Today's appointment from 08:00 to 08:30, as the allocation writes it (times with offset)."""

    def at(hour: int, minute: int) -> str:
        return datetime.combine(day, time(hour, minute), BERLIN).isoformat(timespec="minutes")

    set_registration(
        stack,
        registration_id,
        status="invited",
        appointment_date=day.isoformat(),
        window_start=at(8, 0),
        window_end=at(8, 30),
        appointment_address=ADDRESS,
    )


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


def assert_no_horizontal_scrolling(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide in a {widths[1]}px viewport"


def shot(page: Page, folder: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def expect_heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", name=text, exact=True)).to_be_visible()
