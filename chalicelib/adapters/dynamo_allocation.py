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

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

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
from chalicelib.services.ports import InviteOutcome, SentMark

DAY_SK = "DAY"
INVITATION_PREFIX = "INV#"
RUN_PREFIX = "RUN#"

_OPEN_INVITATION = "attribute_exists(PK) AND attribute_not_exists(#outcome)"
_MAIL_PREFIX = {MailKind.INVITATION: "mail", MailKind.NO_SHOW: "no_show_mail"}


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
        return DayCounter(day, int(item.get("given", 0)), None if slots is None else int(slots))

    def set_capacity(self, office_id: str, day: date, slots: int) -> None:
        self._call(
            "update_item",
            Key=serialize({"PK": day_pk(office_id, day), "SK": DAY_SK}),
            UpdateExpression=(
                "SET #slots = :slots, #office_id = :office, #day = :day, #type = :type"
            ),
            ExpressionAttributeNames=_names("slots", "office_id", "day", "type"),
            ExpressionAttributeValues=values(
                slots=slots, office=office_id, day=day.isoformat(), type="day"
            ),
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
        while True:
            page = self._call("query", **request)
            found.extend(registration_from_item(deserialize(i)) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
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
        capacity: int,
        appointment: Appointment,
        invited_at: str,
        lease_until: int,
        erase_after: int,
        sent_mark: SentMark | None = None,
        from_status: Status = Status.WAITING,
    ) -> InviteOutcome:
        if invitation.seq != counter.given + 1 or counter.given >= capacity:
            raise ValueError("an invitation takes the next seq of a day that has room")
        day_names = _names("given", "slots", "office_id", "day", "type")
        day_values: dict[str, Any] = {
            "next": invitation.seq,
            "office": invitation.office_id,
            "day": invitation.day.isoformat(),
            "type": "day",
        }
        # The rule as the condition: the counter is what this run read, and below capacity;
        # the capacity is what it was read from (an override that changed meanwhile fails it).
        if counter.given == 0:
            condition = "attribute_not_exists(#given)"
        else:
            condition = "#given = :given AND #given < :capacity"
            day_values.update(given=counter.given, capacity=capacity)
        if counter.slots_override is None:
            condition += " AND attribute_not_exists(#slots)"
        else:
            condition += " AND #slots = :slots"
            day_values["slots"] = counter.slots_override
        update_day = {
            "Update": {
                "TableName": self._table,
                "Key": serialize(
                    {"PK": day_pk(invitation.office_id, invitation.day), "SK": DAY_SK}
                ),
                "UpdateExpression": (
                    "SET #given = :next, #office_id = :office, #day = :day, #type = :type"
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
                    "appointment_seq = :seq, invitation_run_id = :run REMOVE GSI1PK, GSI1SK"
                ),
                "ConditionExpression": "#status = :from_status",
                "ExpressionAttributeNames": _names("status"),
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
                {"seq": e.seq, "registration_id": e.registration_id, "queue_key": e.queue_key}
                for e in run.invitations
            ],
            "expires_at": erase_after,
        }
        self._call("put_item", Item=serialize(item))

    def runs(self, office_id: str, day: date) -> list[AllocationRun]:
        return [run_from_item(item) for item in self._query_day(office_id, day, RUN_PREFIX)]

    # -- the end of the day -----------------------------------------------------------------

    def mark_no_show(
        self,
        invitation: Invitation,
        registration: Registration,
        *,
        no_show_at: str,
        erase_after: int,
        claim_id: str,
        lease_until: int,
    ) -> bool:
        return self._end_appointment(
            invitation,
            registration,
            status=Status.NO_SHOW,
            registration_sets={"no_show_at": no_show_at, "expires_at": erase_after},
            invitation_sets={
                "no_show_mail_status": MailStatus.PENDING.value,
                "no_show_mail_claim": claim_id,
                "no_show_mail_lease_until": lease_until,
            },
            tally="no_shows",
        )

    def record_check_in(
        self,
        invitation: Invitation,
        registration: Registration,
        *,
        status: Status,
        reason: str | None,
        checked_in_at: str,
        checked_in_by: str,
        erase_after: int,
    ) -> bool:
        sets: dict[str, Any] = {
            "checked_in_at": checked_in_at,
            "checked_in_by": checked_in_by,
            "expires_at": erase_after,
        }
        if reason:
            sets["rejection_reason"] = reason
        return self._end_appointment(
            invitation,
            registration,
            status=status,
            registration_sets=sets,
            invitation_sets={},
            tally=status.value,
        )

    def _end_appointment(
        self,
        invitation: Invitation,
        registration: Registration,
        *,
        status: Status,
        registration_sets: Mapping[str, Any],
        invitation_sets: Mapping[str, Any],
        tally: str,
    ) -> bool:
        """One transaction ends an appointment: the registration invited (for that day) ->
        `status`, the person's active slot released, the invitation closed with `status` as
        its outcome, and the day's `tally` counted. False when it was no longer open."""
        pk = day_pk(invitation.office_id, invitation.day)
        items = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize(
                        {"PK": registration_pk(registration.registration_id), "SK": REG_SK}
                    ),
                    **_set_expression({"status": status.value, **registration_sets}),
                    "ConditionExpression": "#status = :invited AND appointment_date = :date",
                }
            },
            release_lock(self._table, registration),
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize({"PK": pk, "SK": _invitation_key(invitation)}),
                    **_set_expression({"outcome": status.value, **invitation_sets}),
                    "ConditionExpression": _OPEN_INVITATION,
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": serialize({"PK": pk, "SK": DAY_SK}),
                    "UpdateExpression": "ADD #tally :one",
                    "ExpressionAttributeNames": {"#tally": tally},
                    "ExpressionAttributeValues": values(one=1),
                }
            },
        ]
        registration_update, invitation_update = items[0]["Update"], items[2]["Update"]
        registration_update["ExpressionAttributeNames"]["#status"] = "status"
        registration_update["ExpressionAttributeValues"].update(
            values(invited=Status.INVITED.value, date=invitation.day.isoformat())
        )
        invitation_update["ExpressionAttributeNames"]["#outcome"] = "outcome"
        try:
            self._call("transact_write_items", TransactItems=items)
        except TransactionCancelled as cancelled:
            if not any(cancelled.failed_conditions):
                raise
            return False
        return True

    def close_invitation(self, invitation: Invitation, outcome: str) -> None:
        self._conditional_update(
            invitation,
            UpdateExpression="SET #outcome = :outcome",
            ConditionExpression=_OPEN_INVITATION,
            ExpressionAttributeNames=_names("outcome"),
            ExpressionAttributeValues=values(outcome=outcome),
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
        while True:
            page = self._call("query", **request)
            for item in page.get("Items", []):
                yield deserialize(item)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _call(self, operation: str, **request: Any) -> Any:
        if operation != "transact_write_items":
            request["TableName"] = self._table
        return self._registrations.call(operation, **request)


# -- item mapping -----------------------------------------------------------------------------


def _set_expression(assignments: Mapping[str, Any]) -> dict[str, Any]:
    """`SET #a0 = :a0, ...` with its names and values, for any attribute names."""
    names = {f"#a{i}": name for i, name in enumerate(assignments)}
    return {
        "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(names))),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values(
            **{f"a{i}": v for i, v in enumerate(assignments.values())}
        ),
    }


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
            RunEntry(int(e["seq"]), e["registration_id"], e["queue_key"])
            for e in item.get("invitations", [])
        ],
    )
