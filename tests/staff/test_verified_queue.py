"""The verified queue (issue 12) through the API on moto: what the documents' machine-readable
zones say decides who enters the queue, the applicant may correct their typing to what a
document says, and staff decide everything else from the review list.

Documents carry their zone as text (tests/zone_documents.py); the OCR itself is tested on
photographed synthetic cards in tests/documents/."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from chalice.test import Client

from chalicelib import bootstrap
from tests.api.test_registration import problem
from tests.applicant_flow import Applicant, register, registration_body
from tests.conftest import FixedClock, ImmediateReads, sent_mails, text_part
from tests.staff.conftest import StaffClient
from tests.zone_documents import documents_for, zone_file


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.body
    answer: dict[str, Any] = json.loads(response.body)
    return answer


def with_documents(client: Client, files: dict[str, bytes], **typed: Any) -> Applicant:
    applicant = register(client, **typed)
    assert applicant.post("confirm-email").status_code == 200
    for kind, content in files.items():
        applicant.upload(kind, content)
    return applicant


def document(view: dict[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in view["documents"] if d["kind"] == kind)
    return found


def allocate(clock: FixedClock, slots: int) -> list[str]:
    c = bootstrap.container()
    c.allocation.set_capacity(date(2026, 11, 24), slots)
    # As the 07:45 run: every window of the day is reachable (issue 13).
    c.allocation.allocate_day(datetime(2026, 11, 24, 6, 45, tzinfo=UTC))
    return [i.registration_id for i, _ in c.allocation.day_list(date(2026, 11, 24))]


def test_a_readable_card_that_says_what_was_typed_is_queued_without_staff(client: Client) -> None:
    typed = registration_body()
    applicant = with_documents(client, documents_for(typed))

    view = ok(applicant.get())
    assert document(view, "residence_title")["check"] == "matches"
    assert document(view, "passport")["check"] == "matches"

    submitted = ok(applicant.post("submit"))
    assert submitted["status"] == "waiting"
    assert submitted["queue_position"] == 1


def test_the_liar_is_never_invited_ahead_of_the_honest_person(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    # The attack of issue 12: an expiry typed decades back and a 5-byte "PDF" as the title.
    liar = with_documents(
        client,
        {"passport": b"%PDF-", "residence_title": b"%PDF-"},
        email="liar@example.org",
        given_names="Max",
        family_name="Faker",
        title_expires_on="1991-04-13",
    )
    assert document(ok(liar.get()), "residence_title")["check"] == "unreadable"
    assert ok(liar.post("submit"))["status"] == "in_review"

    clock.set("2026-11-24T09:05:00+00:00")
    honest_body = registration_body(email="honest@example.org", title_expires_on="2026-11-20")
    honest = with_documents(
        client,
        documents_for(honest_body),
        email="honest@example.org",
        title_expires_on="2026-11-20",
    )
    assert ok(honest.post("submit"))["status"] == "waiting"

    assert allocate(clock, slots=1) == [honest.registration_id]
    assert ok(liar.get())["status"] == "in_review"

    # Staff see why, and reject the false data: the same identity goes to review next time.
    reviews = ok(desk.get("/staff/reviews"))["items"]
    assert [r["registration_id"] for r in reviews] == [liar.registration_id]
    assert reviews[0]["review_reasons"] == ["title_unreadable", "expiry_long_past"]
    decided = desk.call(
        "POST",
        f"/staff/registrations/{liar.registration_id}/review",
        {"outcome": "data_incorrect", "reason": "no residence title on the file"},
    )
    assert ok(decided)["status"] == "rejected"
    told = [m for m in sent_mails() if m["To"] == "liar@example.org"][-1]
    assert told["Subject"] == "Your registration was rejected: the details are not correct"
    assert "Reason: no residence title on the file" in text_part(told)
    assert "within the next 30 days" in text_part(told)
    again = with_documents(
        client,
        documents_for(registration_body(given_names="Max", family_name="Faker")),
        email="liar@example.org",
        given_names="Max",
        family_name="Faker",
    )
    assert ok(again.post("submit"))["status"] == "in_review"
    assert ok(desk.get("/staff/reviews"))["items"][0]["review_reasons"] == ["identity_hold"]


def test_a_mismatch_is_shown_at_once_and_corrected_to_what_the_document_says(
    client: Client, desk: StaffClient
) -> None:
    typed = registration_body(title_expires_on="2026-11-02")
    applicant = with_documents(
        client, documents_for(typed, expires_on=date(2026, 11, 20)), title_expires_on="2026-11-02"
    )

    title = document(ok(applicant.get()), "residence_title")
    assert title["check"] == "mismatch"
    assert title["mismatches"] == [
        {
            "field": "title_expires_on",
            "typed": "2026-11-02",
            "document": "2026-11-20",
            "correctable": True,
        }
    ]

    # Only to what the document says: another date is refused, nothing changes.
    refused = problem(
        applicant.post("corrections", {"title_expires_on": "2026-10-01"}),
        422,
        "correction_not_on_document",
    )
    assert refused["errors"][0]["field"] == "title_expires_on"
    assert ok(applicant.get())["title_expires_on"] == "2026-11-02"

    corrected = ok(applicant.post("corrections", {"title_expires_on": "2026-11-20"}))
    assert corrected["title_expires_on"] == "2026-11-20"
    assert document(corrected, "residence_title")["check"] == "matches"
    assert ok(applicant.post("submit"))["status"] == "waiting"

    record = ok(desk.get(f"/staff/registrations/{applicant.registration_id}"))
    corrections = [h for h in record["history"] if h["action"] == "corrected"]
    assert corrections == [
        {
            "at": corrections[0]["at"],
            "actor": "applicant",
            "action": "corrected",
            "changes": {"title_expires_on": "2026-11-02 -> 2026-11-20"},
            "detail": None,
        }
    ]
    queue = ok(desk.get("/staff/queue"))["items"]
    assert queue[0]["title_expires_on"] == "2026-11-20"


def test_names_are_compared_as_the_zone_writes_them_and_corrected_with_the_person_lock(
    client: Client,
) -> None:
    typed = registration_body(family_name="Müller", given_names="Jürgen")
    # The zone writes MUELLER (ICAO transliteration); the card has a second given name.
    applicant = with_documents(
        client,
        documents_for(typed, given_names="Jürgen Sören"),
        family_name="Müller",
        given_names="Jürgen",
    )
    title = document(ok(applicant.get()), "residence_title")
    assert [(m["field"], m["document"]) for m in title["mismatches"]] == [
        ("given_names", "JUERGEN SOEREN")
    ]
    corrected = ok(applicant.post("corrections", {"given_names": "Jürgen Sören"}))
    assert corrected["given_names"] == "Jürgen Sören"
    assert ok(applicant.post("submit"))["status"] == "waiting"

    # The person's lock moved with the name: the old spelling is free, the new one is held.
    c = bootstrap.container()
    record = c.registrations.get(applicant.registration_id)
    assert record is not None
    lock = c.dynamodb.get_item(
        TableName=c.settings.table_name,
        Key={"PK": {"S": f"PERSON#{record.identity_key}"}, "SK": {"S": "ACTIVE"}},
    )
    assert lock["Item"]["registration_id"]["S"] == applicant.registration_id


def test_an_uncorrected_mismatch_goes_to_review_where_staff_correct_the_expiry(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    typed = registration_body(title_expires_on="2026-11-02")
    applicant = with_documents(
        client, documents_for(typed, expires_on=date(2026, 11, 20)), title_expires_on="2026-11-02"
    )
    assert ok(applicant.post("submit"))["status"] == "in_review"
    assert allocate(clock, slots=5) == []  # never invited while unverified (policy: required)

    (item,) = ok(desk.get("/staff/reviews"))["items"]
    assert item["review_reasons"] == ["data_mismatch"]
    assert item["title_expires_on"] == "2026-11-02"
    title = next(d for d in item["documents"] if d["kind"] == "residence_title")
    assert title["zone"]["expires_on"] == "2026-11-20"
    assert title["zone"]["document_format"] == "TD1"
    assert title["download_url"]

    decided = ok(
        desk.call(
            "POST",
            f"/staff/registrations/{applicant.registration_id}/review",
            {
                "outcome": "verified",
                "reason": "card shows 20.11.2026",
                "corrected": {"title_expires_on": "2026-11-20"},
            },
        )
    )
    assert decided == {
        "registration_id": applicant.registration_id,
        "status": "waiting",
        "title_expires_on": "2026-11-20",
    }
    assert ok(desk.get("/staff/reviews"))["items"] == []
    told = [m for m in sent_mails() if m["To"] == "olena.k@example.org"][-1]
    assert told["Subject"] == "Your documents have been checked: you are in the queue"
    assert "valid until Friday, 20 November 2026" in text_part(told)
    trail = ok(admin.get("/staff/audit?date=2026-11-24"))["items"]
    assert ("staff", "review", applicant.registration_id) in [
        (e["actor"], e["action"], e["registration_id"]) for e in trail
    ]
    assert allocate(clock, slots=5) == [applicant.registration_id]


def test_a_read_still_running_holds_the_registration_in_checking(
    client: Client, reads: ImmediateReads
) -> None:
    reads.paused = True
    typed = registration_body()
    applicant = with_documents(client, documents_for(typed))
    view = ok(applicant.get())
    assert document(view, "residence_title")["check"] == "pending"
    assert ok(applicant.post("submit"))["status"] == "checking"

    reads.deliver()
    assert ok(applicant.get())["status"] == "waiting"
    reads.deliver()  # a second delivery of the same requests changes nothing
    assert ok(applicant.get())["status"] == "waiting"


def test_a_zone_whose_check_digit_fails_is_unreadable_never_a_match(client: Client) -> None:
    typed = registration_body()
    lines = documents_for(typed)["residence_title"].decode("latin-1").splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("AR"))
    digit = lines[line][14]
    lines[line] = lines[line][:14] + str((int(digit) + 1) % 10) + lines[line][15:]
    forged = zone_file(lines[2:-1])
    applicant = with_documents(
        client, {"passport": documents_for(typed)["passport"], "residence_title": forged}
    )
    assert document(ok(applicant.get()), "residence_title")["check"] == "unreadable"
    assert ok(applicant.post("submit"))["status"] == "in_review"


def test_a_hold_lifted_by_an_admin_lets_the_person_into_the_queue_again(
    client: Client, desk: StaffClient, admin: StaffClient
) -> None:
    typed = registration_body(title_expires_on="2026-11-02")
    first = with_documents(
        client, documents_for(typed, expires_on=date(2026, 11, 20)), title_expires_on="2026-11-02"
    )
    ok(first.post("submit"))
    rejected = desk.call(
        "POST",
        f"/staff/registrations/{first.registration_id}/review",
        {"outcome": "data_incorrect", "reason": "card belongs to someone else"},
    )
    assert ok(rejected)["status"] == "rejected"

    refused = admin.call(
        "POST", f"/staff/registrations/{first.registration_id}/lift-hold", {"reason": "x"}
    )
    assert refused.status_code == 422  # a reason is required
    assert (
        desk.call(
            "POST",
            f"/staff/registrations/{first.registration_id}/lift-hold",
            {"reason": "passport shown"},
        ).status_code
        == 403
    )
    lifted = admin.call(
        "POST", f"/staff/registrations/{first.registration_id}/lift-hold", {"reason": "seen"}
    )
    assert lifted.status_code == 204, lifted.body

    second = with_documents(client, documents_for(registration_body()))
    assert ok(second.post("submit"))["status"] == "waiting"


def test_the_preferred_policy_invites_unverified_people_only_behind_every_verified_one(
    client: Client, clock: FixedClock
) -> None:
    c = bootstrap.container()
    c.settings = replace(c.settings, verification_policy="preferred")
    unverified = with_documents(
        client,
        {"passport": b"%PDF-", "residence_title": b"%PDF-"},
        email="paper@example.org",
        title_expires_on="2026-11-01",  # a paper Fiktionsbescheinigung: nothing to read
        title_type="fictional_certificate",
    )
    assert ok(unverified.post("submit"))["status"] == "in_review"
    clock.set("2026-11-24T09:05:00+00:00")
    typed = {"email": "card@example.org", "given_names": "Amina", "title_expires_on": "2026-11-27"}
    verified = with_documents(client, documents_for(registration_body(**typed)), **typed)
    assert ok(verified.post("submit"))["status"] == "waiting"

    # One place: the verified person, though the unverified one's typed expiry is earlier.
    assert allocate(clock, slots=1) == [verified.registration_id]
    # A second place, with nobody verified waiting: the unverified person.
    assert allocate(clock, slots=2) == [verified.registration_id, unverified.registration_id]
    assert ok(unverified.get())["status"] == "invited"


def test_the_required_policy_never_invites_from_review(client: Client, clock: FixedClock) -> None:
    unverified = with_documents(
        client,
        {"passport": b"%PDF-", "residence_title": b"%PDF-"},
        email="paper@example.org",
        title_type="fictional_certificate",
    )
    assert ok(unverified.post("submit"))["status"] == "in_review"
    assert allocate(clock, slots=3) == []


def test_a_newer_upload_of_a_kind_replaces_what_the_older_one_said(
    client: Client, clock: FixedClock
) -> None:
    typed = registration_body()
    wrong_card = documents_for(typed, expires_on=date(2026, 11, 5))["residence_title"]
    applicant = with_documents(client, {"residence_title": wrong_card})
    clock.set("2026-11-24T09:10:00+00:00")
    for kind, content in documents_for(typed).items():  # then the right card, and a passport
        applicant.upload(kind, content)
    checks = [d["check"] for d in ok(applicant.get())["documents"]]
    assert checks == ["mismatch", "matches", "matches"]
    assert ok(applicant.post("submit"))["status"] == "waiting"


def test_a_rejection_at_the_desk_for_incorrect_data_holds_the_identity(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    applicant = with_documents(client, documents_for(registration_body()))
    assert ok(applicant.post("submit"))["status"] == "waiting"
    assert allocate(clock, slots=1) == [applicant.registration_id]
    rejected = desk.call(
        "POST",
        f"/staff/registrations/{applicant.registration_id}/check-in",
        {"outcome": "data_incorrect", "reason": "the card shown belongs to someone else"},
    )
    assert ok(rejected)["status"] == "rejected"
    # The end of the day makes the rejection final; then the person may register again.
    clock.set("2026-11-24T20:30:00+00:00")
    bootstrap.container().allocation.end_day(date(2026, 11, 24), clock())

    again = with_documents(client, documents_for(registration_body()))
    assert ok(again.post("submit"))["status"] == "in_review"
    (item,) = ok(desk.get("/staff/reviews"))["items"]
    assert item["review_reasons"] == ["identity_hold"]
