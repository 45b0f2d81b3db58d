"""CloudWatch metrics (EMF): what a flow emits, one line per invocation, nothing personal."""

from __future__ import annotations

import json
from datetime import date, timedelta

import boto3
import pytest
from chalice.test import Client

from chalicelib import observability
from tests.applicant_flow import JSON, PNG, ready_to_submit, registration_body, with_proof
from tests.conftest import REGION, TEST_ENV
from tests.operations.conftest import emf_blobs, metric_totals, metric_units

PERSONAL = registration_body()


def test_an_applicant_flow_counts_registrations_documents_and_mails(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    applicant = ready_to_submit(client)  # passport and residence title, zones as typed
    applicant.upload("other", PNG, "application/pdf")  # declared a PDF, is a PNG
    assert applicant.post("submit").status_code == 200

    blobs = emf_blobs(capsys.readouterr().out)

    assert metric_totals(blobs) == {
        observability.REGISTRATIONS_CREATED: 1,
        observability.MAILS_SENT: 2,  # the registration mail and "you are in the queue"
        observability.DOCUMENTS_VERIFIED: 2,
        observability.DOCUMENTS_REJECTED: 1,
        observability.DOCUMENTS_READ: 2,  # both zones read (here in the same process)
    }
    assert set(metric_units(blobs).values()) == {"Count"}
    for blob in blobs:
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Notfalltermin"
        assert directive["Dimensions"] == [["service"]]
        assert blob["service"] == "notfalltermin"
        text = json.dumps(blob)
        assert applicant.registration_id not in text
        for key in ("email", "family_name", "given_names", "title_number", "date_of_birth"):
            assert str(PERSONAL[key]) not in text


def test_each_invocation_flushes_its_own_metrics(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    applicant = ready_to_submit(client)  # register, confirm, two upload grants
    (registered,) = emf_blobs(capsys.readouterr().out)  # only registering counted anything
    assert registered[observability.REGISTRATIONS_CREATED] == [1.0]
    assert registered[observability.MAILS_SENT] == [1.0]

    assert applicant.get().status_code == 200  # the uploads are judged on this read

    (read,) = emf_blobs(capsys.readouterr().out)
    assert read[observability.DOCUMENTS_VERIFIED] == [1.0, 1.0]
    assert observability.REGISTRATIONS_CREATED not in read
    assert not observability.metrics().metric_set  # nothing left over between invocations


def test_a_refused_mail_is_counted_as_failed(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("ses", region_name=REGION).delete_identity(Identity=TEST_ENV["MAIL_SENDER"])

    answer = client.http.post(
        "/registrations", headers=JSON, body=json.dumps(with_proof(client, PERSONAL))
    )

    assert answer.status_code == 503
    assert metric_totals(emf_blobs(capsys.readouterr().out)) == {observability.MAILS_FAILED: 1}


def test_the_allocation_helpers_emit_names_and_units_the_dashboard_expects(
    capsys: pytest.CaptureFixture[str],
) -> None:
    observability.record_queue_length(17)
    observability.record_oldest_expiry_waiting(date(2026, 11, 20), today=date(2026, 11, 24))
    observability.record_invitations(12)
    observability.record_no_shows(2)
    observability.record_allocation_duration(timedelta(milliseconds=850))
    observability.record_allocation_missed(True)
    observability.record_mail_undeliverable()
    observability.flush_metrics()

    blobs = emf_blobs(capsys.readouterr().out)

    assert len(blobs) == 1
    assert metric_totals(blobs) == {
        "QueueLength": 17,
        "OldestExpiryWaitingDays": 4,
        "Invitations": 12,
        "NoShows": 2,
        "AllocationDuration": 850,
        "AllocationMissed": 1,
        "MailsUndeliverable": 1,
    }
    assert metric_units(blobs)["AllocationDuration"] == "Milliseconds"
    assert metric_units(blobs)["QueueLength"] == "Count"


def test_flushing_with_nothing_recorded_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    observability.flush_metrics()
    assert emf_blobs(capsys.readouterr().out) == []


def test_metrics_switched_off_are_forgotten_not_piled_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    observability.record_registration_created()
    observability.flush_metrics()
    assert emf_blobs(capsys.readouterr().out) == []
    assert not observability.metrics().metric_set


def test_an_event_handler_flushes_after_each_call_even_when_it_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @observability.publishes_metrics
    def handler(fail: bool) -> str:
        observability.record_no_shows(3)
        if fail:
            raise RuntimeError("boom")
        return "done"

    assert handler(False) == "done"
    with pytest.raises(RuntimeError):
        handler(True)

    blobs = emf_blobs(capsys.readouterr().out)
    assert [blob[observability.NO_SHOWS] for blob in blobs] == [[3.0], [3.0]]
    assert handler.__name__ == "handler"  # Chalice names the Lambda handler after it
