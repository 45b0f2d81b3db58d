"""SES bounce and complaint events: mark the registration's mail as undeliverable."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.domain.calendar import utc_timestamp
from chalicelib.domain.tokens import is_well_formed_id
from chalicelib.observability import log, record_mail_undeliverable
from chalicelib.services.ports import REGISTRATION_ID_TAG

# Bounce types and feedback types are short SES words; anything else is cut down to these
# characters, so no address or diagnostic text from the event is ever stored or logged.
_REASON_WORD = re.compile(r"[^A-Za-z0-9_-]")


class MailEventKind(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class MailEvent:
    """One SES event about a mail the service sent: which registration, and what happened."""

    registration_id: str
    kind: MailEventKind
    reason: str


class MailDeliveries(Protocol):
    def mark_undeliverable(self, registration_id: str, reason: str, at: str) -> bool:
        """Set the registration's mail as undeliverable; False when it no longer exists."""


def parse_ses_event(message: str) -> MailEvent | None:
    """The event an SES configuration set published to SNS, or None when it is not one we
    act on (another event type, or a mail that carries no registration id)."""
    try:
        body: Any = json.loads(message)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    event_type = str(body.get("eventType") or body.get("notificationType") or "").lower()
    ids = _section(_section(body, "mail"), "tags").get(REGISTRATION_ID_TAG)
    registration_id = ids[0] if isinstance(ids, list) and ids else None
    if not isinstance(registration_id, str) or not is_well_formed_id(registration_id):
        return None
    if event_type == MailEventKind.BOUNCE:
        detail = _section(body, "bounce")
        reason = _reason("bounce", detail.get("bounceType"), detail.get("bounceSubType"))
        return MailEvent(registration_id, MailEventKind.BOUNCE, reason)
    if event_type == MailEventKind.COMPLAINT:
        detail = _section(body, "complaint")
        reason = _reason("complaint", detail.get("complaintFeedbackType"))
        return MailEvent(registration_id, MailEventKind.COMPLAINT, reason)
    return None


def record_mail_event(deliveries: MailDeliveries, event: MailEvent, now: datetime) -> bool:
    """Mark the registration's mail undeliverable (staff see it); False for an erased one."""
    marked = deliveries.mark_undeliverable(event.registration_id, event.reason, utc_timestamp(now))
    if marked:
        record_mail_undeliverable()
    log().info(
        "mail_undeliverable" if marked else "mail_event_for_unknown_registration",
        registration_id=event.registration_id,
        kind=event.kind.value,
        reason=event.reason,
    )
    return marked


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    section = body.get(name)
    return section if isinstance(section, dict) else {}


def _reason(kind: str, *words: object) -> str:
    parts = [kind, *(_REASON_WORD.sub("", str(w))[:40] for w in words if w)]
    return ":".join(p for p in parts if p)
