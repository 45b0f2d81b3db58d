"""An upload on the status page ends in words: its line and bar go once the file is sent, the file
list says what became of it, and a screen reader hears the outcome once. Against the stand-in API
(fake_api.py); the file's destination (the presigned POST) is answered by the test, so the
sending can be held, finished or broken on demand."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, Route, expect

from tests.browser.applicant import expect_heading, messages
from tests.browser.conftest import PHONE, OpenPage
from tests.browser.fake_api import STATUS_LINK, STORAGE_URL, FakeApi, document, registration

pytestmark = pytest.mark.browser

EN = messages("en")
FILENAME = "reisepass.pdf"
PDF: FilePayload = {"name": FILENAME, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
CORS = {"Access-Control-Allow-Origin": "http://form.test"}
# Every text the page's live region (#announcer) was given, in order.
RECORD_ANNOUNCEMENTS = """
window.announced = [];
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("announcer");
  new MutationObserver(() => {
    if (node.textContent) window.announced.push(node.textContent);
  }).observe(node, { childList: true, characterData: true, subtree: true });
});
"""


def _open(page: Page, api: FakeApi) -> list[Route]:
    """The page at "upload your documents"; returns the sendings it holds (answered by the test)."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # (a bound list.append is not a handler Playwright can wrap)

    api.install(page)
    page.route(STORAGE_URL, hold)
    page.add_init_script(RECORD_ANNOUNCEMENTS)
    page.goto(f"{STATUS_LINK}&lang=en")
    expect_heading(page, EN["state.awaiting_documents.heading"])
    return held


def _sending(page: Page, held: list[Route], label: str, files: Any, kind: str = "passport") -> None:
    """`files` chosen at the input labelled `label`: its upload line shows and its sending to
    storage is held (held[0], the one request `_open` holds), for the test to answer."""
    with page.expect_request(STORAGE_URL):
        page.get_by_label(label).set_input_files(files)
    expect(page.locator(f"#progress-{kind}-box")).to_be_visible()
    assert len(held) == 1


def _announced(page: Page) -> list[str]:
    announced: list[str] = page.evaluate("() => window.announced")
    return announced


def _waiting() -> FakeApi:
    return FakeApi(registration(missing_documents=["passport", "residence_title"]))


def _received() -> dict[str, Any]:
    """The view once the service has the passport: listed, verified, no longer missing."""
    return registration(
        documents=[document("passport", "matches", filename=FILENAME)],
        missing_documents=["residence_title"],
    )


def test_the_upload_line_goes_once_the_file_is_received_and_the_outcome_is_said_once(
    open_page: OpenPage,
) -> None:
    api = _waiting()
    page = open_page(viewport=PHONE, locale="en-GB")
    held = _open(page, api)
    box = page.locator("#progress-passport-box")
    uploading = EN["upload.progress"].replace("{filename}", FILENAME)

    _sending(page, held, "Passport: choose a file", PDF)
    expect(page.locator("#progress-passport-label")).to_have_text(uploading)

    api.view = _received()
    held[0].fulfill(status=204, headers=CORS)

    done = EN["upload.done"].replace("{kind}", EN["kind.passport"]).replace("{filename}", FILENAME)
    page.wait_for_function("(done) => window.announced.includes(done)", arg=done)
    expect(box).to_be_hidden()
    expect(page.get_by_text(uploading)).to_be_hidden()
    expect(page.locator("#state-passport")).to_have_text(f"✓ {EN['documents.received']}")
    expect(page.locator("#file-list li")).to_have_text(
        f"{EN['kind.passport']}: {FILENAME} \N{EN DASH} {EN['doc_status.verified']}"
        f" \N{EN DASH} {EN['check.word.matches']}"
    )
    assert _announced(page).count(done) == 1, _announced(page)
    # The file's name stays in the page: not in the address, not in the browser's storage.
    assert FILENAME not in page.url
    stored = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert FILENAME not in stored


def test_a_failed_sending_leaves_no_upload_line_and_is_said_at_the_input(
    open_page: OpenPage,
) -> None:
    api = _waiting()
    page = open_page(viewport=PHONE, locale="en-GB")
    held = _open(page, api)
    passport = page.get_by_label("Passport: choose a file")
    box = page.locator("#progress-passport-box")
    failed = EN["upload.failed"].replace("{filename}", FILENAME)

    passport.focus()
    _sending(page, held, "Passport: choose a file", PDF)
    held[0].abort("connectionreset")

    error = page.locator("#file-passport-error")
    expect(error).to_have_text(failed)
    expect(box).to_be_hidden()
    expect(passport).to_have_attribute("aria-invalid", "true")
    expect(passport).to_have_attribute("aria-describedby", "file-passport-error file-passport-hint")
    # Said once: the input takes the focus back and reads its refusal, the live region does not.
    expect(passport).to_be_focused()
    assert failed not in _announced(page), _announced(page)
    expect(page.locator("#files")).to_be_hidden()


