"""A registration as the domain holds it, for tests that build one without the API: Olena
Kovalenko's, unconfirmed, with `changes` laid over it (dataclasses.replace)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.registration import Registration, Status, TitleType


def a_registration(**changes: Any) -> Registration:
    person = Registration(
        registration_id="r1",
        status=Status.EMAIL_UNVERIFIED,
        given_names="Olena",
        family_name="Kovalenko",
        date_of_birth=BirthDate(1991, 4, 12),
        nationality="UKR",
        email="olena@example.org",
        language="uk",
        title_type=TitleType.RESIDENCE_PERMIT,
        title_number=None,
        title_expires_on=date(2026, 11, 30),
        token_hash="h",
        identity_key="k",
        created_at="2026-11-20T08:00:00+00:00",
        office_id="stuttgart",
    )
    return replace(person, **changes)
