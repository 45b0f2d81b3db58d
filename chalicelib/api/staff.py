"""Staff routes: Cognito-authenticated; every read of personal data is audited."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import empty_response, json_response, parse_body
from chalicelib.api.problems import NO_STORE
from chalicelib.api.schemas import AppointmentView, MismatchView
from chalicelib.api.staff_auth import staff_route
from chalicelib.api.staff_schemas import (
    AllocationRequest,
    AuditItem,
    AuditList,
    CapacityDay,
    CapacityList,
    CapacityRequest,
    DayStats,
    HistoryItem,
    LiftHoldRequest,
    QueueByExpiry,
    QueueItem,
    QueueList,
    ReviewItem,
    ReviewList,
    ReviewRequest,
    ReviewResult,
    SearchItem,
    SearchRequest,
    SearchResult,
    StaffDocument,
    StaffRecord,
    VoidRequest,
    WindowPlan,
    ZoneView,
    mask_document_number,
)
from chalicelib.api.views import appointment_view, mismatch_view
from chalicelib.bootstrap import container
from chalicelib.domain.allocation import DayCapacity
from chalicelib.domain.calendar import office_today
from chalicelib.domain.documents import Document
from chalicelib.domain.errors import FieldError, NotFound, ValidationFailed
from chalicelib.domain.registration import Registration
from chalicelib.domain.schedule import ArrivalWindow, public_holiday_name
from chalicelib.domain.staff import StaffGroup, StaffIdentity
from chalicelib.domain.verification import check_document
from chalicelib.services.verification import ReviewOutcome

staff_routes = Blueprint(__name__)

MAX_PAGE = 100


def _query(name: str) -> str | None:
    params = staff_routes.current_request.query_params
    value: str | None = params.get(name) if params else None
    return value or None


def _limit() -> int:
    """The page size asked for (1 to 100; 50 when the query has no `limit`). An empty `limit=`
    is a bad value, not an absent one (the OpenAPI says integer). Raises ValidationFailed."""
    params = staff_routes.current_request.query_params
    if params is None or "limit" not in params:
        return 50
    raw: str = params["limit"]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationFailed(
            "limit must be a whole number from 1 to 100.",
            errors=[FieldError("limit", "must be 1 to 100")],
        )
    return int(raw)


# The days a staff query may name: wide enough for any real question, and far enough from
# date.max that a range or a window computed from the day cannot overflow (issue 16).
EARLIEST_QUERY_DAY = date(2000, 1, 1)
LATEST_QUERY_DAY = date(2199, 12, 31)


def query_date(name: str = "date") -> date | None:
    params = staff_routes.current_request.query_params
    raw: str | None = params.get(name) if params else None
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date (YYYY-MM-DD).", errors=[FieldError(name, "must be YYYY-MM-DD")]
        ) from None
    if not EARLIEST_QUERY_DAY <= day <= LATEST_QUERY_DAY:
        raise ValidationFailed(
            f"{name} must be a date from {EARLIEST_QUERY_DAY} to {LATEST_QUERY_DAY}.",
            errors=[FieldError(name, "must be from 2000-01-01 to 2199-12-31")],
        )
    return day


@staff_route(staff_routes, "/staff/queue", methods=["GET"])
def queue(staff: StaffIdentity) -> Response:
    c = container()
    page = c.staff.queue(_limit(), _query("cursor"))
    # Names, nationality and expiry of up to 100 people: audited with the ids shown (issue 16).
    c.staff.audit(
        staff,
        "queue_read",
        c.clock(),
        detail=",".join(r.registration_id for r in page.registrations) or None,
    )
    items = [
        QueueItem(
            registration_id=r.registration_id,
            queue_position=page.first_position + i,
            family_name=r.family_name,
            given_names=r.given_names,
            nationality=r.nationality,
            title_type=r.title_type,
            title_number=mask_document_number(r.title_number),
            title_expires_on=r.title_expires_on,
            queued_at=r.queued_at,
        )
        for i, r in enumerate(page.registrations)
    ]
    return json_response(QueueList(items=items, next_cursor=page.next_cursor))


@staff_route(staff_routes, "/staff/registrations/{registration_id}", methods=["GET"])
def registration_record(staff: StaffIdentity, registration_id: str) -> Response:
    c = container()
    record = c.staff.full_record(staff, registration_id, c.clock())
    r = record.registration
    body = StaffRecord(
        registration_id=r.registration_id,
        status=r.status,
        given_names=r.given_names,
        family_name=r.family_name,
        date_of_birth=r.date_of_birth,
        nationality=r.nationality,
        email=r.email,
        language=r.language,
        title_type=r.title_type,
        title_number=r.title_number,
        title_expires_on=r.title_expires_on,
        created_at=r.created_at,
        email_confirmed_at=r.email_confirmed_at,
        queued_at=r.queued_at,
        appointment=AppointmentView.model_validate(appointment_view(r.appointment))
        if r.appointment
        else None,
        checked_in_at=r.checked_in_at,
        rejection_reason=r.rejection_reason,
        mail_undeliverable=r.mail_undeliverable_reason,
        documents=[staff_document(r, d.document, d.url) for d in record.documents],
        review_reasons=list(r.review_reasons),
        verified_by=r.verified_by,
        history=[
            HistoryItem(
                at=h.at, actor=h.actor, action=h.action, changes=dict(h.changes), detail=h.detail
            )
            for h in c.verification.history(r.registration_id)
        ],
    )
    return json_response(body)


@staff_route(staff_routes, "/staff/registrations/search", methods=["POST"])
def search_registration(staff: StaffIdentity) -> Response:
    """A person's one active registration, whatever day (or none) they are invited: names and
    date of birth in the body, never a URL; audited with the id found, without the person."""
    body = parse_body(staff_routes.current_request, SearchRequest)
    c = container()
    now = c.clock()
    found = c.staff.find_active(body.family_name, body.given_names, body.date_of_birth)
    items = []
    if found is not None:
        r = found.registration
        items.append(
            SearchItem(
                registration_id=r.registration_id,
                status=r.status,
                family_name=r.family_name,
                given_names=r.given_names,
                queue_position=found.queue_position,
            )
        )
    c.staff.audit(
        staff,
        "search",
        now,
        registration_id=found.registration.registration_id if found else None,
        detail="found" if found else "none",
    )
    return json_response(SearchResult(items=items))


@staff_route(staff_routes, "/staff/audit", StaffGroup.ADMIN, methods=["GET"])
def audit_trail(staff: StaffIdentity) -> Response:
    c = container()
    day = query_date() or office_today(c.clock())
    entries = c.staff.audit_trail(day)
    # Reading the audit is itself audited (after the read, so it shows in the next one).
    c.staff.audit(staff, "audit_read", c.clock(), detail=day.isoformat())
    return json_response(
        AuditList(
            items=[
                AuditItem(
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    registration_id=e.registration_id,
                    document_id=e.document_id,
                    detail=e.detail,
                )
                for e in entries
            ]
        )
    )


@staff_route(staff_routes, "/staff/stats", methods=["GET"])
def stats(staff: StaffIdentity) -> Response:
    return json_response(_figures(container().clock()))


FIGURE_DAY_COLUMNS = ("appointments", "served", "rejected", "no_shows")
EXPIRY_BANDS = ("expired", "within_2_days", "within_7_days")


@staff_route(staff_routes, "/staff/stats.csv", methods=["GET"])
def stats_csv(staff: StaffIdentity) -> Response:
    """The figures of /staff/stats as a CSV download (text/csv, UTF-8, CRLF), audited as
    `figures_export`. Counts only, no personal data: a header `date,appointments,served,
    rejected,no_shows` and one row per day of the last 14 (office dates), then after a blank
    line the waiting queue by expiry band (`queue_by_expiry,expired,within_2_days,
    within_7_days` and its counts), then `status,count` per registration status."""
    c = container()
    now = c.clock()
    figures = _figures(now)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", *FIGURE_DAY_COLUMNS])
    for day in figures["days"]:
        writer.writerow([day["date"], *(day[k] for k in FIGURE_DAY_COLUMNS)])
    writer.writerow([])
    writer.writerow(["queue_by_expiry", *EXPIRY_BANDS])
    writer.writerow(["", *(figures["queue_by_expiry"][b] for b in EXPIRY_BANDS)])
    writer.writerow([])
    writer.writerow(["status", "count"])
    writer.writerows(sorted(figures["counts_by_status"].items()))
    # Who took the figures out of the office, and when (issue 14: the export is audited).
    c.staff.audit(staff, "figures_export", now, detail=office_today(now).isoformat())
    filename = f"notfalltermin-figures-{office_today(now).isoformat()}.csv"
    return Response(
        body=out.getvalue(),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            **NO_STORE,
        },
    )


def _figures(now: datetime) -> dict[str, Any]:
    """Counts per status, the queue by expiry band and the last 14 days' tallies (JSON)."""
    c = container()
    bands = c.staff.queue_bands(now)
    days = [
        DayStats(
            date=t.day,
            appointments=t.appointments,
            served=t.served,
            rejected=t.rejected,
            no_shows=t.no_shows,
        ).model_dump(mode="json")
        for t in c.staff.recent_days(now)
    ]
    return {
        "counts_by_status": c.staff.status_counts(),
        "queue_by_expiry": QueueByExpiry(
            expired=bands.expired,
            within_2_days=bands.within_2_days,
            within_7_days=bands.within_7_days,
        ).model_dump(),
        "days": days,
    }


