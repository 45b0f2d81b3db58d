"""Allocation on the table: a day's counter and capacity, its invitations, its run records.

Items (PK, SK), next to those of dynamodb.py:
  DAY#<office>#<date>, DAY               given (N): appointments given that day; slots (N), only
                                         when staff overrode the date's capacity (0 = closed);
                                         no_shows (N)
  DAY#<office>#<date>, INV#<seq>#<id>    one invitation (seq zero-padded to 4): window, queue
                                         key, run id, and the outbox state of its two mails,
                                         mail_* (the invitation) and no_show_mail_*; the staff's
                                         day list in arrival order
  DAY#<office>#<date>, RUN#<run id>      what one run did: capacity, given before and after, and
                                         each invitation with its queue key
An invitation is one transaction over the day's counter, the registration and the invitation,
so the counter is exactly the number of invitations and each has its own seq.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamo_pages
from chalicelib.adapters.dynamo_errors import error_code
from chalicelib.adapters.dynamodb import (
    QUEUE_INDEX,
    REG_SK,
    DynamoRegistrationRepository,
    TransactionCancelled,
    deserialize,
    queue_pk,
    registration_from_item,
    registration_pk,
    release_lock,
    review_pk,
    serialize,
    values,
)
from chalicelib.domain.allocation import (
    AllocationRun,
    DayCounter,
    Invitation,
    MailKind,
    MailStatus,
    RunEntry,
)
from chalicelib.domain.registration import Appointment, Registration, Status
from chalicelib.services.ports import DeskMove, InviteOutcome, SentMark

DAY_SK = "DAY"
INVITATION_PREFIX = "INV#"
RUN_PREFIX = "RUN#"
# The places held in one arrival window, on the day's item: taken_<HHMM> (N).
TAKEN_PREFIX = "taken_"

_OPEN_INVITATION = "attribute_exists(PK) AND attribute_not_exists(#final)"
_MAIL_PREFIX = {
    MailKind.INVITATION: "mail",
    MailKind.NO_SHOW: "no_show_mail",
    MailKind.REJECTION: "rejection_mail",
}


def day_pk(office_id: str, day: date) -> str:
    return f"DAY#{office_id}#{day.isoformat()}"


def invitation_sk(seq: int, registration_id: str) -> str:
    return f"{INVITATION_PREFIX}{seq:04d}#{registration_id}"


def _names(*attributes: str) -> dict[str, str]:
    """ExpressionAttributeNames for attributes spelled #name in an expression."""
    return {f"#{a}": a for a in attributes}


class DynamoAllocationRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._registrations = DynamoRegistrationRepository(client, table_name)
        self._table = table_name

    # -- the day ----------------------------------------------------------------------------

    def day(self, office_id: str, day: date) -> DayCounter:
        answer = self._call(
            "get_item",
            Key=serialize({"PK": day_pk(office_id, day), "SK": DAY_SK}),
            ConsistentRead=True,
        )
        item = deserialize(answer.get("Item", {}))
        slots = item.get("slots")
        taken = {
            name.removeprefix(TAKEN_PREFIX): int(value)
            for name, value in item.items()
            if name.startswith(TAKEN_PREFIX)
        }
        caps = item.get("window_caps")
        return DayCounter(
            day,
            int(item.get("given", 0)),
            None if slots is None else int(slots),
            taken,
            item.get("plan_from"),
            None if caps is None else {key: int(n) for key, n in caps.items()},
        )

    def set_capacity(
        self, office_id: str, day: date, slots: int, window_caps: Mapping[str, int] | None = None
    ) -> None:
        named = {"slots": slots, "office": office_id, "day": day.isoformat(), "type": "day"}
        update = "SET #slots = :slots, #office_id = :office, #day = :day, #type = :type"
        if window_caps is None:
            update += " REMOVE #window_caps"
        else:
            update += ", #window_caps = :caps"
            named["caps"] = dict(window_caps)
        self._call(
            "update_item",
            Key=serialize({"PK": day_pk(office_id, day), "SK": DAY_SK}),
            UpdateExpression=update,
            ExpressionAttributeNames=_names("slots", "office_id", "day", "type", "window_caps"),
            ExpressionAttributeValues=values(**named),
        )

    # -- the queue --------------------------------------------------------------------------

    def waiting(self, office_id: str, after: str | None, limit: int) -> list[Registration]:
        condition = "GSI1PK = :pk"
        named: dict[str, Any] = {"pk": queue_pk(office_id)}
        if after is not None:
            condition += " AND GSI1SK > :after"
            named["after"] = after
        page = self._call(
            "query",
            IndexName=QUEUE_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values(**named),
            Limit=limit,
        )
        return [registration_from_item(deserialize(i)) for i in page.get("Items", [])]

    def unverified(self, office_id: str) -> list[Registration]:
        """Every registration in review, by typed expiry, then review entry, then id."""
        found: list[Registration] = []
        request: dict[str, Any] = {
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": values(pk=review_pk(office_id)),
        }
        for raw in dynamo_pages.items(self._call, "query", request):
            found.append(registration_from_item(deserialize(raw)))
        return sorted(
            (r for r in found if r.status is Status.IN_REVIEW),
            key=lambda r: (r.title_expires_on, r.review_since or "", r.registration_id),
        )

    # -- invitations ------------------------------------------------------------------------

    def invite(
        self,
        invitation: Invitation,
        counter: DayCounter,
        *,
        window_capacity: int,
        appointment: Appointment,
        invited_at: str,
        lease_until: int,
        erase_after: int,
        sent_mark: SentMark | None = None,
        from_status: Status = Status.WAITING,
        plan_from: str | None = None,
    ) -> InviteOutcome:
        held = counter.taken.get(invitation.window_key, 0)
        if invitation.seq != counter.given + 1 or held >= window_capacity:
            raise ValueError("an invitation takes the next seq and a window that has room")
        taken = f"{TAKEN_PREFIX}{invitation.window_key}"
        day_names = _names("given", "slots", "office_id", "day", "type", "plan_from", taken)
        day_values: dict[str, Any] = {
            "next": invitation.seq,
            "office": invitation.office_id,
            "day": invitation.day.isoformat(),
            "type": "day",
            "one": 1,
            "window_capacity": window_capacity,
            "plan_from": plan_from or invitation.window_key,
        }
        # The rule as the condition: the counter is what this run read, the window below its
        # capacity (a release meanwhile only lowers it); the capacity is what it was read from
        # (an override that changed meanwhile fails it).
        if counter.given == 0:
            condition = "attribute_not_exists(#given)"
        else:
            condition = "#given = :given"
            day_values["given"] = counter.given
        condition += f" AND (attribute_not_exists(#{taken}) OR #{taken} < :window_capacity)"
        if counter.slots_override is None:
            condition += " AND attribute_not_exists(#slots)"
        else:
            condition += " AND #slots = :slots"
            day_values["slots"] = counter.slots_override
        # Places per window changed meanwhile (set, dropped, or this window's changed): read again.
        day_names.update(_names("window_caps"))
        if counter.window_caps is None:
            condition += " AND attribute_not_exists(#window_caps)"
        else:
            condition += " AND #window_caps.#window_key = :window_capacity"
            day_names["#window_key"] = invitation.window_key
        update_day = {
            "Update": {
                "TableName": self._table,
                "Key": serialize(
                    {"PK": day_pk(invitation.office_id, invitation.day), "SK": DAY_SK}
                ),
                "UpdateExpression": (
                    "SET #given = :next, #office_id = :office, #day = :day, #type = :type, "
                    "#plan_from = if_not_exists(#plan_from, :plan_from) "
                    f"ADD #{taken} :one"
                ),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": day_names,
                "ExpressionAttributeValues": values(**day_values),
            }
        }
        invite_registration = {
            "Update": {
                "TableName": self._table,
                "Key": serialize({"PK": registration_pk(invitation.registration_id), "SK": REG_SK}),
                "UpdateExpression": (
                    "SET #status = :invited, appointment_date = :date, window_start = :start, "
                    "window_end = :end, appointment_address = :address, invited_at = :at, "
                    "appointment_seq = :seq, invitation_run_id = :run, "
                    "#reference = if_not_exists(#reference, :reference) "
                    "REMOVE GSI1PK, GSI1SK, arrived_at"
                ),
                "ConditionExpression": "#status = :from_status",
                "ExpressionAttributeNames": _names("status", "reference"),
                "ExpressionAttributeValues": values(
                    invited=Status.INVITED.value,
                    from_status=from_status.value,
                    date=appointment.date.isoformat(),
                    start=appointment.window_start,
                    end=appointment.window_end,
                    address=appointment.address,
                    at=invited_at,
                    seq=invitation.seq,
                    run=invitation.run_id,
                    reference=invitation.reference,
                ),
            }
        }
        record_invitation = {
            "Put": {
                "TableName": self._table,
                "Item": serialize(
                    {
                        **invitation_item(invitation),
                        "mail_claim": invitation.run_id,
                        "mail_lease_until": lease_until,
                        "expires_at": erase_after,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        items = [update_day, invite_registration, record_invitation]
        if sent_mark is not None:
            mark = _settle_update(sent_mark.kind, sent_mark.claim_id, MailStatus.SENT, sent_mark.at)
            key = serialize(_invitation_key_item(sent_mark.invitation))
            items.append({"Update": {"TableName": self._table, "Key": key, **mark}})
        if from_status is Status.WAITING:
            # Out of the queue's counts (dynamo_queue_counts.py), after the conditioned items.
            items.extend(
                self._registrations.queue_count_updates(
                    invitation.office_id, invitation.queue_key, -1
                )
            )
        try:
            self._call("transact_write_items", TransactItems=items)
        except TransactionCancelled as cancelled:
            failed = [*cancelled.failed_conditions, False, False, False, False]
            if not any(failed[:4]):
                raise
            return InviteOutcome(
                invited=False,
                day_changed=failed[0] or failed[2],
                not_waiting=failed[1],
                mark_refused=failed[3] and not any(failed[:3]),
            )
        return InviteOutcome(invited=True)

    def invitations(self, office_id: str, day: date) -> list[Invitation]:
        return [
            invitation_from_item(item)
            for item in self._query_day(office_id, day, INVITATION_PREFIX)
        ]

    def registration(self, registration_id: str) -> Registration | None:
        answer = self._call(
            "get_item",
            Key=serialize({"PK": registration_pk(registration_id), "SK": REG_SK}),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return registration_from_item(deserialize(item)) if item else None

    # -- the outbox -------------------------------------------------------------------------

    def claim_mail(
        self, invitation: Invitation, kind: MailKind, claim_id: str, now: int, lease_until: int
    ) -> bool:
        p = _MAIL_PREFIX[kind]
        return self._conditional_update(
            invitation,
            UpdateExpression=f"SET #{p}_claim = :claim, #{p}_lease_until = :lease",
            ConditionExpression=(
                f"#{p}_status IN (:pending, :failed) AND "
                f"(attribute_not_exists(#{p}_lease_until) OR #{p}_lease_until <= :now)"
            ),
            ExpressionAttributeNames=_names(f"{p}_claim", f"{p}_lease_until", f"{p}_status"),
            ExpressionAttributeValues=values(
                claim=claim_id,
                lease=lease_until,
                now=now,
                pending=MailStatus.PENDING.value,
                failed=MailStatus.FAILED.value,
            ),
        )

    def settle_mail(
        self, invitation: Invitation, kind: MailKind, claim_id: str, status: MailStatus, now: int
    ) -> bool:
        return self._conditional_update(invitation, **_settle_update(kind, claim_id, status, now))

    # -- runs -------------------------------------------------------------------------------

    def record_run(self, run: AllocationRun, erase_after: int) -> None:
        item = {
            "PK": day_pk(run.office_id, run.day),
            "SK": f"{RUN_PREFIX}{run.run_id}",
            "type": "allocation_run",
            "run_id": run.run_id,
            "office_id": run.office_id,
            "day": run.day.isoformat(),
            "trigger": run.trigger,
            "started_at": run.started_at,
            "local_time": run.local_time,
            "capacity": run.capacity,
            "given_before": run.given_before,
            "given_after": run.given_after,
            "invitations": [
                {
                    "seq": e.seq,
                    "registration_id": e.registration_id,
                    "queue_key": e.queue_key,
                    "window_start": e.window_start,
                    "window_end": e.window_end,
                }
                for e in run.invitations
            ],
            "expires_at": erase_after,
        }
        self._call("put_item", Item=serialize(item))

    def runs(self, office_id: str, day: date) -> list[AllocationRun]:
        return [run_from_item(item) for item in self._query_day(office_id, day, RUN_PREFIX)]

    # -- the desk and the end of the day ---------------------------------------------------

    def move(self, invitation: Invitation, registration: Registration, move: DeskMove) -> bool:
        """One transaction of a desk action, its undo or a release (services/ports.py,
        DeskMove): the registration from `move.source` (holding this day's appointment) to
        `move.target`, the invitation's outcome from `move.outcome_before` (while the day is
        not final), and the day's tallies. False when either had moved meanwhile."""
        pk = day_pk(invitation.office_id, invitation.day)
        registration_sets = {"status": move.target.value, **move.registration_sets}
        if move.requeue:
            registration_sets.update(
                GSI1PK=queue_pk(registration.office_id), GSI1SK=registration.queue_key
            )
        registration_update = _update_expression(registration_sets, move.registration_removes)
        registration_update["ConditionExpression"] = "#c_status = :c_from AND #c_date = :c_date"
        registration_update["ExpressionAttributeNames"].update(
            {"#c_status": "status", "#c_date": "appointment_date"}
        )
        registration_update["ExpressionAttributeValues"].update(
            values(c_from=move.source.value, c_date=invitation.day.isoformat())
        )
        invitation_sets = {**move.invitation_sets}
        if move.desk_key:
            invitation_sets["desk_key"] = move.desk_key
        invitation_update = _update_expression(invitation_sets, move.invitation_removes)
        condition = "attribute_exists(PK) AND attribute_not_exists(#c_final)"
        names = {"#c_final": "final", "#c_outcome": "outcome"}
        if move.outcome_before is None:
            condition += " AND attribute_not_exists(#c_outcome)"
        else:
            condition += " AND #c_outcome = :c_outcome"
            invitation_update["ExpressionAttributeValues"].update(
                values(c_outcome=move.outcome_before)
            )
        invitation_update["ConditionExpression"] = condition
        invitation_update["ExpressionAttributeNames"].update(names)
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize(
                        {"PK": registration_pk(registration.registration_id), "SK": REG_SK}
                    ),
                    **registration_update,
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize({"PK": pk, "SK": _invitation_key(invitation)}),
                    **invitation_update,
                }
            },
        ]
        if move.requeue and registration.queue_key is not None:
            items.extend(
                self._registrations.queue_count_updates(
                    registration.office_id, registration.queue_key, +1
                )
            )
        elif (
            move.source is Status.WAITING
            and move.target is not Status.WAITING
            and registration.queue_key is not None
        ):
            items.extend(
                self._registrations.queue_count_updates(
                    registration.office_id, registration.queue_key, -1
                )
            )
        counts = {name: delta for name, delta in move.day_counts.items() if delta}
        if move.window_delta:
            counts[f"{TAKEN_PREFIX}{invitation.window_key}"] = move.window_delta
        if counts:
            names_ = {f"#n{i}": name for i, name in enumerate(counts)}
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": serialize({"PK": pk, "SK": DAY_SK}),
                        "UpdateExpression": "ADD "
                        + ", ".join(f"#n{i} :n{i}" for i in range(len(counts))),
                        "ExpressionAttributeNames": names_,
                        "ExpressionAttributeValues": values(
                            **{f"n{i}": delta for i, delta in enumerate(counts.values())}
                        ),
                    }
                }
            )
        try:
            self._call("transact_write_items", TransactItems=[_clean(i) for i in items])
        except TransactionCancelled as cancelled:
            if not any(cancelled.failed_conditions):
                raise
            return False
        return True

    def finalise(
        self,
        invitation: Invitation,
        registration: Registration,
        *,
        final_status: Status,
        outcome: str,
        erase_after: int,
        mail: MailKind | None,
        claim_id: str,
        lease_until: int,
        at: str,
    ) -> bool:
        """The end of the day for one invitation, in one transaction: the registration (still
        holding this day's appointment) -> `final_status` with its erasure date, the person's
        active slot released (already gone for a registration closed before the end of the
        day became this step), the invitation final with `outcome` and its closing mail
        pending under `claim_id`, and a no-show counted when it becomes one only now. False
        when it was final already or had moved."""
        pk = day_pk(invitation.office_id, invitation.day)
        sets: dict[str, Any] = {"status": final_status.value, "expires_at": erase_after}
        if final_status is Status.NO_SHOW and registration.status is not Status.NO_SHOW:
            sets["no_show_at"] = at
        registration_update = _update_expression(sets, ())
        registration_update["ConditionExpression"] = "#c_status = :c_from AND #c_date = :c_date"
        registration_update["ExpressionAttributeNames"].update(
            {"#c_status": "status", "#c_date": "appointment_date"}
        )
        registration_update["ExpressionAttributeValues"].update(
            values(c_from=registration.status.value, c_date=invitation.day.isoformat())
        )
        invitation_sets: dict[str, Any] = {"final": True, "outcome": outcome}
        if mail is not None:
            p = _MAIL_PREFIX[mail]
            invitation_sets.update(
                {
                    f"{p}_status": MailStatus.PENDING.value,
                    f"{p}_claim": claim_id,
                    f"{p}_lease_until": lease_until,
                }
            )
        invitation_update = _update_expression(invitation_sets, ())
        invitation_update["ConditionExpression"] = (
            "attribute_exists(PK) AND attribute_not_exists(#c_final)"
        )
        invitation_update["ExpressionAttributeNames"]["#c_final"] = "final"
        lock = release_lock(self._table, registration)
        lock["Delete"]["ConditionExpression"] = "attribute_not_exists(PK) OR registration_id = :rid"
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize(
                        {"PK": registration_pk(registration.registration_id), "SK": REG_SK}
                    ),
                    **registration_update,
                }
            },
            lock,
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize({"PK": pk, "SK": _invitation_key(invitation)}),
                    **invitation_update,
                }
            },
        ]
        if invitation.outcome is None and final_status is Status.NO_SHOW:
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": serialize({"PK": pk, "SK": DAY_SK}),
                        "UpdateExpression": "ADD no_shows :one",
                        "ExpressionAttributeValues": values(one=1),
                    }
                }
            )
        try:
            self._call("transact_write_items", TransactItems=[_clean(i) for i in items])
        except TransactionCancelled as cancelled:
            if not any(cancelled.failed_conditions):
                raise
            return False
        return True

    def close_invitation(self, invitation: Invitation, outcome: str) -> None:
        self._conditional_update(
            invitation,
            UpdateExpression="SET #outcome = :outcome, #final = :final",
            ConditionExpression=_OPEN_INVITATION,
            ExpressionAttributeNames=_names("outcome", "final"),
            ExpressionAttributeValues=values(outcome=outcome, final=True),
        )

    # -- helpers ----------------------------------------------------------------------------

    def _conditional_update(self, invitation: Invitation, **request: Any) -> bool:
        try:
            self._call("update_item", Key=serialize(_invitation_key_item(invitation)), **request)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _query_day(self, office_id: str, day: date, prefix: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": values(pk=day_pk(office_id, day), prefix=prefix),
            "ConsistentRead": True,
        }
        for raw in dynamo_pages.items(self._call, "query", request):
            yield deserialize(raw)

    def _call(self, operation: str, **request: Any) -> Any:
        if operation != "transact_write_items":
            request["TableName"] = self._table
        return self._registrations.call(operation, **request)