def test_a_failed_sending_is_said_by_the_live_region_when_the_focus_is_elsewhere(
    open_page: OpenPage,
) -> None:
    api = _waiting()
    page = open_page(viewport=PHONE, locale="en-GB")
    held = _open(page, api)
    box = page.locator("#progress-passport-box")
    failed = EN["upload.failed"].replace("{filename}", FILENAME)
    withdraw = page.get_by_role("button", name=EN["withdraw.button"])

    _sending(page, held, "Passport: choose a file", PDF)
    withdraw.focus()  # the person went on while the file was sent
    held[0].abort("connectionreset")

    page.wait_for_function("(failed) => window.announced.includes(failed)", arg=failed)
    expect(box).to_be_hidden()
    expect(page.locator("#file-passport-error")).to_have_text(failed)
    expect(withdraw).to_be_focused()
    assert _announced(page).count(failed) == 1, _announced(page)


def _announcer(page: Page) -> str:
    text: str = page.locator("#announcer").text_content() or ""
    return text


def test_a_refused_file_leaves_no_being_checked_line_in_the_live_region(
    open_page: OpenPage,
) -> None:
    api = _waiting()
    page = open_page(viewport=PHONE, locale="en-GB")
    held = _open(page, api)
    name = "<img src=x onerror=alert(1)>.jpg"
    fake: FilePayload = {"name": name, "mimeType": "image/jpeg", "buffer": b"not a jpeg"}
    checking = EN["upload.checking"].replace("{filename}", name)
    refused = EN["upload.refused"].replace("{filename}", name)

    _sending(page, held, "Other document: choose a file", fake, kind="other")
    rejected = {**document("other", "not_read", number=1, filename=name), "status": "rejected"}
    api.view = registration(documents=[rejected], missing_documents=["passport", "residence_title"])
    held[0].fulfill(status=204, headers=CORS)

    expect(page.locator("#file-other-error")).to_have_text(refused)
    expect(page.locator("#file-list li")).to_contain_text(EN["doc_status.rejected"])
    # The list says refused: nothing on the page still says it is being checked.
    expect(page.locator("#announcer")).not_to_have_text(checking)
    expect(page.get_by_text(checking).filter(visible=True)).to_have_count(0)
    assert _announcer(page) in ("", refused), _announced(page)


def test_the_live_region_is_cleared_when_the_registration_enters_the_queue(
    open_page: OpenPage,
) -> None:
    api = _waiting()
    page = open_page(viewport=PHONE, locale="en-GB")
    held = _open(page, api)
    _sending(page, held, "Passport: choose a file", PDF)
    api.view = registration(
        documents=[
            document("passport", "matches", filename=FILENAME),
            document("residence_title", "matches", number=2),
        ],
    )
    held[0].fulfill(status=204, headers=CORS)
    done = EN["upload.done"].replace("{kind}", EN["kind.passport"]).replace("{filename}", FILENAME)
    page.wait_for_function("(done) => window.announced.includes(done)", arg=done)
    expect(page.locator("#announcer")).to_have_text(done)

    page.get_by_role("button", name=EN["submit.button"]).click()

    expect_heading(page, EN["state.waiting.heading"])
    expect(page.locator("#announcer")).to_be_empty()
    expect(page.get_by_text(done).filter(visible=True)).to_have_count(0)


@pytest.mark.parametrize("language", ["de", "en", "tr", "ar", "uk"])
def test_no_upload_is_said_to_be_under_way_once_it_is_received(
    language: str, open_page: OpenPage
) -> None:
    m = messages(language)
    api = _waiting()
    page = open_page(viewport=PHONE, locale="en-GB")
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    api.install(page)
    page.route(STORAGE_URL, hold)
    page.goto(f"{STATUS_LINK}&lang={language}")
    expect_heading(page, m["state.awaiting_documents.heading"])
    label = m["upload.label"].replace("{kind}", m["kind.passport"])
    with page.expect_request(STORAGE_URL):
        page.get_by_label(label).set_input_files(PDF)
    progress = m["upload.progress"].replace("{filename}", FILENAME)
    expect(page.locator("#progress-passport-label")).to_have_text(progress)
    assert len(held) == 1

    api.view = _received()
    held[0].fulfill(status=204, headers=CORS)

    expect(page.locator("#state-passport")).to_have_text(f"✓ {m['documents.received']}")
    for key in ("upload.progress", "upload.uploading", "upload.checking"):
        under_way = m[key].replace("{filename}", FILENAME)
        expect(page.get_by_text(under_way).filter(visible=True)).to_have_count(0)
        expect(page.locator("#announcer")).not_to_have_text(under_way)