MAX_CAPACITY_DAYS = 62


@staff_route(staff_routes, "/staff/capacity", methods=["GET"])
def capacity(staff: StaffIdentity) -> Response:
    c = container()
    start = query_date("from") or office_today(c.clock())
    end = query_date("to") or start + timedelta(days=13)
    if end < start or (end - start).days >= MAX_CAPACITY_DAYS:
        raise ValidationFailed(
            f"to must be on or after from, and the range at most {MAX_CAPACITY_DAYS} days.",
            errors=[FieldError("to", f"must be within {MAX_CAPACITY_DAYS} days after from")],
        )
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return json_response(
        CapacityList(items=[_capacity_day(c.allocation.capacity(d)) for d in days])
    )


@staff_route(staff_routes, "/staff/capacity/{day}", StaffGroup.ADMIN, methods=["PUT"])
def set_capacity(staff: StaffIdentity, day: str) -> Response:
    body = parse_body(staff_routes.current_request, CapacityRequest)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed(
            "The date must be YYYY-MM-DD.", errors=[FieldError("date", "must be YYYY-MM-DD")]
        ) from None
    c = container()
    now = c.clock()
    if when < office_today(now):
        raise ValidationFailed(
            "A past day's capacity cannot be changed.",
            errors=[FieldError("date", "must be today or later")],
        )
    if body.windows is not None:
        places = {w.start.replace(":", ""): w.capacity for w in body.windows}
        result = c.allocation.set_window_capacity(when, places)
        # The windows with places (every other window of the day has none).
        given = ",".join(f"{k}:{n}" for k, n in sorted(places.items()) if n)
        detail = f"{when.isoformat()}={result.slots} per window {given or 'none'}"
    else:
        result = c.allocation.set_capacity(when, body.slots or 0)
        detail = f"{when.isoformat()}={body.slots}"
    c.staff.audit(staff, "capacity_set", now, detail=detail)
    return json_response(_capacity_day(result))


