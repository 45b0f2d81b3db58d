"""Confirm, read, submit, withdraw: the access token is the only key."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests.api.test_registration import problem
from tests.applicant_flow import JSON, PDF, queued, ready_to_submit, register
from tests.conftest import REGION, TEST_ENV, FixedClock

UNKNOWN_ID = "0" * 32


def objects() -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=TEST_ENV["DOCUMENTS_BUCKET"])
    return sorted(o["Key"] for o in listed.get("Contents", []))


def call(client: Client, method: str, path: str, token: str | None) -> Any:
    headers = dict(JSON)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.request(method, path, headers=headers, body=b"")


ROUTES = [
    ("GET", "/registrations/{id}"),
    ("POST", "/registrations/{id}/confirm-email"),
    ("POST", "/registrations/{id}/submit"),
    ("DELETE", "/registrations/{id}"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_wrong_token_and_unknown_id_are_the_same_404(
    client: Client, method: str, path: str
) -> None:
    mine = register(client)
    other = register(client, email="b@example.org", date_of_birth="1980-01-01")

    wrong_token = problem(
        call(client, method, path.format(id=mine.registration_id), other.token), 404, "not_found"
    )
    unknown = problem(
        call(client, method, path.format(id=UNKNOWN_ID), mine.token), 404, "not_found"
    )
    malformed = problem(
        call(client, method, path.format(id="not-an-id"), mine.token), 404, "not_found"
    )
    assert wrong_token == unknown == malformed
    assert mine.get().status_code == 200  # nothing happened to it


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_token_is_401(client: Client, method: str, path: str) -> None:
    mine = register(client)
    problem(call(client, method, path.format(id=mine.registration_id), None), 401, "unauthorized")


def test_other_scheme_is_not_a_token(client: Client) -> None:
    mine = register(client)
    response = client.http.get(
        f"/registrations/{mine.registration_id}", headers={"Authorization": f"Basic {mine.token}"}
    )
    problem(response, 401, "unauthorized")


def test_confirm_email_moves_on_and_is_idempotent(client: Client) -> None:
    applicant = register(client)
    first = applicant.post("confirm-email")
    second = applicant.post("confirm-email")
    assert first.status_code == second.status_code == 200
    assert (
        json.loads(first.body)["status"]
        == json.loads(second.body)["status"]
        == "awaiting_documents"
    )


def test_view_shows_what_the_applicant_needs(client: Client) -> None:
    applicant = register(client)
    applicant.post("confirm-email")
    response = applicant.get()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    view = json.loads(response.body)
    assert view == {
        "registration_id": applicant.registration_id,
        "status": "awaiting_documents",
        "given_names": "Olena",
        "family_name": "Kovalenko",
        "date_of_birth": "1991-04-12",
        "title_type": "residence_permit",
        "title_expires_on": "2026-11-28",
        "documents": [],
        "missing_documents": ["passport", "residence_title"],
        "queue_position": None,
        "appointment": None,
        "reference": view["reference"],
        "can_release": False,
        "released_on": None,
    }
    assert len(view["reference"]) == 8


def test_submit_needs_a_confirmed_email(client: Client) -> None:
    applicant = register(client)
    problem(applicant.post("submit"), 409, "invalid_state")


def test_submit_lists_missing_documents(client: Client) -> None:
    applicant = register(client)
    applicant.post("confirm-email")
    applicant.upload("passport", PDF)
    body = problem(applicant.post("submit"), 409, "documents_incomplete")
    assert body["missing_documents"] == ["residence_title"]
    assert json.loads(applicant.get().body)["status"] == "awaiting_documents"


def test_unverified_upload_does_not_count(client: Client) -> None:
    applicant = register(client)
    applicant.post("confirm-email")
    applicant.upload("passport", PDF)
    applicant.request_upload("residence_title", "application/pdf", 100)  # never uploaded
    body = problem(applicant.post("submit"), 409, "documents_incomplete")
    assert body["missing_documents"] == ["residence_title"]


def test_submit_queues_and_shows_the_position(client: Client) -> None:
    applicant = ready_to_submit(client)
    response = applicant.post("submit")
    assert response.status_code == 200
    view = json.loads(response.body)
    assert view["status"] == "waiting"
    assert view["queue_position"] == 1
    assert view["missing_documents"] == []
    assert {d["status"] for d in view["documents"]} == {"verified"}
    again = applicant.post("submit")
    assert again.status_code == 200
    assert json.loads(again.body)["queue_position"] == 1


def test_queue_position_follows_expiry_then_arrival(client: Client, clock: FixedClock) -> None:
    first = queued(client, title_expires_on="2026-11-30")
    clock.set("2026-11-24T09:05:00+00:00")
    earlier_expiry = queued(
        client, email="b@example.org", date_of_birth="1980-01-01", title_expires_on="2026-11-20"
    )
    clock.set("2026-11-24T09:10:00+00:00")
    same_expiry_later = queued(
        client, email="c@example.org", date_of_birth="1970-01-01", title_expires_on="2026-11-30"
    )

    def position(a: Any) -> int:
        return int(json.loads(a.get().body)["queue_position"])

    assert [position(earlier_expiry), position(first), position(same_expiry_later)] == [1, 2, 3]


def test_withdrawal_erases_documents_at_once(client: Client) -> None:
    applicant = queued(client)
    assert any(applicant.registration_id in key for key in objects())

    response = client.http.delete(
        f"/registrations/{applicant.registration_id}", headers=applicant.auth
    )
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "no-store"
    assert [k for k in objects() if applicant.registration_id in k] == []
    view = json.loads(applicant.get().body)
    assert view["status"] == "withdrawn"
    assert view["documents"] == []
    assert view["queue_position"] is None


def test_withdrawal_is_idempotent_and_final(client: Client) -> None:
    applicant = register(client)
    path = f"/registrations/{applicant.registration_id}"
    assert client.http.delete(path, headers=applicant.auth).status_code == 204
    assert client.http.delete(path, headers=applicant.auth).status_code == 204
    problem(applicant.post("confirm-email"), 409, "invalid_state")
    problem(applicant.post("submit"), 409, "invalid_state")


def test_withdrawal_leaves_the_queue(client: Client, clock: FixedClock) -> None:
    leaving = queued(client, title_expires_on="2026-11-20")
    clock.set("2026-11-24T09:05:00+00:00")
    staying = queued(client, email="b@example.org", date_of_birth="1980-01-01")
    assert json.loads(staying.get().body)["queue_position"] == 2
    client.http.delete(f"/registrations/{leaving.registration_id}", headers=leaving.auth)
    assert json.loads(staying.get().body)["queue_position"] == 1


def test_openapi_describes_every_applicant_route(client: Client) -> None:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.body)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {
        "/registrations",
        "/registrations/{registration_id}",
        "/registrations/{registration_id}/confirm-email",
        "/registrations/{registration_id}/documents",
        "/registrations/{registration_id}/submit",
    }
    request = spec["components"]["schemas"]["RegistrationRequest"]
    assert request["additionalProperties"] is False
    assert "privacy_consent" in request["required"]


def test_cors_allows_only_the_forms_origin(client: Client) -> None:
    form = "http://127.0.0.1:8080"
    preflight = client.http.request(
        "OPTIONS",
        "/registrations",
        headers={"Origin": form, "Access-Control-Request-Method": "POST"},
        body=b"",
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == form
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]

    evil = client.http.request(
        "OPTIONS",
        f"/registrations/{UNKNOWN_ID}",
        headers={"Origin": "https://evil.example"},
        body=b"",
    )
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Methods" not in evil.headers

    answer = client.http.get("/openapi.json", headers={"Origin": form})
    assert answer.headers["Access-Control-Allow-Origin"] == form
    assert (
        "Access-Control-Allow-Origin"
        not in client.http.get("/openapi.json", headers={"Origin": "https://evil.example"}).headers
    )
