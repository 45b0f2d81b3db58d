"""The staff console's browser tests: their own local stack (the console on its own port, the
API allowing its origin), people in it, and one signed-in browser page shared by the tests."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, ViewportSize, expect

from infra import local_cognito
from infra.allocate import TODAYS_APPOINTMENTS
from infra.local_stack import REPO_ROOT, LocalStack, free_ports
from tests.applicant_flow import http_proof_of_work, registration_body
from tests.browser.conftest import TIMEOUT_MS
from tests.e2e.applicants import LINK, verify_by_staff, wait_until_read

SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
TABLET: ViewportSize = {"width": 820, "height": 1180}


@dataclass(frozen=True)
class StaffStack:
    stack: LocalStack
    console_url: str

    def secret(self, username: str) -> str:
        pool = self.stack.staff_pool
        assert pool is not None
        return pool.totp_secrets[username]

    def sign_in(self, page: Page, username: str) -> None:
        """`username` ("staff", "admin") signed in with the local pool's password and code."""
        sign_in(
            page, self.console_url, username, local_cognito.DEMO_PASSWORD, self.secret(username)
        )


@pytest.fixture(scope="module")
def staff_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffStack]:
    if not (REPO_ROOT / "build" / "web-staff" / "index.html").exists():
        pytest.fail("the staff console is not built: make staff-console")
    root = tmp_path_factory.mktemp("staff-stack")
    moto_port, api_port, staff_port = free_ports(3)
    with LocalStack(
        moto_port,
        api_port,
        {},
        root / "outbox",
        log_dir=root / "log",
        staff_port=staff_port,
        run_schedules=False,
        echo_mail=False,
    ) as stack:
        assert stack.staff_url is not None
        yield StaffStack(stack, stack.staff_url)


def unreadable_document(text: str, kind: str = "JPEG") -> bytes:
    """A JPEG or PDF the reader finds no zone on: the registration goes to a person's review."""
    image = Image.new("RGB", (640, 400), "white")
    ImageDraw.Draw(image).text((40, 180), text, fill="black")
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


