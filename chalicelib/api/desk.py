"""The appointment day's staff routes (issue 13): the day list, the entrance (lookup, arrival),
the desk (decision, no-show, undo) and the explainable run record. Every read of personal
data and every action is audited; a desk POST may carry an `Idempotency-Key` header, and a
retry with the same key answers the first result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response, parse_body
from chalicelib.api.staff import query_date, window_plans
from chalicelib.api.staff_auth import staff_route
from chalicelib.api.staff_schemas import (
    AllocationDay,
    AllocationRunView,
    AppointmentItem,
    AppointmentList,
    ArrivalRequest,
    ArrivalResult,
    CheckInRequest,
    CheckInResult,
    DeskPeople,
    DeskPerson,
    LookupRequest,
    UndoRequest,
    UndoResult,
    WindowCount,
    mask_document_number,
)
from chalicelib.bootstrap import container
from chalicelib.domain.allocation import Invitation, Outcome
from chalicelib.domain.calendar import office_today
from chalicelib.domain.errors import FieldError, NotFound, ValidationFailed
from chalicelib.domain.registration import UNDO_TARGETS, Registration, Status
from chalicelib.domain.schedule import ArrivalWindow
from chalicelib.domain.staff import StaffIdentity
from chalicelib.services.allocation import DeskCase
from chalicelib.services.verification import DATA_INCORRECT

desk_routes = Blueprint(__name__)

IDEMPOTENCY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 100


def _key() -> str | None:
    headers: Mapping[str, str] = desk_routes.current_request.headers or {}
    key = (headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            "The Idempotency-Key is too long.",
            errors=[FieldError("Idempotency-Key", f"at most {MAX_KEY_LENGTH} characters")],
        )
    return key or None


def state_of(invitation: Invitation, registration: Registration | None) -> str:
    """What the day list shows: released and final outcomes from the invitation, the rest
    from the registration (invited, arrived, or a desk decision not yet final)."""
    if invitation.outcome == Outcome.RELEASED.value:
        return Outcome.RELEASED.value
    if registration is None or registration.status not in (
        Status.INVITED,
        Status.ARRIVED,
        *UNDO_TARGETS,
    ):
        return invitation.outcome or (registration.status.value if registration else "erased")
    return registration.status.value


@staff_route(desk_routes, "/staff/appointments", methods=["GET"])
def appointments(staff: StaffIdentity) -> Response:
    c = container()
    now = c.clock()
    day = query_date() or office_today(now)
    cases = c.allocation.day_list(day)
    items = []
    for invitation, r in cases:
        state = state_of(invitation, r)
        items.append(
            AppointmentItem(
                registration_id=invitation.registration_id,
                seq=invitation.seq,
                window_start=invitation.window_start,
                window_end=invitation.window_end,
                family_name=r.family_name if r else None,
                given_names=r.given_names if r else None,
                title_type=r.title_type if r else None,
                title_number=mask_document_number(r.title_number) if r else None,
                status=r.status if r else None,
                check_in=invitation.outcome or "open",
                mail_status=invitation.mail_status.value,
                mail_undeliverable=bool(r and r.mail_undeliverable_reason),
                reference=invitation.reference,
                date_of_birth=r.date_of_birth if r else None,
                state=state,
                arrived_at=invitation.arrived_at,
                decided_at=invitation.decided_at,
                final=invitation.final,
                can_undo=(
                    not invitation.final
                    and day == office_today(now)
                    and r is not None
                    and r.status in UNDO_TARGETS
                    and state != Outcome.RELEASED.value
                ),
                window_over=now >= datetime.fromisoformat(invitation.window_end),
            )
        )
    windows = [_window_count(w, items) for w in c.allocation.windows(day)]
    c.staff.audit(staff, "day_list_read", now, detail=day.isoformat())
    return json_response(AppointmentList(date=day, items=items, windows=windows))


def _window_count(window: ArrivalWindow, items: list[AppointmentItem]) -> WindowCount:
    start = window.start.isoformat(timespec="minutes")
    states = [i.state for i in items if i.window_start == start]
    arrived = sum(1 for i in items if i.window_start == start and i.arrived_at)
    return WindowCount(
        start=start,
        end=window.end.isoformat(timespec="minutes"),
        capacity=window.capacity,
        given=sum(1 for s in states if s != Outcome.RELEASED.value),
        arrived=arrived,
        served=states.count(Status.SERVED.value),
        rejected=states.count(Status.REJECTED.value),
        no_show=states.count(Status.NO_SHOW.value),
        released=states.count(Outcome.RELEASED.value),
        open=sum(1 for s in states if s in (Status.INVITED.value, Status.ARRIVED.value)),
    )


def _person(case: DeskCase) -> DeskPerson:
    r = case.registration
    if r is None:
        raise NotFound("This registration has been erased.")
    return DeskPerson(
        registration_id=r.registration_id,
        reference=case.invitation.reference,
        family_name=r.family_name,
        given_names=r.given_names,
        date_of_birth=r.date_of_birth,
        state=state_of(case.invitation, r),
        window_start=case.invitation.window_start,
        window_end=case.invitation.window_end,
        arrived_at=case.invitation.arrived_at or r.arrived_at,
    )


@staff_route(desk_routes, "/staff/lookup", methods=["GET"])
def lookup_by_code(staff: StaffIdentity) -> Response:
    """Today's invitation of a reference (`?code=7K3M-Q9XD`): not personal data in the URL."""
    params: Mapping[str, str] = desk_routes.current_request.query_params or {}
    code = (params.get("code") or "").strip()
    if not code:
        raise ValidationFailed(
            "Give the reference as ?code=.", errors=[FieldError("code", "is required")]
        )
    c = container()
    now = c.clock()
    case = c.allocation.find_by_reference(code, now)
    c.staff.audit(
        staff, "lookup", now, registration_id=case.invitation.registration_id, detail="code"
    )
    return json_response(_person(case))


