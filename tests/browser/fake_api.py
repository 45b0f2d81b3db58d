"""The status page against a stand-in for the applicant API, inside the browser: each state of a
document's check is shown exactly when it is wanted, without waiting for a reader.

Playwright answers the page's requests: the files of web/ and KERN's under /kern/ (as
infra/web_form.py serves them, with a config.js naming the fake API) and the API calls, from a
registration view the test shapes. The real API is exercised by the tests that run the local
stack (test_document_checks.py's second half).
"""

from __future__ import annotations

import copy
import hashlib
import json
import mimetypes
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Page, Route

from infra.local_stack import REPO_ROOT
from infra.web_form import KERN_DIR, KERN_PATH

WEB = REPO_ROOT / "web"
FORM_ORIGIN = "http://form.test"
API_ORIGIN = "http://api.test"
SECURE_FORM_ORIGIN = "https://form.test"
SECURE_API_ORIGIN = "https://api.test"
# Where an upload grant sends the file (the presigned POST's url); the tests route it.
STORAGE_URL = "http://storage.test/documents"
REGISTRATION_ID = "0123456789abcdef0123456789abcdef"
TOKEN = "fake-token"
STATUS_LINK = f"{FORM_ORIGIN}/status.html#id={REGISTRATION_ID}&token={TOKEN}"
REFERENCE = "7K3MQ9XD"
# The registration form's proof of work, made easy: the page finds CHALLENGE_NUMBER at once.
CHALLENGE_SALT = "fake-salt?expires=4102444800"
CHALLENGE_NUMBER = 7
CHALLENGE = {
    "algorithm": "SHA-256",
    "challenge": hashlib.sha256(f"{CHALLENGE_SALT}{CHALLENGE_NUMBER}".encode()).hexdigest(),
    "maxnumber": 50,
    "salt": CHALLENGE_SALT,
    "signature": "fake-signature",
}
# The office's day in the tests that speak of today (their browser clock is set to it).
TODAY = "2026-11-30"
MAP_LINK = "https://www.openstreetmap.org/?mlat=48.7823&mlon=9.1769#map=18/48.7823/9.1769"
ADDRESS = "Ausländerbehörde Stuttgart, Hauptstätter Straße 63, 70178 Stuttgart"


def document(
    kind: str,
    check: str,
    mismatches: list[dict[str, Any]] | None = None,
    *,
    number: int = 1,
    filename: str | None = None,
) -> dict[str, Any]:
    return {
        "document_id": f"doc{number}",
        "kind": kind,
        "filename": filename or f"{kind}.jpg",
        "status": "verified",
        "check": check,
        "mismatches": mismatches or [],
    }


def mismatch(field_: str, typed: str, on_document: str) -> dict[str, Any]:
    correctable = field_ in {"title_expires_on", "date_of_birth", "family_name", "given_names"}
    return {"field": field_, "typed": typed, "document": on_document, "correctable": correctable}


def registration(status: str = "awaiting_documents", **changes: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "registration_id": REGISTRATION_ID,
        "status": status,
        "given_names": "Olena",
        "family_name": "Müller",
        "date_of_birth": "1991-04-12",
        "title_type": "residence_permit",
        "title_expires_on": "2026-11-02",
        "documents": [],
        "missing_documents": [],
        "queue_position": None,
        "appointment": None,
        "reference": REFERENCE,
        "can_release": False,
        "released_on": None,
    }
    view.update(changes)
    return view


def invitation(**changes: Any) -> dict[str, Any]:
    """A registration invited for TODAY, 10:00 to 10:30 in Stuttgart, that can still be released."""
    appointment = {
        "date": TODAY,
        "window_start": f"{TODAY}T10:00:00+01:00",
        "window_end": f"{TODAY}T10:30:00+01:00",
        "address": ADDRESS,
        "map_link": MAP_LINK,
        "reference": REFERENCE,
    }
    return registration(
        **{"status": "invited", "appointment": appointment, "can_release": True, **changes}
    )