@dataclass(frozen=True)
class Confirmed:
    """A registration made through the API with its e-mail confirmed: what its link opens."""

    registration_id: str
    typed: dict[str, Any]  # the body sent, proof of work aside
    auth: dict[str, str]
    base: str  # the registration's URL in the API

    def upload(self, kind: str, filename: str, content: bytes, content_type: str) -> None:
        request: dict[str, Any] = {
            "kind": kind,
            "filename": filename,
            "content_type": content_type,
            "size_bytes": len(content),
        }
        documents = f"{self.base}/documents"
        granted = requests.post(documents, headers=self.auth, json=request, timeout=10)
        assert granted.status_code == 201, granted.text
        upload = granted.json()["upload"]
        files = {"file": (filename, content, content_type)}
        sent = requests.post(upload["url"], data=upload["fields"], files=files, timeout=10)
        assert sent.status_code in (200, 201, 204), sent.text

    def submit_for_review(self, stack: LocalStack) -> None:
        """Once every document is read: submitted, and in a person's review."""
        wait_until_read(stack.api_url, self.registration_id, self.auth)
        answer = requests.post(f"{self.base}/submit", headers=self.auth, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "in_review", answer.json()


def registered_and_confirmed(stack: LocalStack, email: str, **typed: Any) -> Confirmed:
    """Registered through the API (`typed` over tests.applicant_flow.registration_body), the
    link taken from the mail, the e-mail confirmed: awaiting documents."""
    api = stack.api_url
    body: Any = {**registration_body(email=email, **typed), "altcha": http_proof_of_work(api)}
    created = requests.post(f"{api}/registrations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    registration_id: str = created.json()["registration_id"]
    mail = stack.wait_for_mail(lambda m: m["To"] == email)
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = LINK.search(text)
    assert link is not None and link["id"] == registration_id, text
    auth = {"Authorization": f"Bearer {link['token']}"}
    base = f"{api}/registrations/{registration_id}"
    assert requests.post(f"{base}/confirm-email", headers=auth, timeout=10).status_code == 200
    del body["altcha"]
    return Confirmed(registration_id, body, auth, base)


def submitted_for_review(stack: LocalStack, email: str, **typed: Any) -> str:
    """Registered, confirmed, a photo and a PDF nobody's reader can read, submitted: in review."""
    confirmed = registered_and_confirmed(stack, email, **typed)
    passport = unreadable_document("PASSPORT (test)")
    confirmed.upload("passport", "passport.jpg", passport, "image/jpeg")
    card = unreadable_document("CARD (test)", "PDF")
    confirmed.upload("residence_title", "card.pdf", card, "application/pdf")
    confirmed.submit_for_review(stack)
    return confirmed.registration_id


@dataclass(frozen=True)
class Invited:
    registration_id: str
    family_name: str
    email: str


@dataclass(frozen=True)
class Day:
    """Who the tests' day holds: two people invited today, one invited into a window that is
    over (the desk may mark them missed), one waiting for a review."""

    at_the_desk: Invited
    with_a_pass: Invited
    review_id: str
    review_family_name: str
    missed: Invited


@pytest.fixture(scope="module")
def day(staff_stack: StaffStack) -> Day:
    stack = staff_stack.stack
    # Time injected as make allocate does it: a run "at 00:00" today gives its one place to
    # the 01:00-01:30 window (an hour's notice on the local stage's round-the-clock hours),
    # over by the time the desk looks, unless the tests run between midnight and 01:30.
    email = "kowalska.console@example.org"
    missed_id = submitted_for_review(stack, email, given_names="Olena", family_name="Kowalska")
    verify_by_staff(stack, missed_id)
    early = stack.run_allocation("--at", "00:00", "--slots", "1")
    assert early["invited"] == 1, repr(early)
    missed = Invited(missed_id, "Kowalska", email)
    invited = []
    for given, family in (("Amira", "Haddad"), ("Yusuf", "Demir")):
        email = f"{family.lower()}.console@example.org"
        registration_id = submitted_for_review(stack, email, given_names=given, family_name=family)
        verify_by_staff(stack, registration_id)
        invited.append(Invited(registration_id, family, email))
    # As tests/browser/applicant.py's allocate_today: the day opened wide for whoever waits,
    # as at 07:45 (reachable windows at any hour).
    summary = stack.run_allocation(*TODAYS_APPOINTMENTS)
    assert summary["given_after"] >= 2, repr(summary)
    review = submitted_for_review(
        stack, "review.console@example.org", given_names="Jonas", family_name="Prüfling"
    )
    return Day(invited[0], invited[1], review, "Prüfling", missed)


def reference_of(stack: LocalStack, registration_id: str) -> str:
    """The invitation's reference code, as the day list gives it to staff."""
    answer = requests.get(
        f"{stack.api_url}/staff/appointments",
        headers={"Authorization": f"Bearer {stack.staff_token('staff')}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    (item,) = [i for i in answer.json()["items"] if i["registration_id"] == registration_id]
    reference: str = item["reference"]
    return reference


def invitation_qr(stack: LocalStack, email: str) -> bytes:
    """The QR code image of a person's invitation mail (the pass the entrance scans)."""
    mail = stack.wait_for_mail(
        lambda m: m["To"] == email and any(p.get_content_type() == "image/png" for p in m.walk())
    )
    (png,) = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    content = png.get_payload(decode=True)
    assert isinstance(content, bytes)
    return content


def camera_video(png: bytes, path: Path, frames: int = 10) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of the image held up on a white sheet."""
    width, height = 640, 480
    sheet = Image.new("RGB", (width, height), "white")
    code = Image.open(io.BytesIO(png)).convert("RGB")
    side = 400
    sheet.paste(code.resize((side, side), Image.Resampling.NEAREST), ((width - side) // 2, 40))
    y, cb, cr = sheet.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            video.write(b"FRAME\n" + planes)
    return path


@pytest.fixture(scope="module")
def console_page(browser: Browser, staff_stack: StaffStack) -> Iterator[Page]:
    """One page for the module's tests, on a desktop; script errors and CSP refusals fail."""
    context = browser.new_context(
        viewport=DESKTOP, locale="de-DE", timezone_id="Europe/Berlin", accept_downloads=True
    )
    context.grant_permissions(["camera"])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert problems == []


def sign_in(page: Page, console_url: str, username: str, password: str, secret: str) -> None:
    """Name and password, then the authenticator's code (once more with the next code when the
    30-second step turned between computing and checking it)."""
    page.goto(console_url)
    page.get_by_label("Benutzername oder E-Mail").fill(username)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
    enter_code(page, secret)
    expect(page.locator("header").get_by_text(f"Angemeldet als {username}")).to_be_visible()


def enter_code(page: Page, secret: str, button: str = "Bestätigen") -> None:
    code = page.get_by_label("Sechsstelliger Code")
    code.fill(local_cognito.totp_code(secret))
    page.get_by_role("button", name=button).click()
    wrong = page.get_by_text("Der Code stimmt nicht.")
    signed_in = page.locator("header").get_by_text("Angemeldet als")
    expect(wrong.or_(signed_in)).to_be_visible()
    if wrong.is_visible():
        code.fill(local_cognito.totp_code(secret))
        page.get_by_role("button", name=button).click()


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"staff-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
