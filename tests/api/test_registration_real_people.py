"""POST /registrations with real people's data (issue 15): one-name people, names as on the
document, dates with an unknown day or month, one identity however it is typed, addresses
with an internationalised domain."""
# ruff: noqa: RUF001 (the inputs are the look-alike characters people type)

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import utc_timestamp
from chalicelib.domain.identity import legacy_identity_key
from chalicelib.domain.registration import Registration, Status
from tests.api.test_registration import held_elsewhere, post, problem, table_items
from tests.applicant_flow import PDF, post_form, register, registration_body
from tests.conftest import FixedClock, sent_mails
from tests.registrations import a_registration

# Every pair of issue 15: the same person, as on the card and as in the zone or on a plain
# keyboard. None of them may hold two active registrations.
SAME_PERSON = [
    ("Işık", "ISIK"),
    ("Işık", "Isik"),
    ("Łukasz", "LUKASZ"),
    ("Søren", "SOEREN"),
    ("Søren", "Soren"),
    ("Müller", "MUELLER"),
    ("Müller", "Muller"),
    ("Đorđe", "DJORDJE"),
    ("Đorđe", "Dorde"),
    ("O’Brien", "O'Brien"),
    ("Al-Hassan", "Al Hassan"),
    ("Al-Hassan", "Al\u2010Hassan"),
    ("Al Hassan", "Al\u2010Hassan"),
    ("İlhan", "ILHAN"),
    ("ılgın", "ILGIN"),
]


def family_names() -> list[str]:
    return [i["family_name"]["S"] for i in table_items() if i["SK"]["S"] == "REG"]


def field_errors(response: Any) -> dict[str, str]:
    body = problem(response, 422, "validation_failed")
    return {e["field"]: e["message"] for e in body["errors"]}


# -- one identity ----------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), SAME_PERSON)
def test_the_same_person_typed_another_way_is_refused_as_a_duplicate(
    client: Client, first: str, second: str
) -> None:
    register(client, family_name=first)

    again = registration_body(family_name=second, email="other@example.org")
    held_elsewhere(post(client, again))

    assert len(family_names()) == 1


def test_a_cyrillic_letter_in_a_latin_name_is_refused_and_so_never_a_second_person(
    client: Client,
) -> None:
    register(client, given_names="Anna")

    errors = field_errors(post(client, registration_body(given_names="\u0410nna")))

    assert "Latin letters" in errors["given_names"]
    assert "Cyrillic" in errors["given_names"]
    assert len(family_names()) == 1


@pytest.mark.parametrize("name", ["محمد", "مـحـمـد", "Олена"])
def test_names_in_arabic_or_cyrillic_script_are_refused_with_a_helpful_message(
    client: Client, name: str
) -> None:
    errors = field_errors(post(client, registration_body(family_name=name)))

    assert "Latin letters as on your residence title or passport" in errors["family_name"]
    assert table_items() == []


def test_a_registration_locked_before_issue_15_still_counts(client: Client) -> None:
    """Locked under the key of then (case, accents and spaces folded): a new registration of
    the same person is refused, and the old one keeps working."""
    old = _store_registration_of_before(status=Status.AWAITING_DOCUMENTS)

    held_elsewhere(post(client, registration_body(email="other@example.org")))

    assert [i["registration_id"]["S"] for i in table_items() if i["SK"]["S"] == "REG"] == [
        old.registration_id
    ]


def test_an_unconfirmed_registration_of_before_issue_15_gives_way_and_its_old_lock_goes(
    client: Client, clock: FixedClock
) -> None:
    old = _store_registration_of_before(status=Status.EMAIL_UNVERIFIED)
    clock.now += timedelta(minutes=10)

    retried = register(client, email="olena@example.org")

    registrations = [i for i in table_items() if i["SK"]["S"] == "REG"]
    assert [r["registration_id"]["S"] for r in registrations] == [retried.registration_id]
    locks = [i for i in table_items() if i["PK"]["S"].startswith("PERSON#")]
    assert [lock["registration_id"]["S"] for lock in locks] == [retried.registration_id]
    assert locks[0]["PK"]["S"] != f"PERSON#{old.identity_key}"


def _store_registration_of_before(status: Status) -> Registration:
    c = bootstrap.container()
    born = BirthDate(1991, 4, 12)
    key = legacy_identity_key(c.settings.identity_key, "Kovalenko", "Olena", born)
    assert key is not None
    registration = a_registration(
        registration_id="01JOLDREGISTRATION0000000A",
        status=status,
        date_of_birth=born,
        email="olena@exampel.org",
        language="en",
        title_expires_on=c.clock().date(),
        token_hash="0" * 64,
        identity_key=key,
        created_at=utc_timestamp(c.clock()),
    )
    c.registrations.create(registration)
    return registration


# -- names as on the document ----------------------------------------------------------------