# -- item mapping -----------------------------------------------------------------------------


def _update_expression(assignments: Mapping[str, Any], removals: Sequence[str]) -> dict[str, Any]:
    """`SET #a0 = :a0, ... REMOVE #r0, ...` with its names and values, for any attribute
    names (a None value is removed too)."""
    sets = {name: value for name, value in assignments.items() if value is not None}
    removed = [*removals, *(name for name, value in assignments.items() if value is None)]
    names = {f"#a{i}": name for i, name in enumerate(sets)}
    names.update({f"#r{i}": name for i, name in enumerate(removed)})
    expression = ""
    if sets:
        expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(sets)))
    if removed:
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
    update: dict[str, Any] = {
        "UpdateExpression": expression.strip(),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values(**{f"a{i}": v for i, v in enumerate(sets.values())}),
    }
    return update


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    """A transaction item without an empty ExpressionAttributeValues (DynamoDB refuses one)."""
    for operation in item.values():
        if not operation.get("ExpressionAttributeValues", True):
            del operation["ExpressionAttributeValues"]
    return item


def _invitation_key(invitation: Invitation) -> str:
    return invitation_sk(invitation.seq, invitation.registration_id)


def _settle_update(kind: MailKind, claim_id: str, status: MailStatus, now: int) -> dict[str, Any]:
    """The update that records a claimed mail's outcome, under its claim (alone, or as an item
    of an invitation's transaction)."""
    p = _MAIL_PREFIX[kind]
    tried = status in (MailStatus.SENT, MailStatus.FAILED)
    expression = f"SET #{p}_status = :status, #{p}_lease_until = :now"
    named: dict[str, Any] = {
        "status": status.value,
        "now": now,
        "claim": claim_id,
        "sent": MailStatus.SENT.value,
    }
    attributes = [f"{p}_status", f"{p}_lease_until", f"{p}_claim"]
    if tried:
        expression += f" ADD #{p}_attempts :one"
        attributes.append(f"{p}_attempts")
        named["one"] = 1
    return {
        "UpdateExpression": expression,
        "ConditionExpression": f"#{p}_claim = :claim AND #{p}_status <> :sent",
        "ExpressionAttributeNames": _names(*attributes),
        "ExpressionAttributeValues": values(**named),
    }


