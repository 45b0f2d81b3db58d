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
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.allocation import (
    AllocationRun,
    DayCapacity,
    DayCounter,
    Invitation,
    MailKind,
    MailStatus,
    RunEntry,
    day_slots,
)
from chalicelib.domain.calendar import OFFICE_TZ, office_today, utc_timestamp
from chalicelib.domain.errors import (
    FieldError,
    InvalidState,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from chalicelib.domain.office import office
from chalicelib.domain.registration import Appointment, Registration, Status
from chalicelib.domain.schedule import (
    DAY_ENDS_AT,
    ArrivalPlan,
    RunVerdict,
    is_end_of_day_time,
    is_workday,
    judge_scheduled_run,
)
from chalicelib.domain.tokens import is_well_formed_id, new_id
from chalicelib.mail import render, template_language
from chalicelib.observability import (
    log,
    record_allocation_missed,
    record_invitations,
    record_no_shows,
)
from chalicelib.services.ports import (
    REGISTRATION_ID_TAG,
    AllocationRepository,
    Clock,
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

    # -- capacity ---------------------------------------------------------------------------

    def capacity(self, day: date) -> DayCapacity:
        counter = self._repo.day(self._office.office_id, day)
        return DayCapacity(day, self._slots(counter), counter.given)

    def set_capacity(self, day: date, slots: int) -> DayCapacity:
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
        day = office_today(scheduled)
        if any(run.trigger == SCHEDULED for run in self._repo.runs(self._office.office_id, day)):
            # The day's scheduled run completed before: a duplicate delivery gives nothing
            # (someone who queued meanwhile waits for the next run), but finishes its mails.
            tally = _Tally()
            self._deliver_open_mails(day, delivered, new_id(), tally)
            self._mark_sent(tally)
            log().info(
                "allocation_duplicate_ignored",
                scheduled=utc_timestamp(scheduled),
                delivered=utc_timestamp(delivered),
            )
            return RunSummary(
                RunVerdict.ALREADY_RUN,
                day,
                mails_sent=tally.sent,
                mails_failed=tally.failed,
            )
        return self.allocate_day(delivered, trigger=SCHEDULED)

    def allocate_day(self, now: datetime, trigger: str = "manual") -> RunSummary:
        """Give today's remaining appointments to the head of the queue, and mail them."""
        today = office_today(now)
        office_id = self._office.office_id
        run_id = new_id()
        tally = _Tally()
        seen = self._deliver_open_mails(today, now, run_id, tally)

        counter = self._repo.day(office_id, today)
        capacity = self._slots(counter)
        given_before = counter.given
        entries: list[RunEntry] = []
        after: str | None = None
        while counter.given < capacity:
            page = self._repo.waiting(office_id, after, min(capacity - counter.given, PAGE_LIMIT))
            if not page:
                break
            for registration in page:
                counter, capacity, invitation = self._give_place(
                    registration, counter, capacity, now, tally=tally, run_id=run_id
                )
                if invitation is not None:
                    entries.append(
                        RunEntry(invitation.seq, invitation.registration_id, invitation.queue_key)
                    )
                    self._send_claimed(
                        invitation,
                        MailKind.INVITATION,
                        replace(registration, status=Status.INVITED),
                        claim=run_id,
                        now=now,
                        tally=tally,
                        mark_later=True,
                    )
                if counter.given >= capacity:
                    break
            after = page[-1].queue_key
        if self._invite_unverified and counter.given < capacity:
            counter, capacity = self._invite_unverified_ones(
                counter, capacity, now, tally=tally, run_id=run_id, entries=entries
            )
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
        capacity: int,
        now: datetime,
        *,
        tally: _Tally,
        run_id: str,
        entries: list[RunEntry],
    ) -> tuple[DayCounter, int]:
        """Under the `preferred` policy, the day's remaining places go to registrations in
        review, earliest typed expiry first, but never ahead of a verified person: before each
        one the queue is looked at again (someone may have been verified meanwhile)."""
        office_id = self._office.office_id
        for registration in self._repo.unverified(office_id):
            if counter.given >= capacity or self._repo.waiting(office_id, None, 1):
                break
            counter, capacity, invitation = self._give_place(
                registration, counter, capacity, now, tally=tally, run_id=run_id,
                from_status=Status.IN_REVIEW,
            )  # fmt: skip
            if invitation is not None:
                entries.append(RunEntry(invitation.seq, invitation.registration_id, "unverified"))
                self._send_claimed(
                    invitation,
                    MailKind.INVITATION,
                    replace(registration, status=Status.INVITED),
                    claim=run_id,
                    now=now,
                    tally=tally,
                    mark_later=True,
                )
        return counter, capacity

    def _give_place(
        self,
        registration: Registration,
        counter: DayCounter,
        capacity: int,
        now: datetime,
        *,
        tally: _Tally,
        run_id: str,
        from_status: Status = Status.WAITING,
    ) -> tuple[DayCounter, int, Invitation | None]:
        """Invite one registration with the day's next seq, marking the run's last mail `sent`
        in the same transaction; when the day moved under us (a concurrent run, a capacity
        change), read it again and retry while there is room."""
        busy = 0
        while counter.given < capacity:
            seq = counter.given + 1
            window = self._arrivals.window(counter.day, seq)
            invitation = Invitation(
                office_id=self._office.office_id,
                day=counter.day,
                seq=seq,
                registration_id=registration.registration_id,
                window_start=window.start.isoformat(timespec="minutes"),
                window_end=window.end.isoformat(timespec="minutes"),
                queue_key=registration.queue_key or "",
                run_id=run_id,
            )
            try:
                outcome = self._repo.invite(
                    invitation,
                    counter,
                    capacity=capacity,
                    appointment=self._appointment(invitation),
                    invited_at=utc_timestamp(now),
                    lease_until=_epoch(self._instant(now) + LEASE),
                    erase_after=_epoch(now + self._retention),
                    sent_mark=tally.unmarked,
                    from_status=from_status,
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
                )
                return replace(counter, given=seq), capacity, invitation
            if outcome.day_changed:
                counter = self._repo.day(self._office.office_id, counter.day)
                capacity = self._slots(counter)
            if outcome.not_waiting:
                break
        return counter, capacity, None

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
        """Invitations of `day` (and of the days before it) not checked in become no-shows,
        and their applicants are told to register again."""
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
            if invitation.outcome is None:
                registration = self._repo.registration(invitation.registration_id)
                if registration is not None and _is_invited_on(registration, day):
                    if self._repo.mark_no_show(
                        invitation,
                        registration,
                        no_show_at=utc_timestamp(now),
                        erase_after=_epoch(now + self._retention),
                        claim_id=run_id,
                        lease_until=_epoch(self._instant(now) + LEASE),
                    ):
                        no_shows += 1
                        log().info(
                            "no_show", registration_id=invitation.registration_id, run_id=run_id
                        )
                        self._send_claimed(
                            invitation,
                            MailKind.NO_SHOW,
                            replace(registration, status=Status.NO_SHOW),
                            claim=run_id,
                            now=now,
                            tally=tally,
                        )
                    continue
                outcome = registration.status.value if registration else "erased"
                self._repo.close_invitation(invitation, outcome)
            elif (
                invitation.no_show_mail_status is not None
                and invitation.no_show_mail_status.is_open
            ):
                self._retry(invitation, MailKind.NO_SHOW, now, run_id, tally)
        return no_shows

    # -- the front desk ---------------------------------------------------------------------

    def day_list(self, day: date) -> list[tuple[Invitation, Registration | None]]:
        """The day's invitations in arrival order, each with its registration (None once
        erased)."""
        return [
            (invitation, self._repo.registration(invitation.registration_id))
            for invitation in self._repo.invitations(self._office.office_id, day)
        ]

    def check_in(
        self,
        registration_id: str,
        *,
        data_correct: bool,
        reason: str | None,
        staff: str,
        now: datetime,
    ) -> Registration:
        """The on-site check of today's invitation: correct data -> served, else rejected."""
        if not data_correct and not (reason and reason.strip()):
            raise ValidationFailed(
                "A rejection needs a reason.",
                errors=[FieldError("reason", "is required when the data is incorrect")],
            )
        invitation, registration = self._todays_invitation(registration_id, now)
        status = Status.SERVED if data_correct else Status.REJECTED
        if not self._repo.record_check_in(
            invitation,
            registration,
            status=status,
            reason=None if data_correct else (reason or "").strip(),
            checked_in_at=utc_timestamp(now),
            checked_in_by=staff,
            erase_after=_epoch(now + self._retention),
        ):
            raise InvalidState("This invitation was already checked in or closed.")
        log().info("checked_in", registration_id=registration_id, outcome=status.value)
        return replace(registration, status=status)

    def no_show_now(self, registration_id: str, now: datetime) -> Registration:
        """Staff mark today's invitation as missed; the applicant is told to register again."""
        invitation, registration = self._todays_invitation(registration_id, now)
        run_id = new_id()
        if not self._repo.mark_no_show(
            invitation,
            registration,
            no_show_at=utc_timestamp(now),
            erase_after=_epoch(now + self._retention),
            claim_id=run_id,
            lease_until=_epoch(self._instant(now) + LEASE),
        ):
            raise InvalidState("This invitation was already checked in or closed.")
        no_show = replace(registration, status=Status.NO_SHOW)
        record_no_shows(1)
        log().info("no_show", registration_id=registration_id, run_id=run_id, by="staff")
        self._send_claimed(
            invitation, MailKind.NO_SHOW, no_show, claim=run_id, now=now, tally=_Tally()
        )
        return no_show

    def _todays_invitation(
        self, registration_id: str, now: datetime
    ) -> tuple[Invitation, Registration]:
        today = office_today(now)
        registration = None
        if is_well_formed_id(registration_id):
            registration = self._repo.registration(registration_id)
        if registration is None:
            raise NotFound("No registration with this id.")
        if not _is_invited_on(registration, today):
            raise InvalidState(
                f"This registration is {registration.status.value}, not invited for today."
            )
        for invitation in self._repo.invitations(self._office.office_id, today):
            if invitation.registration_id == registration_id:
                return invitation, registration
        raise InvalidState("No invitation for today was found for this registration.")

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
        expected = Status.INVITED if kind is MailKind.INVITATION else Status.NO_SHOW
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
        template = "invitation" if kind is MailKind.INVITATION else "no_show"
        language = template_language(registration.language, template)
        context: dict[str, Any] = {
            "given_names": registration.given_names,
            "family_name": registration.family_name,
            "registration_id": registration.registration_id,
            "date_text": date_text(invitation.day, language),
            "office_name": self._office.name,
            "office_address": self._office.address,
            "privacy_link": f"{self._web_base_url}/privacy.html?lang={language}",
        }
        if kind is MailKind.INVITATION:
            context["window_start"] = _clock_time(invitation.window_start)
            context["window_end"] = _clock_time(invitation.window_end)
        else:
            context["register_link"] = f"{self._web_base_url}/"
        message = render(template, language, registration.email, context)
        # The id comes back on bounce and complaint events (services/mail_events.py).
        return replace(message, tags={REGISTRATION_ID_TAG: registration.registration_id})

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


def _is_invited_on(registration: Registration, day: date) -> bool:
    appointment = registration.appointment
    return (
        registration.status is Status.INVITED
        and appointment is not None
        and appointment.date == day
    )


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