@staff_route(staff_routes, "/staff/allocations", StaffGroup.ADMIN, methods=["POST"])
def allocate_now(staff: StaffIdentity) -> Response:
    body = parse_body(staff_routes.current_request, AllocationRequest)
    c = container()
    now = c.clock()
    if body.date != office_today(now):
        raise ValidationFailed(
            "Allocation can only be run for today.",
            errors=[FieldError("date", f"must be today ({office_today(now).isoformat()})")],
        )
    summary = c.allocation.allocate_day(now, trigger="manual")
    c.staff.audit(staff, "allocation_run", now, detail=summary.run_id)
    return json_response(summary.as_dict())


def _capacity_day(day: DayCapacity) -> CapacityDay:
    allocation = container().allocation
    runs = allocation.scheduled_runs(day.day)
    return CapacityDay(
        date=day.day,
        slots=day.slots,
        given=day.given,
        left=day.left,
        closed=day.closed,
        scheduled_run=runs[0] if runs else None,
        notice=allocation.no_run_notice(day.day, day.slots),
        windows=window_plans(allocation.windows(day.day)),
        windows_set=day.per_window,
        holiday=public_holiday_name(day.day),
    )


def window_plans(windows: list[ArrivalWindow]) -> list[WindowPlan]:
    return [
        WindowPlan(
            start=w.start.isoformat(timespec="minutes"),
            end=w.end.isoformat(timespec="minutes"),
            capacity=w.capacity,
        )
        for w in windows
    ]


