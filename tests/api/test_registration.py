"""POST /registrations: eligibility, identity, validation, mail, and nothing half-written."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from chalicelib import bootstrap
from tests.applicant_flow import JSON, queued, register, registration_body, with_proof
from tests.conftest import REGION, TEST_ENV, FixedClock, html_part, sent_mails, text_part


def post(client: Client, body: Any, headers: dict[str, str] | None = None) -> Any:
    """POST /registrations; a JSON object gets a freshly solved challenge unless it has one."""
    if isinstance(body, dict) and "altcha" not in body:
        body = with_proof(client, body)
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.http.post("/registrations", headers=headers or JSON, body=raw)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"] and body["type"]
    return body


def held_elsewhere(response: Any) -> str:
    """The answer to an attempt on an identity that is already active (issue 16): the same
    201 as a new registration, with an id stored nowhere; only the mail to the address that
    asked says what happened. Returns that mail's text."""
    assert response.status_code == 201, response.body
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == "email_unverified"
    stored = {i["registration_id"]["S"] for i in table_items() if i["SK"]["S"] == "REG"}
    assert body["registration_id"] not in stored
    explained = [text_part(m) for m in sent_mails() if "no second one was made" in text_part(m)]
    assert explained, "no mail explains the attempt"
    return explained[-1]


