"""The clerk on the phone (trial finding B1): a person's one active registration found by names
and date of birth as the person tells them, whatever day they are invited, through the
person's lock as registering finds it; audited with the id found, never the person."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.calendar import utc_timestamp
from chalicelib.domain.identity import identity_key, legacy_identity_key
from chalicelib.domain.registration import Status
from tests.api.test_registration import problem
from tests.applicant_flow import queued, register
from tests.registrations import a_registration
from tests.staff.conftest import StaffClient

SEARCH = "/staff/registrations/search"
OLENA = {"family_name": "Kovalenko", "given_names": "Olena", "date_of_birth": "1991-04-12"}


def search(desk: StaffClient, **person: str) -> list[dict[str, Any]]:
    answer = desk.call("POST", SEARCH, {**OLENA, **person})
    assert answer.status_code == 200, answer.body
    assert answer.headers["Cache-Control"] == "no-store"
    items: list[dict[str, Any]] = json.loads(answer.body)["items"]
    return items


def searches(admin: StaffClient) -> list[dict[str, Any]]:
    answer = admin.get("/staff/audit?date=2026-11-24")
    assert answer.status_code == 200, answer.body
    return [e for e in json.loads(answer.body)["items"] if e["action"] == "search"]


def test_a_waiting_person_is_found_with_the_place_in_the_queue(
    client: Client, desk: StaffClient
) -> None:
    # Ahead in the queue: the title runs out sooner.
    other = queued(
        client, email="b@example.org", date_of_birth="1980-01-01", title_expires_on="2026-11-26"
    )
    olena = queued(client)

    found = search(desk, family_name="KOVALENKO", given_names="olena")

    assert found == [
        {
            "registration_id": olena.registration_id,
            "status": "waiting",
            "family_name": "Kovalenko",
            "given_names": "Olena",
            "queue_position": 2,
        }
    ]
    [ahead] = search(desk, date_of_birth="1980-01-01")
    assert (ahead["registration_id"], ahead["queue_position"]) == (other.registration_id, 1)


def test_a_person_still_sending_documents_is_found_without_a_place(
    client: Client, desk: StaffClient
) -> None:
    applicant = register(client, family_name="Müller", date_of_birth="1991-04")
    assert applicant.post("confirm-email").status_code == 200

    found = search(desk, family_name="Mueller", date_of_birth="1991-04")

    assert [(i["registration_id"], i["status"], i["queue_position"]) for i in found] == [
        (applicant.registration_id, "awaiting_documents", None)
    ]
    # The date as typed: the month alone is not the day.
    assert search(desk, family_name="Mueller", date_of_birth="1991-04-12") == []


def test_nobody_found_is_an_empty_list_and_audited_without_the_person(
    client: Client, desk: StaffClient, admin: StaffClient
) -> None:
    queued(client)

    assert search(desk, given_names="Oksana") == []

    [entry] = searches(admin)
    assert (entry["actor"], entry["registration_id"], entry["detail"]) == ("staff", None, "none")
    assert "Oksana" not in json.dumps(entry) and "1991" not in json.dumps(entry)


def test_a_search_that_finds_is_audited_with_the_id(
    client: Client, desk: StaffClient, admin: StaffClient
) -> None:
    olena = queued(client)

    search(desk)

    [entry] = searches(admin)
    assert (entry["registration_id"], entry["detail"]) == (olena.registration_id, "found")
    assert "Kovalenko" not in json.dumps(entry) and "1991" not in json.dumps(entry)


def test_a_registration_of_before_issue_15_is_found_under_the_key_of_then(
    desk: StaffClient,
) -> None:
    c = bootstrap.container()
    born = BirthDate(1991, 4, 12)
    key = legacy_identity_key(c.settings.identity_key, "Kovalenko", "Olena", born)
    assert key is not None
    _store(key, "0" * 31 + "a", c.settings.office_id)

    found = search(desk, family_name="kovalenko")

    assert [(i["registration_id"], i["status"]) for i in found] == [
        ("0" * 31 + "a", "awaiting_documents")
    ]


def test_another_offices_registration_is_not_found(desk: StaffClient) -> None:
    c = bootstrap.container()
    key = identity_key(c.settings.identity_key, "Kovalenko", "Olena", BirthDate(1991, 4, 12))
    _store(key, "0" * 31 + "b", "another-office")

    assert search(desk) == []


def test_an_ended_registration_is_not_active(client: Client, desk: StaffClient) -> None:
    olena = queued(client)
    withdrawn = client.http.delete(f"/registrations/{olena.registration_id}", headers=olena.auth)
    assert withdrawn.status_code in (200, 204), withdrawn.body

    assert search(desk) == []


def test_a_bad_date_is_refused_naming_the_field(desk: StaffClient, admin: StaffClient) -> None:
    for bad in ("1991-13-01", "12.04.1991", "1991-02-30"):
        body = problem(
            desk.call("POST", SEARCH, {**OLENA, "date_of_birth": bad}), 422, "validation_failed"
        )
        assert [e["field"] for e in body["errors"]] == ["date_of_birth"], bad
    body = problem(desk.call("POST", SEARCH, {"date_of_birth": "1991"}), 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["family_name"]
    problem(desk.call("POST", SEARCH, "not an object"), 400, "validation_failed")
    assert searches(admin) == []


def _store(key: str, registration_id: str, office_id: str) -> None:
    c = bootstrap.container()
    c.registrations.create(
        a_registration(
            registration_id=registration_id,
            status=Status.AWAITING_DOCUMENTS,
            language="en",
            title_expires_on=c.clock().date(),
            token_hash="0" * 64,
            identity_key=key,
            created_at=utc_timestamp(c.clock()),
            office_id=office_id,
        )
    )
