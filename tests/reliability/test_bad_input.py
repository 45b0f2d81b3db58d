"""Bad input through the real app on moto (Hypothesis): names in any script and of any length,
impossible and implausible dates, e-mail header injection, huge and deeply nested bodies,
unknown fields. Never a 5xx, never a second recipient, never a stored unknown field.
OWASP ASVS 4.0.3 V5.1 (input validation), V5.2.2/V5.2.3 (sanitisation, mail injection),
V13.1.5 (content types)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, timedelta
from email.message import Message
from email.utils import getaddresses
from itertools import count
from typing import Any

import boto3
import pytest
from chalice.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from chalicelib.api.http import MAX_BODY_BYTES
from tests.applicant_flow import JSON, LINK, register, registration_body, with_proof
from tests.conftest import REGION, TEST_ENV, sent_mails, text_part
from tests.reliability.conftest import Figures, generated

pytestmark = pytest.mark.reliability

TODAY = date(2026, 11, 24)  # the fixed clock's office date
_JOINERS = {"\u200c", "\u200d"}
_people = count()


def unique_letters() -> str:
    """A different family name for every registration of a test run (letters only)."""
    n = next(_people)
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters += chr(ord("a") + digit)
        if n == 0:
            return "Zz" + letters


def post_registration(client: Client, body: dict[str, Any] | str | bytes) -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.http.post("/registrations", headers=JSON, body=raw)


def registration_items() -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": TEST_ENV["TABLE_NAME"]}
    while True:
        page = ddb.scan(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return [i for i in items if i["SK"]["S"] == "REG"]
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_view(client: Client, registration_id: str, token: str) -> dict[str, Any]:
    answer = client.http.get(
        f"/registrations/{registration_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.body
    view: dict[str, Any] = json.loads(answer.body)
    return view


# -- names ------------------------------------------------------------------------------------

SCRIPTS = [
    "Zoë",
    "O'Brien",
    "D\u2019Angelo",
    "Straße",
    "Олена",
    "Ковалéнко",
    "محمد",
    "عبد الله",
    "Nguyễn",
    "e\u0301\u0327",  # combining marks
    "李",
    "Mohammad\u200cReza",
    " ",
    "-",
    "\t",
    "\u0000",
    "\u0007",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u0085",
    "\ud7ff",
]
names = st.one_of(
    st.lists(st.sampled_from(SCRIPTS), min_size=1, max_size=8).map("".join),
    st.text(max_size=120),
    st.integers(min_value=90, max_value=10_000).map(lambda n: ("ß" * n)[:n]),
    st.integers(min_value=90, max_value=10_000).map(lambda n: ("Ол" * n)[:n]),
)


def _hidden(value: str) -> bool:
    return any(unicodedata.category(ch).startswith("C") and ch not in _JOINERS for ch in value)


_NAME_PUNCTUATION = "-\u2010\u2011\u2012\u2013\u2014'\u2019\u2018\u02bc`\u00b4"


def _as_on_a_document(value: str) -> bool:
    """Latin letters (any diacritics), marks, spaces, hyphens and apostrophes, and a letter
    (issue 15: names as on the residence title or passport)."""
    return any(ch.isalpha() for ch in value) and all(
        ch == " "
        or ch in _NAME_PUNCTUATION
        or unicodedata.category(ch).startswith("M")
        or (
            unicodedata.category(ch).startswith("L")
            and unicodedata.name(ch, "").startswith("LATIN")
        )
        for ch in value
    )


def test_names_as_on_a_document_are_stored_as_written_others_refused_by_field(
    client: Client, figures: Figures
) -> None:
    tried = bad = 0
    outcomes: set[int] = set()

    @generated(60, 400)
    @given(given_names=names, family_name=names)
    @example(given_names="a" * 10_000, family_name="Kovalenko")
    @example(given_names="O'Neil-Ünal", family_name="Аль-Хаддад محمد")
    @example(given_names="O\u02bcNeil", family_name="D\u2019Angelo-\u0141ukasz")
    @example(given_names="Zoe\u0000", family_name="Smith")
    def check(given_names: str, family_name: str) -> None:
        nonlocal tried, bad
        tried += 1
        unique = unique_letters()
        body = with_proof(
            client,
            registration_body(
                given_names=f"{given_names}",
                family_name=family_name,
                email=f"{unique}@example.org",
                date_of_birth=(date(1950, 1, 1) + timedelta(days=tried)).isoformat(),
            ),
        )
        raw = json.dumps(body)
        answer = post_registration(client, raw)
        outcomes.add(answer.status_code)
        if answer.status_code >= 500:
            bad += 1
        assert answer.status_code in {201, 413, 422}, answer.body
        if len(raw.encode()) > MAX_BODY_BYTES:
            assert answer.status_code == 413
            return
        # Zero-width joiners mean nothing in Latin letters: dropped, not refused.
        expected = {
            field: unicodedata.normalize(
                "NFC", " ".join("".join(c for c in value if c not in _JOINERS).split())
            )
            for field, value in (("given_names", given_names), ("family_name", family_name))
        }
        refusable = any(
            len(raw_value.strip()) > 100
            or _hidden(value)
            # One-name people leave the given names empty.
            or ((value or field == "family_name") and not _as_on_a_document(value))
            for (field, value), raw_value in zip(
                expected.items(), (given_names, family_name), strict=True
            )
        )
        if answer.status_code == 422:
            fields = {e["field"] for e in json.loads(answer.body)["errors"]}
            assert fields <= {"given_names", "family_name"}, fields
            assert refusable, (given_names, family_name, fields)
            return
        assert not refusable, (given_names, family_name)
        created = json.loads(answer.body)
        mail = _last_mail_to(f"{unique}@example.org")
        token = _token_of(mail)
        view = stored_view(client, created["registration_id"], token)
        assert {k: view[k] for k in expected} == expected

    check()
    figures.add("input.names", tried=tried, bad=bad)
    assert outcomes == {201, 413, 422}  # the examples reached every outcome


def _last_mail_to(address: str) -> Message:
    for mail in reversed(sent_mails()):
        if mail["To"] == address:
            return mail
    raise AssertionError(f"no mail to {address}")


def _token_of(mail: Message) -> str:
    found = LINK.search(text_part(mail))
    assert found
    return found["token"]


# -- dates ------------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


EDGE_DATES = [
    date(2024, 2, 29),
    date(2000, 2, 29),
    date(1904, 2, 29),
    TODAY,
    TODAY + timedelta(days=1),
    TODAY + timedelta(days=7),
    TODAY + timedelta(days=8),
    _years_before(TODAY, 120),
    _years_before(TODAY, 130),
    _years_before(TODAY, 130) - timedelta(days=1),
    _years_before(TODAY, 131),
    date(1, 1, 1),
    date(9999, 12, 31),
]
dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates(date(1850, 1, 1), date(2100, 12, 31)))
BAD_DATE_TEXTS = ["2023-02-29", "2024-02-30", "2024-13-01", "24-11-2026", "2026-11-24T00:00", ""]


def test_dates_follow_the_rules_exactly(client: Client, figures: Figures) -> None:
    tried = bad = 0
    codes: set[str | None] = set()

    @generated(60, 400)
    @given(born=dates, expires=dates)
    def check(born: date, expires: date) -> None:
        nonlocal tried, bad
        tried += 1
        unique = unique_letters()
        answer = post_registration(
            client,
            with_proof(
                client,
                registration_body(
                    family_name=unique,
                    email=f"{unique}@example.org",
                    date_of_birth=born.isoformat(),
                    title_expires_on=expires.isoformat(),
                ),
            ),
        )
        if answer.status_code >= 500:
            bad += 1
        expected: tuple[int, str | None]
        if born > TODAY or born < _years_before(TODAY, 130) or expires <= born:
            expected = (422, "validation_failed")
        elif expires > TODAY + timedelta(days=7):
            expected = (422, "not_eligible")
        else:
            expected = (201, None)
        codes.add(expected[1])
        assert answer.status_code == expected[0], (born, expires, answer.body)
        if expected[1]:
            assert json.loads(answer.body)["code"] == expected[1]

    check()
    for text in BAD_DATE_TEXTS:
        for field in ("date_of_birth", "title_expires_on"):
            tried += 1
            answer = post_registration(
                client, with_proof(client, registration_body(**{field: text}))
            )
            bad += answer.status_code >= 500
            assert answer.status_code == 422, (field, text)
            assert field in {e["field"] for e in json.loads(answer.body)["errors"]}
    figures.add("input.dates", tried=tried, bad=bad)
    assert codes == {None, "validation_failed", "not_eligible"}


# -- e-mail header injection ------------------------------------------------------------------

VICTIM = "victim@evil.example"
INJECTIONS = [
    f"\r\nBcc: {VICTIM}",
    f"\nBcc: {VICTIM}",
    f"\rCc: {VICTIM}",
    f"%0d%0aBcc:{VICTIM}",
    f"\r\n\r\nInjected body {VICTIM}",
    f",{VICTIM}",
    f";{VICTIM}",
    f" <{VICTIM}>",
    f"\u2028Bcc: {VICTIM}",
    f"\u0085Bcc: {VICTIM}",
    "\x00",
    f'"\r\nBcc: {VICTIM}"',
]


def recipients(mail: Message) -> list[str]:
    headers = [str(mail.get(h, "")) for h in ("To", "Cc", "Bcc")]
    return [address for _, address in getaddresses(headers) if address]


def test_an_email_address_never_adds_a_recipient(client: Client, figures: Figures) -> None:
    tried = bad = 0
    accepted = 0

    @generated(60, 400)
    @given(
        local=st.from_regex(r"[a-z][a-z0-9.]{0,20}", fullmatch=True),
        injection=st.sampled_from(["", *INJECTIONS]),  # "": a clean address, the control
        where=st.sampled_from(["end", "before-at", "start"]),
    )
    def check(local: str, injection: str, where: str) -> None:
        nonlocal tried, bad, accepted
        tried += bool(injection)
        unique = unique_letters()
        address = {
            "end": f"{local}@example.org{injection}",
            "before-at": f"{local}{injection}@example.org",
            "start": f"{injection}{local}@example.org",
        }[where]
        before = len(sent_mails())
        answer = post_registration(
            client,
            with_proof(client, registration_body(family_name=unique, email=address)),
        )
        mails = sent_mails()[before:]
        reached = [m for m in mails if VICTIM in recipients(m) or len(recipients(m)) != 1]
        bad += len(reached) + (answer.status_code >= 500)
        assert reached == []
        assert answer.status_code in {201, 422}, answer.body
        if answer.status_code == 201:
            accepted += not injection
            [mail] = mails
            assert recipients(mail) == [str(mail["To"])]
            assert VICTIM not in mail.as_string()

    check()
    figures.add("input.mail_injection", tried=tried, bad=bad)
    assert accepted > 0  # clean addresses went through: the refusals are not blanket ones


# -- huge and deep bodies ----------------------------------------------------------------------


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def test_huge_and_deeply_nested_bodies_are_refused_as_client_errors(
    client: Client, figures: Figures
) -> None:
    tried = bad = 0
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    auth = {**JSON, "Authorization": f"Bearer {applicant.token}"}
    targets = ["/registrations", f"/registrations/{applicant.registration_id}/documents"]

    @generated(30, 200)
    @given(
        size=st.one_of(
            st.just(1024 * 1024),
            st.integers(min_value=MAX_BODY_BYTES + 1, max_value=2 * 1024 * 1024),
        ),
        depth=st.one_of(st.integers(1, 100), st.integers(100, 200_000)),
        kind=st.sampled_from(["array", "object", "inside"]),
        target=st.sampled_from(targets),
    )
    @example(size=1024 * 1024, depth=100_000, kind="object", target=targets[0])
    def check(size: int, depth: int, kind: str, target: str) -> None:
        nonlocal tried, bad
        huge = json.dumps({**registration_body(), "family_name": "x" * size})
        if kind == "inside":
            deep = json.dumps(registration_body())[:-1] + ', "extra": ' + _nested(depth, "array")
            deep += "}"
        else:
            deep = _nested(depth, kind)
        for raw in (huge, deep):
            tried += 1
            answer = client.http.post(target, headers=auth, body=raw)
            bad += answer.status_code >= 500
            assert answer.status_code in {400, 413, 422}, (target, len(raw), answer.body)
            if len(raw.encode()) > MAX_BODY_BYTES:
                assert answer.status_code == 413
            assert answer.headers["Content-Type"] == "application/problem+json"

    check()
    figures.add("input.huge_and_deep", tried=tried, bad=bad)


# -- unknown fields ---------------------------------------------------------------------------

SERVER_FIELDS = [
    "status",
    "appointment",
    "registration_id",
    "token_hash",
    "identity_key",
    "queued_at",
    "email_confirmed_at",
    "document_count",
    "expires_at",
    "office_id",
    "checked_in_at",
    "GSI1PK",
    "PK",
    "object_key",
    "__proto__",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


def test_unknown_fields_are_refused_and_never_stored(client: Client, figures: Figures) -> None:
    tried = bad = 0
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200

    @generated(60, 400)
    @given(
        field=st.one_of(st.sampled_from(SERVER_FIELDS), st.text(min_size=1, max_size=30)),
        value=json_values,
        route=st.sampled_from(["register", "document"]),
    )
    @example(field="status", value="waiting", route="register")
    @example(field="appointment", value={"date": "2026-11-25"}, route="register")
    def check(field: str, value: Any, route: str) -> None:
        nonlocal tried, bad
        marker = f"UNKNOWN-{unique_letters()}"
        if route == "register":
            body = registration_body(family_name=marker.replace("-", ""))
            if field in body or field == "altcha":
                return
            body[field] = value if value is not None else marker
            answer = post_registration(client, with_proof(client, body))
        else:
            body = {
                "kind": "passport",
                "filename": f"{marker}.pdf",
                "content_type": "application/pdf",
                "size_bytes": 10,
            }
            if field in body:
                return
            body[field] = value if value is not None else marker
            answer = applicant.post("documents", body)
        tried += 1
        bad += answer.status_code >= 500
        assert answer.status_code == 422, (field, answer.body)
        assert field in {e["field"] for e in json.loads(answer.body)["errors"]}
        stored = json.dumps(registration_items()) + json.dumps(
            stored_view(client, applicant.registration_id, applicant.token)
        )
        if marker in stored:
            bad += 1
        assert marker.replace("-", "") not in stored and marker not in stored

    check()
    figures.add("input.unknown_fields", tried=tried, bad=bad)
