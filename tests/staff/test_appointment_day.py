"""The appointment day (issue 13) through the API on moto, at chosen times of Tuesday
24 November 2026 (winter time, UTC+1): the 07:45 run gives windows from 09:00, the entrance
checks a signed QR code or a spoken reference, the desk decides and may undo, a no-show comes
only after the window, the closing mails only at the end of the day, and a released place is
given again by the top-up run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from email.message import Message
from io import BytesIO
from typing import Any

import zxingcpp
from chalice.test import Client
from PIL import Image

from chalicelib import bootstrap
from chalicelib.domain.entrance_code import entrance_pass, format_reference
from chalicelib.domain.schedule import RunVerdict
from tests.api.test_registration import problem
from tests.applicant_flow import Applicant, queued
from tests.conftest import FixedClock, sent_mails, text_part
from tests.staff.conftest import StaffClient

TODAY = "2026-11-24"
RUN = "2026-11-24T06:45:00+00:00"  # 07:45 in Stuttgart
NAMES = ("Adair", "Brandt", "Cohen", "Dimitrov", "Eze", "Farah", "Garcia", "Haddad", "Ivanova")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return json.loads(response.body)


def queue_people(client: Client, clock: FixedClock, count: int, **common: Any) -> list[Applicant]:
    """`count` people queued on Tuesday morning, earliest expiry first."""
    people = []
    for i in range(count):
        clock.set(f"2026-11-24T05:{i:02d}:00+00:00")
        people.append(
            queued(
                client,
                family_name=NAMES[i],
                email=f"person{i}@example.org",
                date_of_birth=f"198{i}-03-0{i + 1}",
                title_expires_on=f"2026-11-{10 + i}",
                title_number=f"Y{i}234567",
                **common,
            )
        )
    return people


def morning_run(clock: FixedClock, slots: int) -> dict[str, Any]:
    """Open the day with `slots` places and deliver the 07:45 run's event (at 07:45:20)."""
    c = bootstrap.container()
    c.allocation.set_capacity(date(2026, 11, 24), slots)
    clock.set("2026-11-24T06:45:20+00:00")
    summary = c.allocation.allocate_on_schedule(datetime.fromisoformat(RUN), clock())
    assert summary.verdict is RunVerdict.RUN
    return summary.as_dict()


def invitation_mail(email: str) -> Message:
    found = [
        m
        for m in sent_mails()
        if m["To"] == email and any(p.get_content_type() == "image/png" for p in m.walk())
    ]
    assert found, f"no invitation to {email}"
    return found[-1]


def day_list(desk: StaffClient) -> dict[str, Any]:
    answer: dict[str, Any] = ok(desk.get(f"/staff/appointments?date={TODAY}"))
    return answer


def item_of(day: dict[str, Any], person: Applicant) -> dict[str, Any]:
    found: dict[str, Any] = next(
        i for i in day["items"] if i["registration_id"] == person.registration_id
    )
    return found


