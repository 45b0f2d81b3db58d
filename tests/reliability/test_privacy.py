"""Privacy: canary personal data through a whole flow never shows in a log line or a metric;
the nightly purge erases what the retention period no longer covers, documents included,
without waiting for DynamoDB's TTL. ASVS V7.1 (log content), V8.3 (sensitive private data:
retention, deletion), V8.2.3 (data at rest is minimal), V12.5 (documents)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from chalicelib import bootstrap, jobs
from chalicelib.adapters.dynamo_retention import DynamoRetention
from chalicelib.domain.registration import Status
from chalicelib.observability import PUBLISHES_METRICS, log
from chalicelib.services.retention import UNCONFIRMED_AFTER
from tests.allocation.conftest import scheduled_event
from tests.applicant_flow import (
    JSON,
    PDF,
    Applicant,
    post_form,
    queued,
    register,
    registration_body,
    with_proof,
)
from tests.conftest import REGION, TEST_ENV, FixedClock
from tests.reliability.conftest import Figures
from tests.zone_documents import documents_for

pytestmark = pytest.mark.reliability

TUESDAY_RUN = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)
EVENING = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)


def canary(n: int) -> dict[str, str]:
    return {
        "given_names": f"Canarygiven{'abc'[n]}",
        "family_name": f"Canaryfamily{'abc'[n]}",
        "date_of_birth": f"1977-07-1{n}",
        "email": f"canary.mail{n}@example.org",
        "title_number": f"CNRYX77{n}",  # no vowels: a German document number
    }


def invoke(client: Client, clock: FixedClock, function: str, time: datetime) -> Any:
    clock.now = time + timedelta(seconds=30)
    return client.lambda_.invoke(function, scheduled_event(time)).payload


def objects(prefix: str = "") -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=TEST_ENV["DOCUMENTS_BUCKET"], Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def items(prefix: str = "") -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    found = ddb.scan(TableName=TEST_ENV["TABLE_NAME"])["Items"]
    return [i for i in found if i["PK"]["S"].startswith(prefix)]


def with_canary_document(client: Client, n: int) -> Applicant:
    """A queued registration whose documents carry a canary file name too."""
    applicant = register(client, **canary(n))
    assert applicant.post("confirm-email").status_code == 200
    # Zones that say what was typed (read by the test reader, tests/zone_documents.py).
    documents = documents_for(registration_body(**canary(n)))
    for kind, content, content_type in (
        ("passport", documents["passport"], "application/pdf"),
        ("residence_title", documents["residence_title"], "application/pdf"),
    ):
        granted = applicant.request_upload(
            kind, content_type, len(content), f"Canaryfamily{'abc'[n]}-{kind}.pdf"
        )
        assert granted.status_code == 201, granted.body
        post_form(json.loads(granted.body)["upload"], content, content_type)
    submitted = applicant.post("submit")
    assert submitted.status_code == 200
    assert json.loads(submitted.body)["status"] == "waiting"
    return applicant


def test_canary_personal_data_never_reaches_a_log_line_or_a_metric(
    client: Client,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    figures: Figures,
) -> None:
    caplog.set_level(logging.DEBUG, logger="notfalltermin")
    clock.set("2026-11-23T09:00:00+00:00")
    applicants = [with_canary_document(client, n) for n in range(3)]
    # refusals echo what was sent to its sender only; an attempt on an active identity is
    # answered as a new registration (issue 16) and logged by ids only
    duplicate = with_proof(client, registration_body(**canary(0)))
    assert (
        client.http.post("/registrations", headers=JSON, body=json.dumps(duplicate)).status_code
        == 201
    )
    invalid = with_proof(client, registration_body(**canary(1), nationality="X"))
    assert (
        client.http.post("/registrations", headers=JSON, body=json.dumps(invalid)).status_code
        == 422
    )
    upload_of_junk = applicants[0].request_upload(
        "other", "application/pdf", 9, "Canaryfamilya.pdf"
    )
    assert upload_of_junk.status_code == 409  # queued: no more documents

    run = invoke(client, clock, "allocate_morning", TUESDAY_RUN)
    assert run["invited"] == 3
    allocation = bootstrap.container().allocation
    clock.set("2026-11-24T08:10:00+00:00")
    allocation.check_in(
        applicants[0].registration_id, data_correct=True, reason=None, staff="desk", now=clock()
    )
    allocation.check_in(
        applicants[1].registration_id,
        data_correct=False,
        reason="Date of birth 1977-07-11 does not match Canaryfamilyb",
        staff="desk",
        now=clock(),
    )
    evening = invoke(client, clock, "end_of_day", EVENING)
    assert evening["no_shows"] == 1
    purged = invoke(client, clock, "purge_expired", EVENING + timedelta(days=31))
    assert purged["registrations_erased"] == 3

    out = capsys.readouterr()
    formatter = log().registered_formatter
    lines = [formatter.format(r) for r in caplog.records if r.name.startswith("notfalltermin")]
    lines += (out.out + out.err).splitlines()
    assert any(applicants[0].registration_id in line for line in lines)  # the logs are useful
    assert any('"_aws"' in line for line in lines)  # and metrics were written
    secrets = {v.lower() for n in range(3) for v in canary(n).values()}
    secrets |= {"canary", "1977-07-1", *(a.token.lower() for a in applicants)}
    hits = [(value, line) for line in lines for value in secrets if value in line.lower()]
    figures.add("privacy.canary", tried=len(lines), bad=len(hits))
    assert hits == []


# -- retention -----------------------------------------------------------------------------------


def purge(client: Client, clock: FixedClock, at: datetime) -> dict[str, Any]:
    payload: dict[str, Any] = invoke(client, clock, "purge_expired", at)
    return payload


def test_final_registrations_are_erased_with_their_documents_after_the_retention_period(
    client: Client, clock: FixedClock, figures: Figures
) -> None:
    clock.set("2026-11-23T09:00:00+00:00")
    served = queued(client)
    invoke(client, clock, "allocate_morning", TUESDAY_RUN)
    clock.set("2026-11-24T08:10:00+00:00")
    bootstrap.container().allocation.check_in(
        served.registration_id, data_correct=True, reason=None, staff="desk", now=clock()
    )
    # The evening's job makes the desk's decision final: the retention period starts then.
    invoke(client, clock, "end_of_day", datetime(2026, 11, 24, 20, 30, tzinfo=UTC))
    assert objects(f"documents/{served.registration_id}/")
    withdrawn = register(client, email="w@example.org", date_of_birth="1970-01-01")
    assert (
        client.http.delete(
            f"/registrations/{withdrawn.registration_id}", headers=withdrawn.auth
        ).status_code
        == 204
    )

    kept = purge(client, clock, datetime(2026, 12, 23, 2, 30, tzinfo=UTC))  # day 29
    assert kept["registrations_erased"] == 0
    assert served.get().status_code == 200

    erased = purge(client, clock, datetime(2026, 12, 25, 2, 30, tzinfo=UTC))  # day 31
    assert erased["registrations_erased"] == 2
    for gone in (served, withdrawn):
        assert items(f"REG#{gone.registration_id}") == []
        assert objects(f"documents/{gone.registration_id}/") == []
        assert objects(f"uploads/{gone.registration_id}/") == []
        assert gone.get().status_code == 404
    day_items = items("DAY#")
    assert [i for i in day_items if i["SK"]["S"].startswith(("INV#", "RUN#"))] == []
    again = purge(client, clock, datetime(2026, 12, 26, 2, 30, tzinfo=UTC))
    assert again == {**again, "registrations_erased": 0, "items_deleted": 0, "abandoned": 0}
    figures.add("privacy.retention", tried=2, bad=0)


def test_abandoned_registrations_are_ended_and_erased_and_free_the_person(
    client: Client, clock: FixedClock, figures: Figures
) -> None:
    clock.set("2026-11-24T09:00:00+00:00")
    unconfirmed = register(client)
    stalled = register(client, email="s@example.org", date_of_birth="1970-01-01")
    assert stalled.post("confirm-email").status_code == 200
    granted = json.loads(stalled.request_upload("passport", "application/pdf", len(PDF)).body)
    post_form(granted["upload"], PDF, "application/pdf")  # uploaded, never looked at again
    waiting = queued(client, email="q@example.org", date_of_birth="1960-01-01")

    six_days = purge(client, clock, datetime(2026, 11, 30, 2, 30, tzinfo=UTC))
    assert six_days["abandoned"] == 0
    eight_days = purge(client, clock, datetime(2026, 12, 2, 2, 30, tzinfo=UTC))
    assert (eight_days["abandoned"], eight_days["registrations_erased"]) == (1, 1)
    assert unconfirmed.get().status_code == 404
    assert items("PERSON#") and len(items("PERSON#")) == 2  # the others' locks are kept
    # The person whose link was lost may register again.
    clock.set("2026-12-02T09:00:00+00:00")
    anew = register(client, title_expires_on="2026-12-05")
    assert anew.post("confirm-email").status_code == 200

    assert objects(f"uploads/{stalled.registration_id}/")
    month = purge(client, clock, datetime(2026, 12, 25, 2, 30, tzinfo=UTC))
    assert (month["abandoned"], month["registrations_erased"]) == (1, 1)
    assert stalled.get().status_code == 404
    assert objects(f"uploads/{stalled.registration_id}/") == []
    assert items(f"REG#{stalled.registration_id}") == []
    view = waiting.get()
    assert view.status_code == 200 and json.loads(view.body)["status"] == "waiting"
    figures.add("privacy.abandoned", tried=3, bad=0)
    assert timedelta(days=7) == UNCONFIRMED_AFTER


def test_a_purge_that_fails_part_way_is_completed_by_the_next(
    client: Client, clock: FixedClock
) -> None:
    clock.set("2026-11-24T09:00:00+00:00")
    applicant = queued(client)
    assert (
        client.http.delete(
            f"/registrations/{applicant.registration_id}", headers=applicant.auth
        ).status_code
        == 204
    )
    eraser = bootstrap.container().retention._repo  # built, so that its clients can be failed
    assert isinstance(eraser, DynamoRetention)
    ddb = eraser._repo._client

    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "DeleteItem")

    ddb.meta.events.register("before-call.dynamodb.DeleteItem", fail)
    with pytest.raises(Exception, match="busy"):
        bootstrap.container().retention.purge(datetime(2026, 12, 25, 2, 30, tzinfo=UTC))
    ddb.meta.events.unregister("before-call.dynamodb.DeleteItem", fail)
    assert items(f"REG#{applicant.registration_id}")  # not erased yet: found again next time
    done = purge(client, clock, datetime(2026, 12, 26, 2, 30, tzinfo=UTC))
    assert done["registrations_erased"] == 1
    assert items(f"REG#{applicant.registration_id}") == []


def test_the_purge_runs_every_night_and_publishes_its_metrics() -> None:
    handler = jobs.purge_expired
    function = getattr(handler, "func", handler)
    assert getattr(function, PUBLISHES_METRICS, False)
    assert jobs.PURGE.to_string() == "cron(30 2 * * ? *)"


def test_only_final_or_abandoned_registrations_are_candidates() -> None:
    finals = {s for s in Status if s.is_final}
    assert finals == {Status.SERVED, Status.REJECTED, Status.NO_SHOW, Status.WITHDRAWN}
