"""The local stack serves the web form, configured to its API, and the mail link opens it."""

from __future__ import annotations

import re

import pytest
import requests

from infra.local_stack import LocalStack
from tests.applicant_flow import http_proof_of_work, registration_body

pytestmark = pytest.mark.e2e


def _form(stack: LocalStack) -> str:
    assert stack.web_url is not None
    return stack.web_url


def test_the_pages_are_served(local_stack: LocalStack) -> None:
    for page in ("/", "/index.html", "/status.html"):
        answer = requests.get(_form(local_stack) + page, timeout=10)

        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<script src="config.js" defer></script>' in answer.text
    language = requests.get(f"{_form(local_stack)}/i18n/ar.json", timeout=10)
    assert language.status_code == 200
    assert language.json()["register.submit"] == "تسجيل"


def test_config_js_points_at_the_local_api(local_stack: LocalStack) -> None:
    answer = requests.get(f"{_form(local_stack)}/config.js", timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/javascript")
    assert f'{{"apiBaseUrl": "{local_stack.api_url}"}}' in answer.text


def test_the_pages_may_call_only_the_api_and_the_documents_bucket(local_stack: LocalStack) -> None:
    policy = requests.get(_form(local_stack), timeout=10).headers["Content-Security-Policy"]

    connect = re.search(r"connect-src ([^;]+)", policy)
    assert connect is not None
    assert set(connect.group(1).split()) == {
        "'self'",
        local_stack.api_url,
        local_stack.endpoint_url,
    }
    assert "script-src 'self';" in policy


def test_no_directory_listing_and_nothing_outside_web(local_stack: LocalStack) -> None:
    listing = requests.get(f"{_form(local_stack)}/i18n/", timeout=10)
    outside = requests.get(f"{_form(local_stack)}/../app.py", timeout=10)

    assert listing.status_code == 404
    assert outside.status_code == 404


def test_the_api_allows_the_form_origin_only(local_stack: LocalStack) -> None:
    def preflight(origin: str) -> requests.Response:
        return requests.options(
            f"{local_stack.api_url}/registrations",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            timeout=10,
        )

    allowed = preflight(_form(local_stack))
    other = preflight("http://127.0.0.1:1")

    assert allowed.headers.get("Access-Control-Allow-Origin") == _form(local_stack)
    assert "Access-Control-Allow-Origin" not in other.headers


def test_the_mail_link_opens_the_status_page_of_the_form(local_stack: LocalStack) -> None:
    email = "e2e.form.link@example.org"
    body = registration_body(email=email, family_name="Formlink", given_names="Mira")
    body["altcha"] = http_proof_of_work(local_stack.api_url)
    created = requests.post(f"{local_stack.api_url}/registrations", json=body, timeout=10)
    assert created.status_code == 201, created.text

    mail = local_stack.wait_for_mail(lambda m: m["To"] == email)
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    registration_id = created.json()["registration_id"]
    assert f"{_form(local_stack)}/status.html#id={registration_id}&token=" in text.get_content()