def test_the_morning_run_gives_windows_from_an_hour_later_in_queue_order(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    people = queue_people(client, clock, 3)

    summary = morning_run(clock, slots=8)

    assert summary["invited"] == 3
    day = day_list(desk)
    assert [(i["window_start"][11:16], i["registration_id"]) for i in day["items"]] == [
        ("09:00", people[0].registration_id),
        ("09:30", people[1].registration_id),
        ("10:00", people[2].registration_id),
    ]
    assert [(w["start"][11:16], w["capacity"], w["given"]) for w in day["windows"][:4]] == [
        ("09:00", 1, 1),
        ("09:30", 1, 1),
        ("10:00", 1, 1),
        ("10:30", 1, 0),
    ]
    # The run record says who came before whom, into which window, and why (the queue key).
    record = ok(desk.get(f"/staff/allocations?date={TODAY}"))
    assert record["scheduled_runs"] == ["07:45", "09:30", "11:00"]
    assert record["notice"] is None
    [run] = record["runs"]
    assert run["trigger"] == "schedule"
    assert [e["registration_id"] for e in run["invitations"]] == [p.registration_id for p in people]
    assert run["invitations"][0]["queue_key"].startswith("2026-11-10#")
    assert run["invitations"][0]["window_start"] == "2026-11-24T09:00+01:00"


def test_the_invitation_mail_carries_the_reference_a_qr_code_and_the_links(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    [person] = queue_people(client, clock, 1, language="uk")
    queued_mail = [m for m in sent_mails() if m["To"] == "person0@example.org"][-1]
    view = ok(person.get())
    reference = view["reference"]
    assert len(reference) == 8
    assert format_reference(reference) in text_part(queued_mail)  # "you are in the queue"
    morning_run(clock, slots=8)

    mail = invitation_mail("person0@example.org")
    text = text_part(mail)
    assert format_reference(reference) in text
    assert "09:00" in text and "09:30" in text
    assert "openstreetmap.org" in text
    # The status link and the "I can't come" link carry the language and open a page.
    assert f"status.html#id={person.registration_id}&token={person.token}&lang=uk" in text
    assert "&lang=uk&view=release" in text
    # The QR code, an inline image of the HTML part, decodes to a pass the entrance accepts.
    [image] = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] and image.get_content_disposition() == "inline"
    png = image.get_payload(decode=True)
    assert isinstance(png, bytes)
    [decoded] = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
    assert decoded.text == ok(person.get())["appointment"]["entrance_pass"]
    clock.set("2026-11-24T08:05:00+00:00")  # 09:05, in the window
    arrived = ok(desk.call("POST", "/staff/arrivals", {"pass": decoded.text}))
    assert arrived["verdict"] == "arrived"
    assert arrived["registration_id"] == person.registration_id
    assert arrived["reference"] == reference
    assert arrived["late"] is False


def test_the_entrance_refuses_forged_and_other_days_passes_and_finds_spoken_codes(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    first, second = queue_people(client, clock, 2)
    morning_run(clock, slots=8)
    clock.set("2026-11-24T08:10:00+00:00")
    view = ok(first.get())
    genuine = view["appointment"]["entrance_pass"]

    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    assert problem(desk.call("POST", "/staff/arrivals", {"pass": forged}), 422, "pass_invalid")
    key = bootstrap.container().settings.link_key
    yesterday = entrance_pass(key, "stuttgart", date(2026, 11, 23), view["reference"])
    refused = problem(desk.call("POST", "/staff/arrivals", {"pass": yesterday}), 409, "not_today")
    assert "2026-11-23" in refused["detail"]
    assert problem(desk.call("POST", "/staff/arrivals", {"code": "ZZZZ-ZZZZ"}), 404, "not_found")

    # A reference read aloud and typed loosely: lower case, a space, O for 0 and I for 1.
    spoken = ok(second.get())["reference"].lower().replace("0", "o").replace("1", "i")
    found = ok(desk.get(f"/staff/lookup?code={spoken[:4]}%20{spoken[4:]}"))
    assert found["registration_id"] == second.registration_id
    assert found["state"] == "invited"
    by_person = ok(
        desk.call("POST", "/staff/lookup", {"family_name": "brandt", "date_of_birth": "1981-03-02"})
    )
    assert [p["registration_id"] for p in by_person["items"]] == [second.registration_id]

    first_time = ok(desk.call("POST", "/staff/arrivals", {"code": view["reference"]}))
    again = ok(desk.call("POST", "/staff/arrivals", {"pass": genuine}))
    assert (first_time["verdict"], again["verdict"]) == ("arrived", "already_arrived")
    assert again["arrived_at"] == first_time["arrived_at"]


def test_the_desk_decides_and_undoes_its_last_action_with_a_reason(
    client: Client, clock: FixedClock, desk: StaffClient, admin: StaffClient
) -> None:
    [person] = queue_people(client, clock, 1)
    morning_run(clock, slots=8)
    mailed = len(sent_mails())
    clock.set("2026-11-24T08:02:00+00:00")
    path = f"/staff/registrations/{person.registration_id}"
    ok(desk.call("POST", "/staff/arrivals", {"code": ok(person.get())["reference"]}))
    assert item_of(day_list(desk), person)["state"] == "arrived"

    served = ok(desk.call("POST", f"{path}/check-in", {"outcome": "data_correct"}))
    assert served["status"] == "served"
    # A retried decision (a lost answer) answers the state; another decision needs an undo.
    assert ok(desk.call("POST", f"{path}/check-in", {"outcome": "data_correct"}))["status"] == (
        "served"
    )
    changed_mind = desk.call(
        "POST", f"{path}/check-in", {"outcome": "data_incorrect", "reason": "other passport"}
    )
    assert problem(changed_mind, 409, "invalid_state")

    undone = ok(desk.call("POST", f"{path}/undo", {"reason": "clicked the wrong row"}))
    assert (undone["status"], undone["undone"]) == ("arrived", "served")
    rejected = ok(
        desk.call(
            "POST", f"{path}/check-in", {"outcome": "data_incorrect", "reason": "Name differs"}
        )
    )
    assert rejected["status"] == "rejected"
    assert ok(desk.call("POST", f"{path}/undo", {"reason": "card was right"}))["status"] == (
        "arrived"
    )
    assert ok(desk.call("POST", f"{path}/undo", {"reason": "not here yet"}))["status"] == (
        "invited"
    )
    assert problem(desk.call("POST", f"{path}/undo", {"reason": "once more"}), 409, "invalid_state")
    # Nobody was mailed for any of this, and the day list shows what stands.
    assert len(sent_mails()) == mailed
    entry = item_of(day_list(desk), person)
    assert (entry["state"], entry["can_undo"], entry["arrived_at"]) == ("invited", False, None)
    audit = ok(admin.get(f"/staff/audit?date={TODAY}"))["items"]
    undos = sorted(e["detail"] for e in audit if e["action"] == "undo")
    assert undos == [
        "arrived: not here yet",
        "rejected: card was right",
        "served: clicked the wrong row",
    ]


def test_an_idempotency_key_makes_a_retried_undo_answer_the_first_result(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    [person] = queue_people(client, clock, 1)
    morning_run(clock, slots=8)
    clock.set("2026-11-24T08:02:00+00:00")
    path = f"/staff/registrations/{person.registration_id}"
    ok(desk.call("POST", f"{path}/check-in", {"outcome": "data_correct"}))

    def undo() -> Any:
        return desk.client.http.post(
            f"{path}/undo",
            headers={
                "Authorization": f"Bearer {desk.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": "undo-7f3a",
            },
            body=json.dumps({"reason": "wrong row"}).encode(),
        )

    first, retry = ok(undo()), ok(undo())
    assert first["status"] == retry["status"] == "arrived"  # undone once, not twice


def test_a_no_show_waits_for_the_window_and_is_mailed_only_when_the_day_ends(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    missed, late = queue_people(client, clock, 2)
    morning_run(clock, slots=8)
    mailed = len(sent_mails())
    path = f"/staff/registrations/{missed.registration_id}"

    clock.set("2026-11-24T08:10:00+00:00")  # 09:10, within 09:00-09:30
    problem(desk.call("POST", f"{path}/no-show"), 409, "window_not_over")
    clock.set("2026-11-24T08:31:00+00:00")  # 09:31
    assert ok(desk.call("POST", f"{path}/no-show"))["status"] == "no_show"
    assert ok(desk.call("POST", f"{path}/undo", {"reason": "was at the counter"}))["status"] == (
        "invited"
    )
    assert ok(desk.call("POST", f"{path}/no-show"))["status"] == "no_show"
    # A late arrival is let in and flagged as late.
    clock.set("2026-11-24T09:05:00+00:00")  # 10:05, after the 09:30-10:00 window
    arrived = ok(desk.call("POST", "/staff/arrivals", {"code": ok(late.get())["reference"]}))
    assert arrived["late"] is True
    assert len(sent_mails()) == mailed

    clock.set("2026-11-24T20:30:00+00:00")
    summary = bootstrap.container().allocation.end_day(date(2026, 11, 24), clock())

    assert summary.no_shows == 2  # the one staff marked, and the arrival nobody decided
    closing = sorted(str(m["To"]) for m in sent_mails()[mailed:])
    assert closing == ["person0@example.org", "person1@example.org"]
    assert all("register again" in text_part(m) for m in sent_mails()[mailed:])
    final = item_of(day_list(desk), missed)
    assert (final["state"], final["final"], final["can_undo"]) == ("no_show", True, False)
    problem(desk.call("POST", f"{path}/undo", {"reason": "too late"}), 409, "invalid_state")
    # The end of the day ran again: nothing more is mailed.
    bootstrap.container().allocation.end_day(date(2026, 11, 24), clock())
    assert len(sent_mails()) == mailed + 2


def test_a_desk_rejection_is_mailed_at_the_end_of_the_day_with_the_reason_as_written(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    [person] = queue_people(client, clock, 1, language="de")
    morning_run(clock, slots=8)
    clock.set("2026-11-24T08:05:00+00:00")
    reason = "Der Name im Pass lautet anders (Müller statt Mueller)."
    ok(
        desk.call(
            "POST",
            f"/staff/registrations/{person.registration_id}/check-in",
            {"outcome": "data_incorrect", "reason": reason},
        )
    )
    before = len(sent_mails())

    clock.set("2026-11-24T20:30:00+00:00")
    bootstrap.container().allocation.end_day(date(2026, 11, 24), clock())

    [mail] = sent_mails()[before:]
    assert mail["To"] == "person0@example.org"
    assert reason in text_part(mail)
    assert ok(person.get())["status"] == "rejected"


def test_i_cannot_come_releases_the_place_for_the_top_up_and_keeps_the_queue_place(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    people = queue_people(client, clock, 9)
    morning_run(clock, slots=8)  # one per window, 09:00 to 12:30; the ninth waits
    releasing = people[6]  # the 12:00 window
    view = ok(releasing.get())
    assert view["appointment"]["window_start"] == "2026-11-24T12:00+01:00"
    assert view["can_release"] is True

    clock.set("2026-11-24T07:30:00+00:00")  # 08:30
    released = ok(releasing.post("release"))
    assert (released["status"], released["released_on"], released["appointment"]) == (
        "waiting",
        TODAY,
        None,
    )
    assert released["queue_position"] == 1  # not a no-show: the place in the queue stays
    assert ok(releasing.post("release"))["status"] == "waiting"  # a second press: the same
    assert item_of(day_list(desk), releasing)["state"] == "released"

    # The 09:30 top-up (08:30 UTC) gives the place to the next one, not to the releaser.
    c = bootstrap.container()
    scheduled = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    clock.set("2026-11-24T08:30:05+00:00")
    top_up = c.allocation.top_up_on_schedule(scheduled, clock())
    assert (top_up.verdict, top_up.invited) == (RunVerdict.RUN, 1)
    ninth = ok(people[8].get())
    assert ninth["status"] == "invited"
    assert ninth["appointment"]["window_start"] == "2026-11-24T12:00+01:00"
    assert ok(releasing.get())["status"] == "waiting"
    # A second delivery of the same top-up gives nothing more.
    assert c.allocation.top_up_on_schedule(scheduled, clock()).verdict is RunVerdict.ALREADY_RUN
    record = ok(desk.get(f"/staff/allocations?date={TODAY}"))
    assert [r["trigger"] for r in record["runs"]] == ["schedule", "top_up@09:30"]


def test_a_release_is_refused_after_arrival_and_after_the_window(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    arrived, over = queue_people(client, clock, 2)
    morning_run(clock, slots=8)
    clock.set("2026-11-24T08:01:00+00:00")
    ok(desk.call("POST", "/staff/arrivals", {"code": ok(arrived.get())["reference"]}))
    assert problem(arrived.post("release"), 409, "invalid_state")
    clock.set("2026-11-24T09:01:00+00:00")  # 10:01: the 09:30-10:00 window is over
    assert ok(over.get())["can_release"] is False
    assert problem(over.post("release"), 409, "invalid_state")


def test_opening_a_saturday_says_that_no_scheduled_run_gives_its_places(
    client: Client, clock: FixedClock, admin: StaffClient
) -> None:
    saturday = ok(admin.call("PUT", "/staff/capacity/2026-11-28", {"slots": 6}))
    assert saturday["scheduled_run"] is None
    assert "No scheduled run" in saturday["notice"]
    assert "POST /staff/allocations" in saturday["notice"]
    assert [w["start"][11:16] for w in saturday["windows"]][:2] == ["09:00", "09:30"]
    record = ok(admin.get("/staff/allocations?date=2026-11-28"))
    assert (record["scheduled_runs"], record["runs"]) == ([], [])
    assert record["notice"] == saturday["notice"]
    tuesday = ok(admin.call("PUT", "/staff/capacity/2026-11-24", {"slots": 6}))
    assert (tuesday["scheduled_run"], tuesday["notice"]) == ("07:45", None)


def test_a_withdrawal_on_the_day_gives_the_place_back_to_its_window(
    client: Client, clock: FixedClock, desk: StaffClient
) -> None:
    people = queue_people(client, clock, 9)
    morning_run(clock, slots=8)
    leaving = people[7]  # the 12:30 window
    clock.set("2026-11-24T07:30:00+00:00")  # 08:30

    deleted = leaving.client.http.delete(
        f"/registrations/{leaving.registration_id}", headers=leaving.auth
    )

    assert deleted.status_code == 204
    day = day_list(desk)
    assert item_of(day, leaving)["state"] == "released"
    window = next(w for w in day["windows"] if w["start"][11:16] == "12:30")
    assert (window["capacity"], window["given"]) == (1, 0)
    clock.set("2026-11-24T10:00:05+00:00")  # the 11:00 top-up
    scheduled = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert bootstrap.container().allocation.top_up_on_schedule(scheduled, clock()).invited == 1
    assert ok(people[8].get())["appointment"]["window_start"] == "2026-11-24T12:30+01:00"
