"""GET /office: the office's facts from its one file, and the retention periods the purge uses."""

from __future__ import annotations

import json
from typing import get_args

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.api.office_schemas import OfficeFacts
from chalicelib.api.schemas import Language
from chalicelib.domain.office import OFFICES_DIR, office, office_ids
from chalicelib.services.retention import UNCONFIRMED_AFTER
from chalicelib.services.staff import AUDIT_RETENTION
from tests.applicant_flow import register
from tests.conftest import TEST_ENV, FixedClock, sent_mails, text_part


def test_the_office_answers_its_facts_and_the_retention_periods_of_its_settings(
    client: Client, clock: FixedClock
) -> None:
    answer = client.http.get("/office")

    assert answer.status_code == 200
    body = json.loads(answer.body)
    settings = bootstrap.container().settings
    written = json.loads((OFFICES_DIR / "stuttgart.json").read_text("utf-8"))
    assert body["office"]["address"] == written["address"]
    assert body["office"]["regular_appointments_url"] == written["regular_appointments_url"]
    assert body["office"]["phone_hours"][0]["from"] == written["phone_hours"][0]["from"]
    assert body["region"] == "eu-central-1"
    assert body["retention_days"] == {
        "finished_registration": settings.retention_days,
        "unconfirmed_registration": UNCONFIRMED_AFTER.days,
        "unsubmitted_registration": settings.retention_days,
        "identity_hold": settings.identity_hold_days,
        "audit_entries": AUDIT_RETENTION.days,
        "backups": 35,
        "abandoned_uploads": 2,
    }


def test_the_periods_follow_the_environment(
    client: Client, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "45")
    monkeypatch.setenv("IDENTITY_HOLD_DAYS", "60")
    bootstrap.reset()
    bootstrap.container().clock = clock

    days = json.loads(client.http.get("/office").body)["retention_days"]

    assert days["finished_registration"] == 45
    assert days["unsubmitted_registration"] == 45
    assert days["identity_hold"] == 60


def test_the_registration_mail_links_the_privacy_notice_in_the_chosen_language(
    client: Client, clock: FixedClock
) -> None:
    register(client, email="tr@example.org", language="tr")

    (mail,) = [m for m in sent_mails() if m["To"] == "tr@example.org"]
    privacy = f"{TEST_ENV['WEB_BASE_URL'].rstrip('/')}/privacy.html?lang=tr"
    assert privacy in text_part(mail)


@pytest.mark.parametrize("office_id", office_ids())
def test_every_office_file_has_every_fact_the_pages_show(office_id: str) -> None:
    facts = OfficeFacts.model_validate(office(office_id).facts)

    assert facts.office_id == office_id
    assert set(facts.names) == set(get_args(Language))
    assert facts.data_protection_officer.email
    assert facts.regular_appointments_url.startswith("https://")
    # Placeholders are named, so nobody takes them for the office's real contact.
    assert set(facts.unverified) <= _paths(office(office_id).facts)


def test_an_unknown_office_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown office"):
        office("../etc")


def _paths(facts: object, prefix: str = "") -> set[str]:
    if not isinstance(facts, dict):
        return set()
    found = set()
    for key, value in facts.items():
        found.add(prefix + key)
        found |= _paths(value, prefix + key + ".")
    return found