@staff_route(desk_routes, "/staff/lookup", methods=["POST"])
def lookup_by_person(staff: StaffIdentity) -> Response:
    """Today's invitations of a family name and date of birth (in the body, never a URL)."""
    body = parse_body(desk_routes.current_request, LookupRequest)
    c = container()
    now = c.clock()
    cases = c.allocation.find_by_person(body.family_name, body.date_of_birth, now)
    c.staff.audit(
        staff,
        "lookup",
        now,
        detail="person:" + ",".join(case.invitation.registration_id for case in cases),
    )
    return json_response(DeskPeople(items=[_person(case) for case in cases]))


@staff_route(desk_routes, "/staff/arrivals", methods=["POST"])
def arrival(staff: StaffIdentity) -> Response:
    body = parse_body(desk_routes.current_request, ArrivalRequest)
    if bool(body.code) == bool(body.entrance_pass):
        raise ValidationFailed(
            "Give either the typed reference (code) or the scanned QR code (pass).",
            errors=[FieldError("code", "give code or pass, not both")],
        )
    c = container()
    now = c.clock()
    if body.entrance_pass:
        case = c.allocation.read_pass(body.entrance_pass, now)
    else:
        case = c.allocation.find_by_reference(body.code or "", now)
    case = c.allocation.arrive(case, staff=staff.username, now=now, key=_key())
    c.staff.audit(
        staff,
        "arrival",
        now,
        registration_id=case.invitation.registration_id,
        detail="pass" if body.entrance_pass else "code",
    )
    person = _person(case)
    return json_response(
        ArrivalResult(
            **person.model_dump(),
            verdict="already_arrived" if case.arrived_before else "arrived",
            late=now >= datetime.fromisoformat(case.invitation.window_end),
        )
    )


@staff_route(desk_routes, "/staff/registrations/{registration_id}/check-in", methods=["POST"])
def check_in(staff: StaffIdentity, registration_id: str) -> Response:
    body = parse_body(desk_routes.current_request, CheckInRequest)
    c = container()
    now = c.clock()
    registration = c.allocation.check_in(
        registration_id,
        data_correct=body.outcome == "data_correct",
        reason=body.reason,
        staff=staff.username,
        now=now,
        key=_key(),
    )
    c.staff.audit(staff, "check_in", now, registration_id=registration_id, detail=body.outcome)
    if body.outcome == DATA_INCORRECT:
        # False data has a consequence: the person's next registration goes to review.
        c.verification.hold_identity(registration, now)
    return json_response(CheckInResult(registration_id=registration_id, status=registration.status))


@staff_route(desk_routes, "/staff/registrations/{registration_id}/no-show", methods=["POST"])
def no_show(staff: StaffIdentity, registration_id: str) -> Response:
    c = container()
    now = c.clock()
    registration = c.allocation.no_show_now(registration_id, now, staff=staff.username, key=_key())
    c.staff.audit(staff, "no_show", now, registration_id=registration_id)
    return json_response(CheckInResult(registration_id=registration_id, status=registration.status))


@staff_route(desk_routes, "/staff/registrations/{registration_id}/undo", methods=["POST"])
def undo(staff: StaffIdentity, registration_id: str) -> Response:
    body = parse_body(desk_routes.current_request, UndoRequest)
    c = container()
    now = c.clock()
    registration, undone = c.allocation.undo(
        registration_id, staff=staff.username, now=now, key=_key()
    )
    c.staff.audit(
        staff, "undo", now, registration_id=registration_id, detail=f"{undone.value}: {body.reason}"
    )
    if undone is Status.REJECTED:
        # The hold a rejection placed goes with it (an admin's lift, for the same reason).
        c.verification.lift_hold(
            registration_id, actor=staff.username, reason=f"undo: {body.reason}", now=now
        )
    return json_response(
        UndoResult(registration_id=registration_id, status=registration.status, undone=undone)
    )


@staff_route(desk_routes, "/staff/allocations", methods=["GET"])
def allocations(staff: StaffIdentity) -> Response:
    """The day's run record: who was invited before whom, into which window, and why."""
    c = container()
    now = c.clock()
    day = query_date() or office_today(now)
    runs = c.allocation.runs(day)
    c.staff.audit(staff, "allocations_read", now, detail=day.isoformat())
    return json_response(
        AllocationDay(
            date=day,
            scheduled_runs=c.allocation.scheduled_runs(day),
            notice=c.allocation.no_run_notice(day),
            windows=window_plans(c.allocation.windows(day)),
            runs=[
                AllocationRunView(
                    run_id=run.run_id,
                    trigger=run.trigger,
                    started_at=run.started_at,
                    local_time=run.local_time,
                    capacity=run.capacity,
                    given_before=run.given_before,
                    given_after=run.given_after,
                    invitations=[
                        {
                            "seq": e.seq,
                            "registration_id": e.registration_id,
                            "queue_key": e.queue_key,
                            "window_start": e.window_start,
                            "window_end": e.window_end,
                        }
                        for e in run.invitations
                    ],
                )
                for run in runs
            ],
        )
    )
