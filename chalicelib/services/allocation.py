"""Allocation use cases: give a day's appointments in queue order, mail them, close the day.

Mail goes through an outbox. An invitation is committed with its mail `pending` and claimed by
the run that gave it; that run sends it and marks it `sent` in the transaction of its next
invitation (or alone after the last), so that a run writes once per invitation. A failed send
is marked `failed` and released, and every run at its start (and at its end, when it knows of
one) takes the day's open mails whose claim has lapsed and tries again, so an appointment is
never rolled back for a mail and a re-run does not mail twice. The claim (a lease of LEASE)
keeps two concurrent runs from sending the same mail. The one repeat that remains possible: a
run that dies after the mail provider accepted a mail and before it was marked `sent` (at most
one mail of the run) leaves it open, and a later run sends it again. Mailing twice is the
lesser harm than not mailing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.allocation import (
    AllocationRun,
    DayCapacity,
    DayCounter,
    Invitation,
    MailKind,
    MailStatus,
    Outcome,
    RunEntry,
    day_slots,
)
from chalicelib.domain.calendar import OFFICE_TZ, office_today, utc_timestamp
from chalicelib.domain.entrance_code import (
    InvalidEntrancePass,
    entrance_pass,
    format_reference,
    new_reference,
    normalise_reference,
    qr_png,
    read_entrance_pass,
)
from chalicelib.domain.errors import (
    FieldError,
    InvalidState,
    NotFound,
    NotToday,
    PassInvalid,
    ServiceUnavailable,
    ValidationFailed,
    WindowNotOver,
)
from chalicelib.domain.identity import normalize_name
from chalicelib.domain.office import office
from chalicelib.domain.registration import (
    AT_THE_DESK,
    UNDO_TARGETS,
    Appointment,
    Registration,
    Status,
)
from chalicelib.domain.schedule import (
    DAY_ENDS_AT,
    ArrivalPlan,
    ArrivalWindow,
    RunVerdict,
    is_end_of_day_time,
    is_workday,
    judge_scheduled_run,
    judge_top_up,
    run_time,
    top_up_trigger,
)
from chalicelib.domain.tokens import is_well_formed_id, new_id
from chalicelib.mail import map_link, render, template_language
from chalicelib.observability import (
    log,
    record_allocation_missed,
    record_invitations,
    record_no_shows,
)
from chalicelib.services.links import Links
from chalicelib.services.ports import (
    REGISTRATION_ID_TAG,
    AllocationRepository,
    Clock,
    DeskMove,
    InlineImage,
    InviteOutcome,
    Mailer,
    MailMessage,
    MailNotSent,
    SentMark,
)

# How long a claimed mail belongs to the run that claimed it: longer than one send with its
# retries can take (3 attempts of at most 3 s to connect and 10 s to read), so a lapsed claim
# means its run is gone; and no longer than Lambda waits before retrying a failed run (a
# minute), so that retry finds the mails the failed run held.
LEASE = timedelta(seconds=60)
# The queue is read in small pages of at most the slots still to fill.
PAGE_LIMIT = 25
# Throttled or conflicting transactions in a row before a run gives up (and is retried whole).
MAX_BUSY_RETRIES = 5
# The end of a day also looks back this many days, for anything a failed evening left open.
CATCH_UP_DAYS = 7
MAX_SLOTS = 1000


@dataclass(frozen=True)
class RunSummary:
    """What a run did, in ids and counts."""

    verdict: RunVerdict
    day: date
    run_id: str | None = None
    capacity: int = 0
    given_before: int = 0
    given_after: int = 0
    invited: int = 0
    mails_sent: int = 0
    mails_failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "day": self.day.isoformat(),
            "run_id": self.run_id,
            "capacity": self.capacity,
            "given_before": self.given_before,
            "given_after": self.given_after,
            "invited": self.invited,
            "mails_sent": self.mails_sent,
            "mails_failed": self.mails_failed,
        }


SCHEDULED = "schedule"  # the trigger of a run an EventBridge schedule started


@dataclass(frozen=True)
class EndOfDaySummary:
    day: date
    run_id: str | None = None
    acted: bool = False
    no_shows: int = 0
    mails_sent: int = 0
    mails_failed: int = 0
    allocation_missed: bool | None = None  # judged on workdays by the scheduled job only

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "run_id": self.run_id,
            "acted": self.acted,
            "no_shows": self.no_shows,
            "mails_sent": self.mails_sent,
            "mails_failed": self.mails_failed,
            "allocation_missed": self.allocation_missed,
        }


@dataclass(frozen=True)
class DeskCase:
    """One of today's invitations at the entrance or the desk, with its registration (None
    once erased); `arrived_before`: the person had already arrived when scanned again."""

    invitation: Invitation
    registration: Registration | None
    arrived_before: bool = False


@dataclass
class _Tally:
    sent: int = 0
    failed: int = 0
    held: int = 0  # open mails another run's claim kept this run from sending
    unmarked: SentMark | None = None  # sent, to be marked `sent` by the run's next write


class AllocationService:
    def __init__(
        self,
        repository: AllocationRepository,
        mailer: Mailer,
        *,
        office_id: str,
        default_slots: Mapping[int, int],
        arrivals: ArrivalPlan,
        web_base_url: str,
        retention_days: int,
        clock: Clock | None = None,
        invite_unverified: bool = False,
        top_up_times: Mapping[int, tuple[time, ...]] | None = None,
        links: Links | None = None,
        entrance_key: bytes = b"",
    ) -> None:
        """`clock`: the wall clock for the outbox's claims, which last LEASE from when they are
        made, not from the run's start (a long run's later claims would be born lapsed, and a
        concurrent run could send their mails too). Without it, the run's `now`: tests that
        replay runs at chosen times."""
        self._clock = clock
        # The `preferred` verification policy: registrations in review are invited when no
        # verified person waits (services/verification.py, VerificationPolicy).
        self._invite_unverified = invite_unverified
        self._repo = repository
        self._mailer = mailer
        self._office = office(office_id)
        self._default_slots = dict(default_slots)
        self._arrivals = arrivals
        self._web_base_url = web_base_url
        self._retention = timedelta(days=retention_days)
        self._top_up_times = dict(top_up_times or {})
        self._links = links or Links(web_base_url, b"")
        # Signs the entrance passes the invitation's QR code carries (domain/entrance_code.py).
        self._entrance_key = entrance_key

    # -- capacity ---------------------------------------------------------------------------

    def capacity(self, day: date) -> DayCapacity:
        counter = self._repo.day(self._office.office_id, day)
        return DayCapacity(day, self._slots(counter), counter.held, counter.window_caps is not None)

    def windows(self, day: date, counter: DayCounter | None = None) -> list[ArrivalWindow]:
        """The day's arrival windows with their capacity (the day's slots spread over them,
        from the window its first run could reach; all of them before that run)."""
        counter = counter or self._repo.day(self._office.office_id, day)
        return self._arrivals.windows(
            day, self._slots(counter), counter.plan_from, counter.window_caps
        )

    def _plan(self, counter: DayCounter, now: datetime) -> tuple[str | None, list[ArrivalWindow]]:
        """Where the day's places are: from its stored first window, or, before the day's
        first invitation, from the first window a person told at `now` can reach."""
        start = counter.plan_from
        if counter.window_caps is not None:  # the head's places per window: nothing to spread
            return start, self.windows(counter.day, counter)
        if start is None:
            reachable = [
                w
                for w in self._arrivals.windows(counter.day, self._slots(counter))
                if self._arrivals.reachable(w, now)
            ]
            start = reachable[0].key if reachable else "2400"
        return start, self._arrivals.windows(counter.day, self._slots(counter), start)

    def scheduled_runs(self, day: date) -> list[str]:
        """The local times ('HH:MM') of the day's scheduled runs: the morning run and the
        top-ups; none on a weekend or holiday, whatever its capacity."""
        at = run_time(day)
        if at is None:
            return []
        return [t.strftime("%H:%M") for t in (at, *self._top_up_times.get(day.weekday(), ()))]

    def no_run_notice(self, day: date, slots: int | None = None) -> str | None:
        """What staff must know when a day has places but no scheduled run (a weekend or
        holiday they opened): nobody is invited unless an admin runs the allocation."""
        if slots is None:
            slots = self.capacity(day).slots
        if slots == 0 or self.scheduled_runs(day):
            return None
        return (
            f"No scheduled run happens on {day.isoformat()} (a weekend or public holiday): "
            f"its {slots} places are given only when an admin starts the allocation on that "
            "day (POST /staff/allocations, or the console's Run button), at least "
            f"{self._arrivals.minimum_notice.seconds // 60} minutes before the first window."
        )

    def runs(self, day: date) -> list[AllocationRun]:
        """The day's run records, oldest first: who was invited before whom and why."""
        return sorted(self._repo.runs(self._office.office_id, day), key=lambda r: r.started_at)

    def set_capacity(self, day: date, slots: int) -> DayCapacity:
        """Override the date's places, spread evenly over its windows (ArrivalPlan); 0 closes
        the day. Places per window set before are dropped. ValidationFailed outside 0..MAX_SLOTS."""
        if not 0 <= slots <= MAX_SLOTS:
            raise ValidationFailed(
                "The number of slots is not valid.",
                errors=[FieldError("slots", f"must be between 0 and {MAX_SLOTS}")],
            )
        self._repo.set_capacity(self._office.office_id, day, slots)
        log().info(
            "capacity_set", office_id=self._office.office_id, day=day.isoformat(), slots=slots
        )
        return self.capacity(day)

    def set_window_capacity(self, day: date, places: Mapping[str, int]) -> DayCapacity:
        """Set the places of each arrival window of the date ({'HHMM': places}, every window
        of the day named once); the day's slots become their sum, and runs give each window
        exactly its places (a clerk plans the desk's hours, e.g. none over lunch). Places
        already held stay held. ValidationFailed when a window is missing or not one of the
        day's, a number is negative, or the sum exceeds MAX_SLOTS."""
        keys = [w.key for w in self._arrivals.windows(day, 0)]
        if sorted(places) != keys:
            starts = ", ".join(f"{k[:2]}:{k[2:]}" for k in keys)
            raise ValidationFailed(
                "Name each arrival window of the day once.",
                errors=[FieldError("windows", f"must be the windows starting {starts}")],
            )
        if any(n < 0 for n in places.values()) or sum(places.values()) > MAX_SLOTS:
            raise ValidationFailed(
                "The number of places is not valid.",
                errors=[FieldError("windows", f"each 0 or more, together at most {MAX_SLOTS}")],
            )
        self._repo.set_capacity(
            self._office.office_id, day, sum(places.values()), window_caps=dict(places)
        )
        log().info(
            "capacity_set",
            office_id=self._office.office_id,
            day=day.isoformat(),
            slots=sum(places.values()),
            windows=len(places),
        )
        return self.capacity(day)

    # -- allocation -------------------------------------------------------------------------

    def allocate_on_schedule(self, scheduled: datetime, delivered: datetime) -> RunSummary:
        """The scheduled run: acts only on a run time of a workday, delivered that same day."""
        verdict = judge_scheduled_run(scheduled, delivered)
        if verdict is not RunVerdict.RUN:
            log().info(
                "allocation_replay_ignored"
                if verdict is RunVerdict.REPLAY
                else "allocation_skipped",
                reason=verdict.value,
                scheduled=utc_timestamp(scheduled),
                delivered=utc_timestamp(delivered),
            )
            return RunSummary(verdict, office_today(scheduled))
        return self._run_once(office_today(scheduled), SCHEDULED, scheduled, delivered)

    def top_up_on_schedule(self, scheduled: datetime, delivered: datetime) -> RunSummary:
        """A top-up run (issue 13): at a configured time of a run day, the released and unused
        places of today's windows that still leave the minimum notice go to the next people of
        the queue. Once per time: a second delivery gives nothing more."""
        verdict, at = judge_top_up(scheduled, delivered, self._top_up_times)
        day = office_today(scheduled)
        if verdict is not RunVerdict.RUN or at is None:
            if verdict is not RunVerdict.NOT_RUN_TIME:  # 35 of a day's 36 deliveries
                log().info(
                    "top_up_skipped",
                    reason=verdict.value,
                    scheduled=utc_timestamp(scheduled),
                    delivered=utc_timestamp(delivered),
                )
            return RunSummary(verdict, day)
        return self._run_once(day, top_up_trigger(at), scheduled, delivered)

    def _run_once(
        self, day: date, trigger: str, scheduled: datetime, delivered: datetime
    ) -> RunSummary:
        """The scheduled run `trigger` of `day`, unless it completed before: then its open
        mails are tried again and nothing else happens."""
        if any(run.trigger == trigger for run in self._repo.runs(self._office.office_id, day)):
            tally = _Tally()
            self._deliver_open_mails(day, delivered, new_id(), tally)
            self._mark_sent(tally)
            log().info(
                "allocation_duplicate_ignored",
                trigger=trigger,
                scheduled=utc_timestamp(scheduled),
                delivered=utc_timestamp(delivered),
            )
            return RunSummary(
                RunVerdict.ALREADY_RUN, day, mails_sent=tally.sent, mails_failed=tally.failed
            )
        return self.allocate_day(delivered, trigger=trigger)

    def allocate_day(self, now: datetime, trigger: str = "manual") -> RunSummary:
        """Give today's places in windows that start at least the minimum notice from `now`
        to the head of the queue (skipping whoever released a place today), and mail them."""
        today = office_today(now)
        office_id = self._office.office_id
        run_id = new_id()
        tally = _Tally()
        seen = self._deliver_open_mails(today, now, run_id, tally)

        counter = self._repo.day(office_id, today)
        given_before = counter.given
        entries: list[RunEntry] = []
        after: str | None = None
        room = self._free_window(counter, now) is not None
        while room:
            page = self._repo.waiting(
                office_id, after, min(self._free_places(counter, now), PAGE_LIMIT)
            )
            if not page:
                break
            for registration in page:
                if registration.released_on == today:
                    continue  # said "I can't come today": keeps the place in the queue
                counter, invitation, room = self._give_place(
                    registration, counter, now, tally=tally, run_id=run_id
                )
                if invitation is not None:
                    entries.append(_entry(invitation))
                    self._send_claimed(
                        invitation,
                        MailKind.INVITATION,
                        replace(registration, status=Status.INVITED),
                        claim=run_id,
                        now=now,
                        tally=tally,
                        mark_later=True,
                    )
                if not room:
                    break
            after = page[-1].queue_key
        if self._invite_unverified and self._free_window(counter, now) is not None:
            counter = self._invite_unverified_ones(
                counter, now, tally=tally, run_id=run_id, entries=entries
            )
        capacity = self._slots(counter)
        self._mark_sent(tally)

        self._repo.record_run(
            AllocationRun(
                run_id=run_id,
                office_id=office_id,
                day=today,
                trigger=trigger,
                started_at=utc_timestamp(now),
                local_time=now.astimezone(OFFICE_TZ).isoformat(timespec="seconds"),
                capacity=capacity,
                given_before=given_before,
                given_after=counter.given,
                invitations=entries,
            ),
            _epoch(now + self._retention),
        )
        if tally.failed or tally.held or counter.given != seen + len(entries):
            # A mail of the day may still be open: one that failed in this run, one another run
            # held, or one of the invitations another run gave meanwhile. Otherwise this run
            # settled every mail of the day it did not find settled, and reading the day again
            # would cost a read per appointment for nothing (docs/performance.md).
            self._deliver_open_mails(today, now, run_id, tally)
        summary = RunSummary(
            RunVerdict.RUN,
            today,
            run_id=run_id,
            capacity=capacity,
            given_before=given_before,
            given_after=counter.given,
            invited=len(entries),
            mails_sent=tally.sent,
            mails_failed=tally.failed,
        )
        record_invitations(len(entries))
        log().info(
            "allocation_run",
            office_id=office_id,
            trigger=trigger,
            closed=capacity == 0,
            **summary.as_dict(),
        )
        return summary

    def _invite_unverified_ones(
        self,
        counter: DayCounter,
        now: datetime,
        *,
        tally: _Tally,
        run_id: str,
        entries: list[RunEntry],
    ) -> DayCounter:
        """Under the `preferred` policy, the day's remaining places go to registrations in
        review, earliest typed expiry first, but never ahead of a verified person: before each
        one the queue is looked at again (someone may have been verified meanwhile)."""
        office_id = self._office.office_id
        for registration in self._repo.unverified(office_id):
            if self._repo.waiting(office_id, None, 1):
                break
            counter, invitation, room = self._give_place(
                registration, counter, now, tally=tally, run_id=run_id,
                from_status=Status.IN_REVIEW,
            )  # fmt: skip
            if invitation is not None:
                entries.append(replace(_entry(invitation), queue_key="unverified"))
                self._send_claimed(
                    invitation,
                    MailKind.INVITATION,
                    replace(registration, status=Status.INVITED),
                    claim=run_id,
                    now=now,
                    tally=tally,
                    mark_later=True,
                )
            if not room:
                break
        return counter

    def _free_places(self, counter: DayCounter, now: datetime) -> int:
        """The places a run at `now` can still give: those of the reachable windows."""
        return sum(
            max(window.capacity - counter.taken.get(window.key, 0), 0)
            for window in self._plan(counter, now)[1]
            if self._arrivals.reachable(window, now)
        )

    def _free_window(self, counter: DayCounter, now: datetime) -> ArrivalWindow | None:
        """The earliest window of the day with a free place that a person told at `now` can
        still reach; None when there is none."""
        for window in self._plan(counter, now)[1]:
            if (
                self._arrivals.reachable(window, now)
                and counter.taken.get(window.key, 0) < window.capacity
            ):
                return window
        return None

    def _give_place(
        self,
        registration: Registration,
        counter: DayCounter,
        now: datetime,
        *,
        tally: _Tally,
        run_id: str,
        from_status: Status = Status.WAITING,
    ) -> tuple[DayCounter, Invitation | None, bool]:
        """Invite one registration into the earliest free reachable window with the day's next
        seq, marking the run's last mail `sent` in the same transaction; when the day moved
        under us (a concurrent run, a release, a capacity change), read it again and retry.
        Returns the day as now known, the invitation (None when not given), and whether a
        place is left."""
        busy = 0
        while (window := self._free_window(counter, now)) is not None:
            seq = counter.given + 1
            invitation = Invitation(
                office_id=self._office.office_id,
                day=counter.day,
                seq=seq,
                registration_id=registration.registration_id,
                window_start=window.start.isoformat(timespec="minutes"),
                window_end=window.end.isoformat(timespec="minutes"),
                queue_key=registration.queue_key or "",
                run_id=run_id,
                reference=registration.reference or new_reference(),
            )
            try:
                outcome = self._repo.invite(
                    invitation,
                    counter,
                    window_capacity=window.capacity,
                    appointment=self._appointment(invitation),
                    invited_at=utc_timestamp(now),
                    lease_until=_epoch(self._instant(now) + LEASE),
                    erase_after=_epoch(now + self._retention),
                    sent_mark=tally.unmarked,
                    from_status=from_status,
                    plan_from=self._plan(counter, now)[0],
                )
            except ServiceUnavailable:
                busy += 1
                if busy > MAX_BUSY_RETRIES:
                    raise
                outcome = InviteOutcome(invited=False, day_changed=True)
            if outcome.mark_refused and tally.unmarked is not None:
                self._claim_lost(tally.unmarked)
                tally.unmarked = None
                continue
            if outcome.invited:
                tally.unmarked = None
                log().info(
                    "invitation_given",
                    registration_id=registration.registration_id,
                    run_id=run_id,
                    seq=seq,
                    window=window.key,
                )
                taken = {**counter.taken, window.key: counter.taken.get(window.key, 0) + 1}
                counter = replace(counter, given=seq, taken=taken)
                return counter, invitation, self._free_window(counter, now) is not None
            if outcome.day_changed:
                counter = self._repo.day(self._office.office_id, counter.day)
            if outcome.not_waiting:
                break
        return counter, None, self._free_window(counter, now) is not None

    # -- the end of the day -----------------------------------------------------------------

    def end_day_on_schedule(self, scheduled: datetime, delivered: datetime) -> EndOfDaySummary:
        """The evening job: the day is the local date of the event's scheduled time."""
        day = office_today(scheduled)
        if not is_end_of_day_time(scheduled):
            log().info("end_of_day_skipped", reason="too_early", scheduled=utc_timestamp(scheduled))
            return EndOfDaySummary(day)
        summary = self.end_day(day, delivered)
        if is_workday(day):
            # A workday that no run gave out (every acting run leaves a record, even on a
            # closure day) is what the AllocationMissed alarm watches for.
            missed = not self._repo.runs(self._office.office_id, day)
            record_allocation_missed(missed)
            summary = replace(summary, allocation_missed=missed)
            if missed:
                log().error(
                    "allocation_missed", office_id=self._office.office_id, day=day.isoformat()
                )
        return summary

    def end_day(self, day: date, now: datetime) -> EndOfDaySummary:
        """Close `day` (and the days before it): invitations nobody acted on become no-shows,
        every desk outcome becomes final (no undo after this; the person may register again),
        and the closing mails go out (no-show, rejection with its reason)."""
        local = now.astimezone(OFFICE_TZ)
        if day > local.date() or (day == local.date() and local.time() < DAY_ENDS_AT):
            raise InvalidState(f"{day.isoformat()} is not over yet.")
        run_id = new_id()
        tally = _Tally()
        no_shows = 0
        for back in range(CATCH_UP_DAYS - 1, -1, -1):
            no_shows += self._close(day - timedelta(days=back), now, run_id, tally)
        summary = EndOfDaySummary(
            day,
            run_id=run_id,
            acted=True,
            no_shows=no_shows,
            mails_sent=tally.sent,
            mails_failed=tally.failed,
        )
        record_no_shows(no_shows)
        log().info("day_ended", office_id=self._office.office_id, **summary.as_dict())
        return summary

    def _close(self, day: date, now: datetime, run_id: str, tally: _Tally) -> int:
        no_shows = 0
        for invitation in self._repo.invitations(self._office.office_id, day):
            if invitation.final:
                for kind in (MailKind.NO_SHOW, MailKind.REJECTION):
                    status = invitation.mail_status_of(kind)
                    if status is not None and status.is_open:
                        self._retry(invitation, kind, now, run_id, tally)
                continue
            registration = self._repo.registration(invitation.registration_id)
            if registration is None or not _holds_appointment(registration, day):
                outcome = invitation.outcome or (
                    registration.status.value if registration else "erased"
                )
                self._repo.close_invitation(invitation, outcome)
                continue
            final_status, mail = _closing(invitation, registration)
            if not self._repo.finalise(
                invitation,
                registration,
                final_status=final_status,
                outcome=invitation.outcome or final_status.value,
                erase_after=_epoch(now + self._retention),
                mail=mail,
                claim_id=run_id,
                lease_until=_epoch(self._instant(now) + LEASE),
                at=utc_timestamp(now),
            ):
                continue  # closed meanwhile by a concurrent end of the day
            if final_status is Status.NO_SHOW:
                no_shows += 1
            log().info(
                "appointment_final",
                registration_id=invitation.registration_id,
                outcome=final_status.value,
                run_id=run_id,
            )
            if mail is not None:
                self._send_claimed(
                    invitation,
                    mail,
                    replace(registration, status=final_status),
                    claim=run_id,
                    now=now,
                    tally=tally,
                )
        return no_shows

    # -- the entrance and the desk ----------------------------------------------------------

    def day_list(self, day: date) -> list[tuple[Invitation, Registration | None]]:
        """The day's invitations in arrival order, each with its registration (None once
        erased)."""
        return [
            (invitation, self._repo.registration(invitation.registration_id))
            for invitation in self._repo.invitations(self._office.office_id, day)
        ]

    def find_by_reference(self, typed: str, now: datetime) -> DeskCase:
        """Today's invitation of the reference a person says or shows (Crockford decoding:
        O is 0, I and L are 1). NotFound when today has none."""
        reference = normalise_reference(typed)
        if reference is not None:
            for case in self._today(now):
                if case.invitation.reference == reference:
                    return case
        raise NotFound("No appointment today has this reference.")

    def find_by_person(self, family_name: str, date_of_birth: str, now: datetime) -> list[DeskCase]:
        """Today's invitations of a person found by family name (folded as identities are:
        case, accents, punctuation) and date of birth as typed in the registration."""
        wanted = normalize_name(family_name)
        return [
            case
            for case in self._today(now)
            if case.registration is not None
            and case.invitation.outcome != Outcome.RELEASED.value
            and normalize_name(case.registration.family_name) == wanted
            and str(case.registration.date_of_birth) == date_of_birth.strip()
        ]

    def read_pass(self, text: str, now: datetime) -> DeskCase:
        """The invitation an entrance pass (the QR code's text) is for: signed with this
        service's key, for this office and for today. Raises PassInvalid (forged or
        malformed), NotToday, NotFound."""
        try:
            entrance = read_entrance_pass(self._entrance_key, text.strip())
        except InvalidEntrancePass as invalid:
            raise PassInvalid(
                "This QR code was not issued by this office, or is damaged."
            ) from invalid
        today = office_today(now)
        if entrance.office_id != self._office.office_id or entrance.day != today:
            raise NotToday(
                f"This invitation is for {entrance.day.isoformat()}, not for today "
                f"({today.isoformat()})."
            )
        return self.find_by_reference(entrance.reference, now)

    def arrive(self, case: DeskCase, *, staff: str, now: datetime, key: str | None) -> DeskCase:
        """The entrance: invited -> arrived, the time recorded. Arriving again answers the
        case as it is (`arrived_before`)."""
        invitation, registration = case.invitation, self._registration(case)
        if registration.status is Status.ARRIVED:
            return replace(case, registration=registration, arrived_before=True)
        self._refuse_unless(registration, Status.INVITED, invitation)
        at = utc_timestamp(now)
        self._move(
            invitation,
            registration,
            DeskMove(
                source=Status.INVITED,
                target=Status.ARRIVED,
                outcome_before=None,
                registration_sets={"arrived_at": at, "arrived_by": staff},
                invitation_sets={"arrived_at": at},
                desk_key=key,
            ),
        )
        log().info("arrived", registration_id=registration.registration_id)
        return DeskCase(
            replace(invitation, arrived_at=at),
            replace(registration, status=Status.ARRIVED, arrived_at=at),
        )

    def check_in(
        self,
        registration_id: str,
        *,
        data_correct: bool,
        reason: str | None,
        staff: str,
        now: datetime,
        key: str | None = None,
    ) -> Registration:
        """The desk's decision on today's invitation: correct data -> served, else rejected
        (with the reason, as staff wrote it, for the applicant's mail at the end of the day).
        From invited or arrived (an arrival is recorded with it). The same decision again
        answers the state as it is; another one needs an undo first."""
        if not data_correct and not (reason and reason.strip()):
            raise ValidationFailed(
                "A rejection needs a reason.",
                errors=[FieldError("reason", "is required when the data is incorrect")],
            )
        case = self._todays_case(registration_id, now, allow=_HOLDING)
        invitation, registration = case.invitation, self._registration(case)
        status = Status.SERVED if data_correct else Status.REJECTED
        if registration.status is status or (key and invitation.desk_key == key):
            return registration
        self._refuse_unless(registration, Status.INVITED, invitation, also=Status.ARRIVED)
        at = utc_timestamp(now)
        sets: dict[str, Any] = {
            "checked_in_at": at,
            "checked_in_by": staff,
            "rejection_reason": None if data_correct else (reason or "").strip(),
            "arrived_at": registration.arrived_at or at,
        }
        self._move(
            invitation,
            registration,
            DeskMove(
                source=registration.status,
                target=status,
                outcome_before=None,
                registration_sets=sets,
                invitation_sets={
                    "outcome": status.value,
                    "decided_at": at,
                    "arrived_at": invitation.arrived_at or at,
                },
                day_counts={status.value: 1},
                desk_key=key,
            ),
        )
        log().info("checked_in", registration_id=registration_id, outcome=status.value)
        return replace(registration, status=status, checked_in_at=at)

    def no_show_now(
        self, registration_id: str, now: datetime, *, staff: str = "", key: str | None = None
    ) -> Registration:
        """Staff mark today's invitation as missed, once its window has ended. The no-show
        mail goes when the end of the day makes it final, so an undone misclick mails nobody."""
        case = self._todays_case(registration_id, now, allow=_HOLDING)
        invitation, registration = case.invitation, self._registration(case)
        if registration.status is Status.NO_SHOW or (key and invitation.desk_key == key):
            return registration
        self._refuse_unless(registration, Status.INVITED, invitation, also=Status.ARRIVED)
        if now < datetime.fromisoformat(invitation.window_end):
            raise WindowNotOver(
                f"The arrival window ends at {_clock_time(invitation.window_end)}; a no-show "
                "can be recorded only after it."
            )
        at = utc_timestamp(now)
        self._move(
            invitation,
            registration,
            DeskMove(
                source=registration.status,
                target=Status.NO_SHOW,
                outcome_before=None,
                registration_sets={"no_show_at": at, "no_show_by": staff or None},
                invitation_sets={"outcome": Outcome.NO_SHOW.value, "decided_at": at},
                day_counts={"no_shows": 1},
                desk_key=key,
            ),
        )
        record_no_shows(1)
        log().info("no_show", registration_id=registration_id, by="staff")
        return replace(registration, status=Status.NO_SHOW)

    def undo(
        self, registration_id: str, *, staff: str, now: datetime, key: str | None = None
    ) -> tuple[Registration, Status]:
        """Undo the last desk action on today's invitation (arrived, served, rejected,
        no_show), before the end of the day makes it final. Returns the registration as it
        now is and the state undone. InvalidState when there is nothing to undo."""
        case = self._todays_case(registration_id, now, allow=_HOLDING)
        invitation, registration = case.invitation, self._registration(case)
        if key and invitation.desk_key == key:
            return registration, registration.status
        undone = registration.status
        if undone not in UNDO_TARGETS or invitation.final:
            raise InvalidState("There is no desk action on this invitation to undo today.")
        arrived = bool(registration.arrived_at) and undone is not Status.ARRIVED
        target = Status.ARRIVED if arrived else Status.INVITED
        registration_sets: dict[str, Any] = {}
        invitation_sets: dict[str, Any] = {}
        counts: dict[str, int] = {}
        if undone is Status.ARRIVED:
            registration_sets = {"arrived_at": None, "arrived_by": None}
            invitation_sets = {"arrived_at": None}
        elif undone is Status.NO_SHOW:
            registration_sets = {"no_show_at": None, "no_show_by": None}
            invitation_sets = {"outcome": None, "decided_at": None}
            counts = {"no_shows": -1}
        else:
            registration_sets = {
                "checked_in_at": None,
                "checked_in_by": None,
                "rejection_reason": None,
            }
            invitation_sets = {"outcome": None, "decided_at": None}
            counts = {undone.value: -1}
        self._move(
            invitation,
            registration,
            DeskMove(
                source=undone,
                target=target,
                outcome_before=invitation.outcome,
                registration_sets={**registration_sets, "undone_by": staff},
                invitation_sets={**invitation_sets, "undone_at": utc_timestamp(now)},
                day_counts=counts,
                desk_key=key,
            ),
        )
        log().info("desk_undone", registration_id=registration_id, undone=undone.value)
        return replace(registration, status=target), undone

    def release(self, registration: Registration, now: datetime) -> Registration:
        """ "I can't come today": today's place goes back to its window (a top-up run may give
        it to the next person), and the person back into the queue at their place; they are
        not invited again today. Until their window ends, and before they arrived."""
        today = office_today(now)
        if registration.status is Status.WAITING and registration.released_on == today:
            return registration  # released already: the same answer again
        if not _holds_appointment(registration, today) or registration.status is not Status.INVITED:
            raise InvalidState("There is no appointment today that could be released.")
        case = self._todays_case(registration.registration_id, now)
        invitation = case.invitation
        if now >= datetime.fromisoformat(invitation.window_end):
            raise InvalidState("The arrival window of this appointment is over.")
        if registration.queued_at is None:  # invited from review (the `preferred` policy)
            raise InvalidState("This appointment can only be withdrawn, not released.")
        at = utc_timestamp(now)
        self._move(
            invitation,
            registration,
            DeskMove(
                source=Status.INVITED,
                target=Status.WAITING,
                outcome_before=None,
                registration_sets={
                    "released_on": today.isoformat(),
                    "released_at": at,
                },
                requeue=True,
                registration_removes=(
                    "appointment_date",
                    "window_start",
                    "window_end",
                    "appointment_address",
                    "appointment_seq",
                ),
                invitation_sets={"outcome": Outcome.RELEASED.value, "decided_at": at},
                window_delta=-1,
            ),
        )
        log().info("appointment_released", registration_id=registration.registration_id)
        return replace(registration, status=Status.WAITING, appointment=None, released_on=today)

    def give_back_place(self, registration: Registration, now: datetime) -> None:
        """Before a withdrawal: today's place of an invited person whose window has not ended
        goes back to its window, as a release would (the withdrawal then leaves the queue)."""
        appointment = registration.appointment
        if (
            registration.status is Status.INVITED
            and registration.queued_at is not None
            and appointment is not None
            and appointment.date == office_today(now)
            and now < datetime.fromisoformat(appointment.window_end)
        ):
            self.release(registration, now)

    def _move(self, invitation: Invitation, registration: Registration, move: DeskMove) -> None:
        if not self._repo.move(invitation, registration, move):
            raise InvalidState(
                "This appointment was changed at the same moment by someone else; look at it again."
            )

    def _today(self, now: datetime) -> list[DeskCase]:
        return [DeskCase(i, r) for i, r in self.day_list(office_today(now))]

    def _todays_case(
        self, registration_id: str, now: datetime, allow: frozenset[Status] = AT_THE_DESK
    ) -> DeskCase:
        today = office_today(now)
        registration = None
        if is_well_formed_id(registration_id):
            registration = self._repo.registration(registration_id)
        if registration is None:
            raise NotFound("No registration with this id.")
        holds = _holds_appointment(registration, today)
        if not (holds and registration.status in allow | AT_THE_DESK):
            raise InvalidState(
                f"This registration is {registration.status.value}, not invited for today."
            )
        for invitation in self._repo.invitations(self._office.office_id, today):
            if invitation.registration_id == registration_id and invitation.outcome != (
                Outcome.RELEASED.value
            ):
                return DeskCase(invitation, registration)
        raise InvalidState("No invitation for today was found for this registration.")

    @staticmethod
    def _registration(case: DeskCase) -> Registration:
        if case.registration is None:
            raise NotFound("This registration has been erased.")
        return case.registration

    @staticmethod
    def _refuse_unless(
        registration: Registration,
        expected: Status,
        invitation: Invitation,
        also: Status | None = None,
    ) -> None:
        if registration.status in (expected, also) and not invitation.final:
            return
        if invitation.outcome == Outcome.RELEASED.value or registration.status is Status.WAITING:
            raise InvalidState("The applicant released this appointment (they cannot come).")
        raise InvalidState(
            f"This invitation is {registration.status.value}; undo that first if it was a mistake."
        )

    # -- the outbox -------------------------------------------------------------------------

    def _deliver_open_mails(self, day: date, now: datetime, run_id: str, tally: _Tally) -> int:
        """Try the day's open invitation mails again; the number of the day's invitations."""
        invitations = self._repo.invitations(self._office.office_id, day)
        for invitation in invitations:
            if invitation.mail_status.is_open:
                self._retry(invitation, MailKind.INVITATION, now, run_id, tally)
        return len(invitations)

    def _retry(
        self, invitation: Invitation, kind: MailKind, now: datetime, run_id: str, tally: _Tally
    ) -> None:
        # Read before claiming, so that the claim covers the send alone.
        registration = self._repo.registration(invitation.registration_id)
        claimed_at = self._instant(now)
        if not self._repo.claim_mail(
            invitation, kind, run_id, _epoch(claimed_at), _epoch(claimed_at + LEASE)
        ):
            tally.held += 1  # sent meanwhile, or another run holds it
            return
        self._send_claimed(invitation, kind, registration, claim=run_id, now=now, tally=tally)

    def _send_claimed(
        self,
        invitation: Invitation,
        kind: MailKind,
        registration: Registration | None,
        *,
        claim: str,
        now: datetime,
        tally: _Tally,
        mark_later: bool = False,
    ) -> None:
        """Send a mail whose claim this run holds, and record how it went: at once, or with
        `mark_later` a sent mail by the run's next write (its next invitation or _mark_sent)."""
        expected = _MAILED_IN[kind]
        if registration is None or registration.status is not expected:
            # Withdrawn, checked in or erased before the mail went out: nothing to tell.
            self._repo.settle_mail(invitation, kind, claim, MailStatus.SKIPPED, _epoch(now))
            log().info("mail_skipped", kind=kind.value, registration_id=invitation.registration_id)
            return
        try:
            self._mailer.send(self._mail(kind, invitation, registration))
        except MailNotSent as error:
            self._repo.settle_mail(invitation, kind, claim, MailStatus.FAILED, _epoch(now))
            tally.failed += 1
            log().warning(
                "mail_failed",
                kind=kind.value,
                registration_id=invitation.registration_id,
                run_id=claim,
                error=str(error),
            )
            return
        self._mark_sent(tally)
        tally.unmarked = SentMark(invitation, kind, claim, _epoch(now))
        if not mark_later:
            self._mark_sent(tally)
        tally.sent += 1
        log().info(
            "mail_sent", kind=kind.value, registration_id=invitation.registration_id, run_id=claim
        )

    def _mark_sent(self, tally: _Tally) -> None:
        """Record the run's sent mail that no invitation has marked yet, if any."""
        mark, tally.unmarked = tally.unmarked, None
        if mark is not None and not self._repo.settle_mail(
            mark.invitation, mark.kind, mark.claim_id, MailStatus.SENT, mark.at
        ):
            self._claim_lost(mark)

    @staticmethod
    def _claim_lost(mark: SentMark) -> None:
        log().warning(
            "mail_claim_lost", kind=mark.kind.value, registration_id=mark.invitation.registration_id
        )

    def _mail(
        self, kind: MailKind, invitation: Invitation, registration: Registration
    ) -> MailMessage:
        template = _TEMPLATES[kind]
        language = template_language(registration.language, template)
        context: dict[str, Any] = {
            "given_names": registration.given_names,
            "family_name": registration.family_name,
            "registration_id": registration.registration_id,
            "reference": format_reference(invitation.reference or registration.reference or ""),
            "date_text": date_text(invitation.day, language),
            "office_name": self._office.name,
            "office_address": self._office.address,
            "privacy_link": self._links.privacy(language),
            "status_link": self._links.status(registration),
        }
        images: tuple[InlineImage, ...] = ()
        if kind is MailKind.INVITATION:
            qr = InlineImage(
                cid=f"entrance-{invitation.registration_id}@notfalltermin",
                content_type="image/png",
                data=qr_png(self._entrance_pass(invitation)),
                filename="entrance-code.png",
            )
            images = (qr,)
            context.update(
                window_start=_clock_time(invitation.window_start),
                window_end=_clock_time(invitation.window_end),
                map_link=map_link(f"{self._office.name}, {self._office.address}"),
                cant_come_link=self._links.status(registration, view="release"),
                qr_cid=qr.cid,
            )
        else:
            context["register_link"] = self._links.form(language)
            if kind is MailKind.REJECTION:
                context["reason"] = registration.rejection_reason or ""
        message = render(template, language, registration.email, context)
        # The id comes back on bounce and complaint events (services/mail_events.py).
        return replace(
            message,
            tags={REGISTRATION_ID_TAG: registration.registration_id},
            inline_images=images,
        )

    def _entrance_pass(self, invitation: Invitation) -> str:
        return entrance_pass(
            self._entrance_key,
            invitation.office_id,
            invitation.day,
            invitation.reference or "",
        )

    def entrance_pass_of(self, registration: Registration, now: datetime) -> str | None:
        """The text of today's entrance pass of this registration (what its QR code says),
        for the status page; None without an appointment today."""
        if not _holds_appointment(registration, office_today(now)) or not registration.reference:
            return None
        return entrance_pass(
            self._entrance_key, registration.office_id, office_today(now), registration.reference
        )

    # -- helpers ----------------------------------------------------------------------------

    def _instant(self, now: datetime) -> datetime:
        """When a claim is made or judged: the clock's time, never before the run's `now`."""
        return max(now, self._clock()) if self._clock is not None else now

    def _slots(self, counter: DayCounter) -> int:
        return day_slots(counter.day, self._default_slots, counter.slots_override)

    def _appointment(self, invitation: Invitation) -> Appointment:
        return Appointment(
            date=invitation.day,
            window_start=invitation.window_start,
            window_end=invitation.window_end,
            address=f"{self._office.name}, {self._office.address}",
        )


