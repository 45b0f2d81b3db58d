"""Who may register: a title that has expired or expires within the next seven days."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.errors import NotEligible

ELIGIBILITY_WINDOW = timedelta(days=7)


def first_registration_date(title_expires_on: date) -> date:
    """The first office-local date on which a person with this expiry may register."""
    return title_expires_on - ELIGIBILITY_WINDOW


def is_eligible(title_expires_on: date, today: date) -> bool:
    return title_expires_on <= today + ELIGIBILITY_WINDOW


def ensure_eligible(title_expires_on: date, today: date) -> None:
    if not is_eligible(title_expires_on, today):
        first = first_registration_date(title_expires_on)
        raise NotEligible(
            f"Your title expires on {title_expires_on.isoformat()}. Emergency appointments are "
            f"only for titles that have expired or expire within 7 days. You may register "
            f"from {first.isoformat()}.",
            first_possible_date=first.isoformat(),
        )