def table_items() -> list[dict[str, Any]]:
    """Every item but the spent proof-of-work solutions (which hold no personal data)."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    items = ddb.scan(TableName=TEST_ENV["TABLE_NAME"])["Items"]
    return [i for i in items if not i["PK"]["S"].startswith("ALTCHA#")]


def test_registers_and_mails_a_link_in_the_applicants_language(client: Client) -> None:
    response = post(client, registration_body(language="en"))

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = json.loads(response.body)
    assert set(body) == {"registration_id", "status"}
    assert body["status"] == "email_unverified"
    [mail] = sent_mails()
    assert mail["To"] == "olena.k@example.org"
    assert mail["From"] == TEST_ENV["MAIL_SENDER"]
    assert mail["Subject"] == "Emergency appointment: please confirm your registration"
    link = f"http://127.0.0.1:8080/status.html#id={body['registration_id']}&token="
    assert link in text_part(mail)
    assert link.replace("&", "&amp;") in html_part(mail)


def test_mail_is_german_by_default(client: Client) -> None:
    assert post(client, registration_body(language=None)).status_code == 201
    [mail] = sent_mails()
    assert mail["Subject"] == "Notfalltermin: Bitte bestätigen Sie Ihre Registrierung"
    assert "Guten Tag Olena Kovalenko" in text_part(mail)


def test_token_is_only_in_the_mail_and_only_its_hash_is_stored(client: Client) -> None:
    applicant = register(client)
    assert len(applicant.token) >= 43  # 32 random bytes, URL-safe base64
    stored = json.dumps(table_items())
    assert applicant.token not in stored
    assert "token_hash" in stored


def test_personal_data_is_stored_as_given_and_identity_only_as_a_hash(client: Client) -> None:
    register(client)
    [reg] = [i for i in table_items() if i["SK"]["S"] == "REG"]
    assert reg["given_names"]["S"] == "Olena"
    assert reg["nationality"]["S"] == "UKR"
    [lock] = [i for i in table_items() if i["PK"]["S"].startswith("PERSON#")]
    assert "kovalenko" not in lock["PK"]["S"].lower()


@pytest.mark.parametrize("expires_on", ["2020-01-01", "2026-11-24", "2026-12-01"])
def test_expired_or_expiring_within_seven_days_is_eligible(client: Client, expires_on: str) -> None:
    assert post(client, registration_body(title_expires_on=expires_on)).status_code == 201


def test_later_expiry_is_refused_with_the_first_possible_date(client: Client) -> None:
    body = problem(
        post(client, registration_body(title_expires_on="2026-12-02")), 422, "not_eligible"
    )
    assert body["first_possible_date"] == "2026-11-25"
    assert "2026-11-25" in body["detail"]
    assert sent_mails() == []
    assert table_items() == []


def test_eligibility_uses_the_berlin_date(client: Client, clock: FixedClock) -> None:
    # 23:30 UTC on 24 Nov is 00:30 on 25 Nov in Stuttgart: 2 Dec is then within seven days.
    clock.set("2026-11-24T23:30:00+00:00")
    assert post(client, registration_body(title_expires_on="2026-12-02")).status_code == 201


@pytest.mark.parametrize(
    ("family", "given", "dob"),
    [
        ("Kovalenko", "Olena", "1991-04-12"),
        ("KOVALENKO", "olena", "1991-04-12"),
        ("  Kovalénko ", "O lena", "1991-04-12"),
    ],
)
def test_second_active_registration_of_a_person_is_refused(
    client: Client, family: str, given: str, dob: str
) -> None:
    register(client)
    again = registration_body(
        family_name=family, given_names=given, date_of_birth=dob, email="other@example.org"
    )
    held_elsewhere(post(client, again))
    # The link to the holder, the explanation to the other address, the notice to the holder.
    assert len(sent_mails()) == 3


def test_the_duplicate_answer_says_when_an_unconfirmed_registration_gives_way(
    client: Client,
) -> None:
    register(client)

    found = held_elsewhere(post(client, registration_body(email="right@example.org")))

    assert "register again after 10 minutes" in found


def test_an_unconfirmed_registration_gives_way_to_the_persons_next_one_after_10_minutes(
    client: Client, clock: FixedClock
) -> None:
    # The first address was mistyped: its link went nowhere.
    mistyped = register(client, email="olena@exampel.org")
    clock.now += timedelta(minutes=9, seconds=59)
    held_elsewhere(post(client, registration_body(email="olena@example.org")))
    clock.now += timedelta(seconds=1)

    retried = register(client, email="olena@example.org")

    assert retried.registration_id != mistyped.registration_id
    assert mistyped.get().status_code == 404  # the old link opens nothing
    assert retried.post("confirm-email").status_code == 200
    registrations = [i for i in table_items() if i["SK"]["S"] == "REG"]
    assert [r["registration_id"]["S"] for r in registrations] == [retried.registration_id]
    locks = [i for i in table_items() if i["PK"]["S"].startswith("PERSON#")]
    assert [lock["registration_id"]["S"] for lock in locks] == [retried.registration_id]


def test_a_confirmed_registration_never_gives_way(client: Client, clock: FixedClock) -> None:
    first = register(client)
    assert first.post("confirm-email").status_code == 200
    clock.now += timedelta(days=2)

    held_elsewhere(post(client, registration_body(email="other@example.org")))

    assert first.get().status_code == 200


def test_another_person_may_register(client: Client) -> None:
    register(client)
    other = registration_body(date_of_birth="1991-04-13", email="twin@example.org")
    assert post(client, other).status_code == 201


def test_after_withdrawal_the_person_may_register_again(client: Client) -> None:
    applicant = queued(client)
    assert (
        client.http.delete(
            f"/registrations/{applicant.registration_id}", headers=applicant.auth
        ).status_code
        == 204
    )
    assert post(client, registration_body()).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_names": 42}, "given_names"),
        ({"family_name": ""}, "family_name"),
        ({"family_name": "   "}, "family_name"),
        ({"family_name": "x" * 101}, "family_name"),
        ({"family_name": "Smith\u0000"}, "family_name"),
        ({"family_name": "Ab\u202eCd"}, "family_name"),
        ({"family_name": "1234"}, "family_name"),
        ({"date_of_birth": "12.04.1991"}, "date_of_birth"),
        ({"date_of_birth": 671414400}, "date_of_birth"),
        ({"date_of_birth": "1991-02-30"}, "date_of_birth"),
        ({"nationality": "UA"}, "nationality"),
        ({"nationality": "ZZZ"}, "nationality"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.org\r\nBcc: victim@example.org"}, "email"),
        ({"language": "fr"}, "language"),
        ({"title_type": "passport"}, "title_type"),
        ({"title_number": "Y12<script>"}, "title_number"),
        ({"title_expires_on": None}, "title_expires_on"),
        ({"privacy_consent": False}, "privacy_consent"),
        ({"privacy_consent": "true"}, "privacy_consent"),
        ({"privacy_consent": None}, "privacy_consent"),
        ({"status": "waiting"}, "status"),
        ({"appointment": {"date": "2026-11-25"}}, "appointment"),
    ],
)
def test_invalid_fields_are_named(client: Client, overrides: dict[str, Any], field: str) -> None:
    body = problem(post(client, registration_body(**overrides)), 422, "validation_failed")
    assert field in {e["field"] for e in body["errors"]}, body
    assert all(set(e) == {"field", "message"} for e in body["errors"])
    assert table_items() == []
    assert sent_mails() == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": "2026-11-25"}, "date_of_birth"),  # tomorrow
        ({"date_of_birth": "1890-01-01"}, "date_of_birth"),
        ({"date_of_birth": "2000-01-01", "title_expires_on": "1999-12-31"}, "title_expires_on"),
    ],
)
def test_implausible_dates_are_refused(
    client: Client, overrides: dict[str, Any], field: str
) -> None:
    body = problem(post(client, registration_body(**overrides)), 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field]


def test_latin_names_with_diacritics_hyphens_and_apostrophes_are_accepted(client: Client) -> None:
    body = registration_body(given_names="Zoë Ünal-O'Brien", family_name="Đorđević")
    assert post(client, body).status_code == 201


def test_a_zero_width_joiner_in_a_latin_name_is_dropped_not_refused(client: Client) -> None:
    body = registration_body(given_names="Mohammad\u200cReza", family_name="Rahimi")
    assert post(client, body).status_code == 201
    [reg] = [i for i in table_items() if i["SK"]["S"] == "REG"]
    assert reg["given_names"]["S"] == "MohammadReza"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        ("", 400),
        ("[]", 400),
        ('"text"', 400),
        ("[" * 5000 + "]" * 5000, 400),
        ('{"a":' * 1500 + "1" + "}" * 1500, 400),
    ],
)
def test_unreadable_bodies_are_client_errors(client: Client, raw: str, status: int) -> None:
    problem(post(client, raw), status, "validation_failed")


def test_oversized_body_is_refused(client: Client) -> None:
    body = registration_body(family_name="x" * (1024 * 1024))
    problem(post(client, body), 413, "payload_too_large")


def test_non_json_content_type_is_refused(client: Client) -> None:
    problem(
        post(client, "given_names=x", {"Content-Type": "application/x-www-form-urlencoded"}),
        415,
        "validation_failed",
    )


def test_if_the_mail_cannot_be_sent_nothing_is_kept(client: Client) -> None:
    ses = boto3.client("ses", region_name=REGION)
    ses.delete_identity(Identity=TEST_ENV["MAIL_SENDER"])  # moto now refuses to send

    body = problem(post(client, registration_body()), 503, "service_unavailable")
    assert "try again" in body["detail"]
    assert table_items() == []

    ses.verify_email_identity(EmailAddress=TEST_ENV["MAIL_SENDER"])
    assert post(client, registration_body()).status_code == 201


def test_dynamodb_throttling_answers_503_and_writes_nothing(client: Client) -> None:
    ddb = bootstrap.container().applicants._repo._client  # type: ignore[attr-defined]

    def throttle(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
            "TransactWriteItems",
        )

    ddb.meta.events.register("before-call.dynamodb.TransactWriteItems", throttle)
    response = post(client, registration_body())
    problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"]
    assert table_items() == []
    assert sent_mails() == []