# -- the review list (issue 12) ----------------------------------------------------------------


@staff_route(staff_routes, "/staff/reviews", methods=["GET"])
def reviews(staff: StaffIdentity) -> Response:
    c = container()
    now = c.clock()
    page = c.verification.review_page(_limit(), _query("cursor"))
    items = []
    for r in page.registrations:
        documents = []
        for d in r.documents:
            url = c.staff.document_url(staff, d, now)
            documents.append(staff_document(r, d, url))
        items.append(
            ReviewItem(
                registration_id=r.registration_id,
                review_since=r.review_since,
                review_reasons=list(r.review_reasons),
                family_name=r.family_name,
                given_names=r.given_names,
                date_of_birth=r.date_of_birth,
                nationality=r.nationality,
                title_type=r.title_type,
                title_number=r.title_number,
                title_expires_on=r.title_expires_on,
                documents=documents,
            )
        )
    c.staff.audit(
        staff,
        "review_list_read",
        now,
        detail=",".join(r.registration_id for r in page.registrations) or None,
    )
    return json_response(ReviewList(items=items, next_cursor=page.next_cursor))


@staff_route(staff_routes, "/staff/registrations/{registration_id}/review", methods=["POST"])
def review(staff: StaffIdentity, registration_id: str) -> Response:
    body = parse_body(staff_routes.current_request, ReviewRequest)
    c = container()
    now = c.clock()
    corrected = body.corrected.title_expires_on if body.corrected else None
    registration = c.verification.review(
        registration_id,
        actor=staff.username,
        outcome=ReviewOutcome(body.outcome),
        reason=body.reason,
        corrected_expiry=corrected,
        now=now,
    )
    detail = body.outcome + (f" expiry={corrected.isoformat()}" if corrected else "")
    c.staff.audit(staff, "review", now, registration_id=registration_id, detail=detail)
    return json_response(
        ReviewResult(
            registration_id=registration_id,
            status=registration.status,
            title_expires_on=registration.title_expires_on,
        )
    )


@staff_route(
    staff_routes,
    "/staff/registrations/{registration_id}/lift-hold",
    StaffGroup.ADMIN,
    methods=["POST"],
)
def lift_hold(staff: StaffIdentity, registration_id: str) -> Response:
    body = parse_body(staff_routes.current_request, LiftHoldRequest)
    c = container()
    now = c.clock()
    if not c.verification.lift_hold(
        registration_id, actor=staff.username, reason=body.reason, now=now
    ):
        raise NotFound("This person's identity is not on hold.")
    c.staff.audit(staff, "hold_lifted", now, registration_id=registration_id, detail=body.reason)
    return empty_response()


def staff_document(
    registration: Registration, document: Document, url: str | None
) -> StaffDocument:
    checked = check_document(registration, document)
    zone = document.zone
    return StaffDocument(
        document_id=document.document_id,
        kind=document.kind,
        filename=document.filename,
        content_type=document.content_type.value,
        size_bytes=document.size_bytes,
        status=document.status.value,
        rejection_reason=document.rejection_reason.value if document.rejection_reason else None,
        download_url=url,
        check=checked.check,
        zone=ZoneView.model_validate(asdict(zone)) if zone else None,
        mismatches=[MismatchView.model_validate(mismatch_view(m)) for m in checked.mismatches],
    )


# -- voiding a registration made with another person's identity (issue 16) ---------------------


@staff_route(
    staff_routes,
    "/staff/registrations/{registration_id}/void",
    StaffGroup.ADMIN,
    methods=["POST"],
)
def void_registration(staff: StaffIdentity, registration_id: str) -> Response:
    """After checking the person's passport at the office: the registration that holds their
    identity ends and is erased, its address is mailed the reason; they can then register."""
    body = parse_body(staff_routes.current_request, VoidRequest)
    c = container()
    c.staff.void(staff, registration_id, body.reason, c.clock())
    return empty_response()