@dataclass
class FakeApi:
    """What the API answers; `calls` lists every (method, path, body) the page sent."""

    view: dict[str, Any]
    # Answers for the next POSTs to /corrections (status, body); when empty: `on_correction`.
    correction_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Answers for the next POSTs to /release; when empty: as the service releases.
    release_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Answers for the next POSTs to /registrations; when empty: 201, as for a new registration.
    registration_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    # The registration form's proof of work needs a secure context (crypto.subtle): its tests
    # serve the pages and the API over https (SECURE_FORM_ORIGIN, SECURE_API_ORIGIN).
    form_origin: str = FORM_ORIGIN
    api_origin: str = API_ORIGIN

    def install(self, page: Page) -> None:
        page.route(f"{self.form_origin}/**", self._serve_file)
        page.route(f"{self.api_origin}/**", self._answer)

    def gets(self) -> int:
        return sum(1 for method, _, _ in self.calls if method == "GET")

    def posts(self) -> list[str]:
        """The paths of every POST the page sent, in order."""
        return [path for method, path, _ in self.calls if method == "POST"]

    def _serve_file(self, route: Route) -> None:
        name = urlparse(route.request.url).path.lstrip("/") or "index.html"
        if name == "config.js":
            body = f'window.NFT_CONFIG = Object.freeze({{ apiBaseUrl: "{self.api_origin}" }});'
            route.fulfill(status=200, content_type="text/javascript", body=body)
            return
        folder = WEB
        if f"/{name}".startswith(KERN_PATH):
            folder, name = KERN_DIR, name[len(KERN_PATH) - 1 :]
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents or not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(status=200, content_type=content_type, body=path.read_bytes())

    def _answer(self, route: Route) -> None:
        request = route.request
        path = urlparse(request.url).path
        cors = {
            "Access-Control-Allow-Origin": self.form_origin,
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
            "Access-Control-Allow-Methods": "GET, POST, DELETE",
        }
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
            return
        body = json.loads(request.post_data) if request.post_data else None
        self.calls.append((request.method, path, body))
        base = f"/registrations/{REGISTRATION_ID}"
        status, answer = 404, {"code": "not_found", "title": "Not found", "status": 404}
        if request.method == "GET" and path == "/registrations/challenge":
            status, answer = 200, CHALLENGE
        elif request.method == "POST" and path == "/registrations":
            status, answer = self._register()
        elif request.method == "GET" and path == base:
            status, answer = 200, self.view
        elif request.method == "POST" and path == f"{base}/corrections":
            status, answer = self._correct(body or {})
        elif request.method == "POST" and path == f"{base}/submit":
            status, answer = 200, self._submit()
        elif request.method == "POST" and path == f"{base}/release":
            status, answer = self._release()
        elif request.method == "POST" and path == f"{base}/documents":
            status, answer = 201, self._grant()
        content_type = "application/json" if status < 400 else "application/problem+json"
        route.fulfill(
            status=status, headers=cors, content_type=content_type, body=json.dumps(answer)
        )

    def _register(self) -> tuple[int, dict[str, Any]]:
        if self.registration_answers:
            return self.registration_answers.pop(0)
        return 201, {"registration_id": REGISTRATION_ID, "status": "email_unverified"}

    def _correct(self, changes: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.correction_answers:
            return self.correction_answers.pop(0)
        # As the service does: the typed value becomes the document's, the mismatch goes.
        view = copy.deepcopy(self.view)
        for name, value in changes.items():
            view[name] = value
            for d in view["documents"]:
                d["mismatches"] = [m for m in d["mismatches"] if m["field"] != name]
                if d["check"] == "mismatch" and not d["mismatches"]:
                    d["check"] = "matches"
        self.view = view
        return 200, view

    def _submit(self) -> dict[str, Any]:
        reads = [d for d in self.view["documents"] if d["kind"] != "other"]
        by_hand = any(d["check"] in ("mismatch", "unreadable") for d in reads)
        self.view = {**self.view, "status": "in_review" if by_hand else "waiting"}
        if not by_hand:
            self.view["queue_position"] = 4
        return self.view

    def _grant(self) -> dict[str, Any]:
        """An upload grant as the service gives it: the file goes to STORAGE_URL (the test answers
        there); the document id is the next of the view's."""
        number = len(self.view["documents"]) + 1
        return {
            "document_id": f"doc{number}",
            "upload": {"url": STORAGE_URL, "fields": {"key": f"uploads/doc{number}"}},
        }

    def _release(self) -> tuple[int, dict[str, Any]]:
        if self.release_answers:
            return self.release_answers.pop(0)
        if not self.view.get("can_release"):
            return problem(409, "invalid_state")
        # As the service does: back to waiting, released today, not invited again today.
        self.view = {
            **self.view,
            "status": "waiting",
            "appointment": None,
            "can_release": False,
            "released_on": TODAY,
            "queue_position": 3,
        }
        return 200, self.view


def problem(status: int, code: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    """A problem+json answer as the API's error mapper writes it (title and detail in English)."""
    return status, {
        "type": f"urn:notfalltermin:problem:{code}",
        "title": "The request is not valid",
        "status": status,
        "detail": "A correction must make your data what your document says.",
        "code": code,
        **extra,
    }