def _invitation_key_item(invitation: Invitation) -> dict[str, str]:
    return {"PK": day_pk(invitation.office_id, invitation.day), "SK": _invitation_key(invitation)}


def invitation_item(i: Invitation) -> dict[str, Any]:
    return {
        "PK": day_pk(i.office_id, i.day),
        "SK": _invitation_key(i),
        "type": "invitation",
        "office_id": i.office_id,
        "day": i.day.isoformat(),
        "seq": i.seq,
        "registration_id": i.registration_id,
        "window_start": i.window_start,
        "window_end": i.window_end,
        "queue_key": i.queue_key,
        "run_id": i.run_id,
        "mail_status": i.mail_status.value,
        "mail_attempts": i.mail_attempts,
        "outcome": i.outcome,
        "no_show_mail_status": i.no_show_mail_status.value if i.no_show_mail_status else None,
        "reference": i.reference,
    }


def invitation_from_item(item: Mapping[str, Any]) -> Invitation:
    no_show_mail = item.get("no_show_mail_status")
    return Invitation(
        office_id=item["office_id"],
        day=date.fromisoformat(item["day"]),
        seq=int(item["seq"]),
        registration_id=item["registration_id"],
        window_start=item["window_start"],
        window_end=item["window_end"],
        queue_key=item["queue_key"],
        run_id=item["run_id"],
        mail_status=MailStatus(item["mail_status"]),
        mail_attempts=int(item.get("mail_attempts", 0)),
        outcome=item.get("outcome"),
        no_show_mail_status=MailStatus(no_show_mail) if no_show_mail else None,
        reference=item.get("reference"),
        arrived_at=item.get("arrived_at"),
        decided_at=item.get("decided_at"),
        # An outcome without `decided_at` was set before desk actions could be undone (by the
        # check-in or the end of the day, which released the person's slot): final.
        final=bool(item.get("final"))
        or (item.get("outcome") is not None and "decided_at" not in item),
        rejection_mail_status=(
            MailStatus(item["rejection_mail_status"]) if item.get("rejection_mail_status") else None
        ),
        desk_key=item.get("desk_key"),
    )


def run_from_item(item: Mapping[str, Any]) -> AllocationRun:
    return AllocationRun(
        run_id=item["run_id"],
        office_id=item["office_id"],
        day=date.fromisoformat(item["day"]),
        trigger=item["trigger"],
        started_at=item["started_at"],
        local_time=item["local_time"],
        capacity=int(item["capacity"]),
        given_before=int(item["given_before"]),
        given_after=int(item["given_after"]),
        invitations=[
            RunEntry(
                int(e["seq"]),
                e["registration_id"],
                e["queue_key"],
                e.get("window_start"),
                e.get("window_end"),
            )
            for e in item.get("invitations", [])
        ],
    )