# The states of a registration that still holds its appointment on that day: at the desk,
# or decided there and not yet final.
_HOLDING = AT_THE_DESK | frozenset(UNDO_TARGETS)


def _holds_appointment(registration: Registration, day: date) -> bool:
    appointment = registration.appointment
    return registration.status in _HOLDING and appointment is not None and appointment.date == day


def _closing(invitation: Invitation, registration: Registration) -> tuple[Status, MailKind | None]:
    """What the end of the day makes of an invitation: its final state and closing mail."""
    if registration.status is Status.SERVED:
        return Status.SERVED, None
    if registration.status is Status.REJECTED:
        return Status.REJECTED, MailKind.REJECTION
    return Status.NO_SHOW, MailKind.NO_SHOW  # nobody decided, or staff marked a no-show


def _entry(invitation: Invitation) -> RunEntry:
    return RunEntry(
        invitation.seq,
        invitation.registration_id,
        invitation.queue_key,
        invitation.window_start,
        invitation.window_end,
    )


_TEMPLATES = {
    MailKind.INVITATION: "invitation",
    MailKind.NO_SHOW: "no_show",
    MailKind.REJECTION: "rejected",
}
# The state a registration must still be in for its mail to be worth sending.
_MAILED_IN = {
    MailKind.INVITATION: Status.INVITED,
    MailKind.NO_SHOW: Status.NO_SHOW,
    MailKind.REJECTION: Status.REJECTED,
}


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def _clock_time(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M")


_WEEKDAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "tr": ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"),  # noqa: RUF001
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
    "uk": ("понеділок", "вівторок", "середа", "четвер", "п’ятниця", "субота", "неділя"),  # noqa: RUF001
}
_MONTHS = {
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "tr": (
        "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran",  # noqa: RUF001
        "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",  # noqa: RUF001
    ),
    "ar": (
        "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
        "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
    ),
    # Ukrainian in the genitive, as a date says it ("24 of November").
    "uk": (
        "січня", "лютого", "березня", "квітня", "травня", "червня",
        "липня", "серпня", "вересня", "жовтня", "листопада", "грудня",
    ),
}  # fmt: skip
# The long date of each language (CLDR's full format, with Western digits as in the mails'
# times): Turkish puts the weekday last, Arabic separates with its own comma, Ukrainian ends
# with the abbreviation of "year".
_DATE_FORMATS = {
    "de": "{weekday}, {day}. {month} {year}",
    "en": "{weekday}, {day} {month} {year}",
    "tr": "{day} {month} {year} {weekday}",
    "ar": "{weekday}، {day} {month} {year}",
    "uk": "{weekday}, {day} {month} {year} р.",  # noqa: RUF001
}


def date_text(day: date, language: str) -> str:
    """The long date in the mail's language, e.g. 'Dienstag, 24. November 2026', 'Tuesday,
    24 November 2026' (tr, ar and uk in tests/i18n); '24.11.2026' in any other."""
    if language not in _DATE_FORMATS:
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return _DATE_FORMATS[language].format(
        weekday=_WEEKDAYS[language][day.weekday()],
        day=day.day,
        month=_MONTHS[language][day.month - 1],
        year=day.year,
    )