@pytest.mark.parametrize("given", ["", None])
def test_a_person_with_one_name_registers_with_the_family_name_only(
    client: Client, given: str | None
) -> None:
    applicant = register(client, given_names=given, family_name="Wahidullah")
    assert applicant.post("confirm-email").status_code == 200

    view = json.loads(applicant.get().body)

    assert view["family_name"] == "Wahidullah"
    assert view["given_names"] == ""


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("given_names", "-", "at least one letter"),
        ("given_names", "Anna2", "digits"),
        ("given_names", "Urgent: your permit is void, pay at https://x.example", "':'"),
        ("given_names", "www.pay-now.example", "'.'"),
        ("family_name", "anna@example.org", "'@'"),
        ("family_name", "<b>Müller</b>", "'<'"),
        ("family_name", "Müller\u200b", "invisible"),
    ],
)
def test_names_hold_letters_spaces_hyphens_and_apostrophes_only(
    client: Client, field: str, value: str, says: str
) -> None:
    errors = field_errors(post(client, registration_body(**{field: value})))

    assert says in errors[field]
    assert table_items() == []


# -- dates as on the document ----------------------------------------------------------------


@pytest.mark.parametrize("born", ["1990", "1990-05", "1990-05-17"])
def test_a_date_of_birth_with_an_unknown_day_or_month_is_kept_as_the_document_shows_it(
    client: Client, born: str
) -> None:
    applicant = register(client, date_of_birth=born)
    assert applicant.post("confirm-email").status_code == 200

    assert json.loads(applicant.get().body)["date_of_birth"] == born


def test_an_unknown_day_is_not_an_invented_first_of_january(client: Client) -> None:
    """Two different documents' worth of data, so two people: the zone check tells them
    apart later. But the same partial date typed twice is one person."""
    register(client, date_of_birth="1990")
    held_elsewhere(post(client, registration_body(date_of_birth="1990", email="b@example.org")))


@pytest.mark.parametrize(
    ("born", "says"),
    [
        ("04011", "YYYY-MM-DD"),
        ("0001-04-01", "within the last 130 years"),
        ("1990-13", "YYYY-MM-DD"),
        ("1990-02-30", "YYYY-MM-DD"),
        ("1990-00", "YYYY-MM-DD"),
        ("2027", "must not be in the future"),
        ("2026-12", "must not be in the future"),
        ("1990-5-1", "YYYY-MM-DD"),
    ],
)
def test_impossible_dates_of_birth_are_refused_with_a_message(
    client: Client, born: str, says: str
) -> None:
    errors = field_errors(post(client, registration_body(date_of_birth=born)))

    assert says in errors["date_of_birth"]


def test_the_month_of_the_current_year_is_not_in_the_future(client: Client) -> None:
    # Today is 24 November 2026: "2026" and "2026-11" may be a birth that happened already.
    assert post(client, registration_body(date_of_birth="2026-11")).status_code == 201


# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["olena@müller.de", "olena@xn--mller-kva.de"])
def test_an_internationalised_domain_is_stored_as_typed_and_mailed_as_punycode(
    client: Client, typed: str
) -> None:
    assert post(client, registration_body(email=typed)).status_code == 201

    [reg] = [i for i in table_items() if i["SK"]["S"] == "REG"]
    assert reg["email"]["S"] == "olena@müller.de"
    [mail] = sent_mails()
    assert mail["To"] == "olena@xn--mller-kva.de"


def test_a_local_part_needing_smtputf8_is_refused_with_a_clear_message(client: Client) -> None:
    errors = field_errors(post(client, registration_body(email="jürgen@example.de")))

    assert "before the @" in errors["email"]
    assert "cannot be delivered" in errors["email"]
    assert table_items() == []
    assert sent_mails() == []


# -- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("preamble", [b"\xef\xbb\xbf", b"\r\n", b"\x00" * 700])
def test_a_pdf_whose_header_follows_other_bytes_is_verified(
    client: Client, preamble: bytes
) -> None:
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200
    content = preamble + PDF
    granted = json.loads(applicant.request_upload("other", "application/pdf", len(content)).body)

    post_form(granted["upload"], content, "application/pdf")

    [document] = json.loads(applicant.get().body)["documents"]
    assert document["status"] == "verified"


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("image/heic", "HEIC"),
        ("image/heif", "HEIF"),
        ("application/msword", "Word"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    ],
)
def test_heic_and_word_files_are_refused_with_what_to_send_instead(
    client: Client, content_type: str, named: str
) -> None:
    applicant = register(client)
    assert applicant.post("confirm-email").status_code == 200

    answer = applicant.request_upload("passport", content_type, 1000)

    [error] = problem(answer, 422, "validation_failed")["errors"]
    assert error["field"] == "content_type"
    assert error["message"].startswith(f"{named} files cannot be checked here")
    assert "JPEG" in error["message"] and "PDF" in error["message"]
