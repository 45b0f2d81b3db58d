"""Logs carry ids and outcomes, never the applicant's personal data."""

from __future__ import annotations

import json
import logging

import pytest
from chalice.test import Client

from chalicelib.observability import log
from tests.applicant_flow import JSON, queued, registration_body, with_proof

CANARY = {
    "given_names": "Canarygiven",
    "family_name": "Canaryfamily",
    "date_of_birth": "1977-07-17",
    "email": "canary.mail@example.org",
    "title_number": "CANARY777",
}


def test_a_full_flow_logs_no_personal_data(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="notfalltermin")
    applicant = queued(client, **CANARY)
    # and some refusals, which echo what was sent back to the sender only
    client.http.post(
        "/registrations",
        headers=JSON,
        body=json.dumps(with_proof(client, registration_body(**CANARY))),
    )
    client.http.post(
        "/registrations",
        headers=JSON,
        body=json.dumps(with_proof(client, registration_body(**CANARY, nationality="X"))),
    )
    client.http.delete(f"/registrations/{applicant.registration_id}", headers=applicant.auth)

    formatter = log().registered_formatter
    lines = [formatter.format(r) for r in caplog.records if r.name.startswith("notfalltermin")]
    assert any(applicant.registration_id in line for line in lines)  # the logs are useful
    # The attempt on an active identity is answered as a new one (issue 16), logged by ids.
    assert any("registration_identity_in_use" in line for line in lines)
    assert any('"status":422' in line for line in lines)
    for line in lines:
        for value in (*CANARY.values(), "canary", applicant.token):
            assert value.lower() not in line.lower(), line
