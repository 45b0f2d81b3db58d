"""Browser tests: Debian's Chromium, driven by Playwright, against the running local stack."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from infra.local_stack import REPO_ROOT
from tests.e2e.conftest import local_stack, local_stack_env, web_port

# The e2e stack fixtures, shared: the stack serves the web form on a free port.
__all__ = ["local_stack", "local_stack_env", "web_port"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# The screenshots' desk: docs/screenshots/ shows the pages at 1280 by 800 and on a phone.
DESK = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)

OpenPage = Callable[..., Page]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """A new browser profile and page: `open_page(viewport=PHONE, locale="de-DE")`.

    Uncaught script errors and Content-Security-Policy refusals fail the test.
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_(viewport: dict[str, int] | None = None, locale: str = "de-DE") -> Page:
        size = viewport or PHONE
        context = browser.new_context(
            viewport={"width": size["width"], "height": size["height"]},
            locale=locale,
            timezone_id="Europe/Berlin",
            is_mobile=size["width"] < 600,
            has_touch=size["width"] < 600,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == []


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the pictures of the main states go (a test artefact; var/ is not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
