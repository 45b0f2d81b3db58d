"""A stranger cannot lock a person out, nor learn that they registered (issue 16, item 1): an
attempt on an identity that is already active gets the same answer as a new registration;
the mails explain, without either side's data; an admin voids a registration made with
another person's identity, audited, and its address is told why."""

from __future__ import annotations

import json

from chalice.test import Client

from tests.api.test_registration import post, problem, table_items
from tests.applicant_flow import queued, register, registration_body
from tests.conftest import sent_mails, text_part
from tests.staff.conftest import StaffClient

HOLDER = "olena.k@example.org"
STRANGER = "stranger@example.org"


def mails_to(address: str) -> list[str]:
    return [f"{m['Subject']}\n{text_part(m)}" for m in sent_mails() if m["To"] == address]


def test_an_attempt_on_an_active_identity_answers_as_a_new_registration(client: Client) -> None:
    new = post(client, registration_body(email="someone.new@example.org", family_name="Other"))
    holder = register(client)
    before = table_items()

    attempt = post(client, registration_body(email=STRANGER, family_name="KOVALENKO"))

    assert (attempt.status_code, new.status_code) == (201, 201)
    answer, fresh = json.loads(attempt.body), json.loads(new.body)
    assert answer.keys() == fresh.keys()
    assert answer["status"] == fresh["status"] == "email_unverified"
    assert len(answer["registration_id"]) == 32
    assert answer["registration_id"] != holder.registration_id
    # Stored nowhere: the id opens nothing, as any unknown id.
    assert table_items() == before
    unknown = client.http.get(
        f"/registrations/{answer['registration_id']}", headers={"Authorization": "Bearer x" * 3}
    )
    assert unknown.status_code in (401, 404)
    assert holder.get().status_code == 200


def test_the_mails_explain_without_the_other_sides_data(client: Client) -> None:
    holder = register(client, title_number="Y1234567")
    post(client, registration_body(email=STRANGER, given_names="OLENA"))

    [to_stranger] = mails_to(STRANGER)
    holders = mails_to(HOLDER)
    assert len(holders) == 2  # the registration link, then the notice
    to_holder = holders[1]
    assert "no second one was made" in to_stranger
    assert "void the other registration" in to_stranger  # the help: how to get it back
    assert "register again after 10 minutes" in to_stranger  # a mistyped address first
    assert "tried to register" in to_holder
    for secret in ("Kovalenko", "KOVALENKO", "Olena", "1991", "Y1234567", HOLDER, "olena.k"):
        assert secret not in to_stranger, secret
    assert holder.registration_id not in to_stranger
    assert STRANGER not in to_holder and "stranger" not in to_holder


def test_the_holder_trying_again_gets_one_mail(client: Client) -> None:
    register(client)
    attempt = post(client, registration_body())
    assert attempt.status_code == 201, attempt.body
    assert len(mails_to(HOLDER)) == 2  # the registration, then the explanation; no notice


def test_an_admin_voids_a_taken_identity_and_the_person_registers(
    client: Client, admin: StaffClient, desk: StaffClient
) -> None:
    taken = queued(client, email=STRANGER)
    reason = "Passport of the person checked at the counter; not registered by her"

    problem(
        desk.call("POST", f"/staff/registrations/{taken.registration_id}/void", {"reason": reason}),
        403,
        "forbidden",
    )
    voided = admin.call(
        "POST", f"/staff/registrations/{taken.registration_id}/void", {"reason": reason}
    )

    assert voided.status_code == 204, voided.body
    assert json.loads(taken.get().body)["status"] == "withdrawn"
    to_stranger = mails_to(STRANGER)[-1]
    assert "voided" in to_stranger and reason in to_stranger
    audit = json.loads(admin.get("/staff/audit?date=2026-11-24").body)["items"]
    [entry] = [e for e in audit if e["action"] == "registration_voided"]
    assert (entry["registration_id"], entry["detail"], entry["actor"]) == (
        taken.registration_id,
        reason,
        "admin",
    )
    # The person registers herself now.
    mine = register(client, email=HOLDER)
    assert mine.get().status_code == 200
    # Voiding twice is refused; an unknown id is a 404.
    problem(
        admin.call(
            "POST", f"/staff/registrations/{taken.registration_id}/void", {"reason": reason}
        ),
        409,
        "invalid_state",
    )
    problem(
        admin.call("POST", "/staff/registrations/" + "0" * 32 + "/void", {"reason": reason}),
        404,
        "not_found",
    )
