"""The keys at run time (issue 16, item 7), on moto's Secrets Manager: read on first use, kept
for the cache age, a replaced key read again after it; a function without keys never asks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib import bootstrap, config
from chalicelib.config import ConfigurationError, Secrets, Settings
from infra.local_secrets import LOCAL_KEYS
from tests.allocation.conftest import scheduled_event
from tests.applicant_flow import JSON, registration_body, solve
from tests.conftest import REGION, TEST_ENV, FixedClock

GET_SECRET_VALUE = "provide-client-params.secrets-manager.GetSecretValue"
FUNCTIONS = json.loads(Path("infra/functions.json").read_text())["functions"]


@pytest.fixture
def secret_reads(aws: None) -> Iterator[list[str]]:
    """The SecretId of every GetSecretValue call of clients built after this fixture (every
    client of a container built anew)."""
    asked: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["SecretId"])

    session = boto3._get_default_session()
    session.events.register(GET_SECRET_VALUE, record)
    bootstrap.reset()
    yield asked
    session.events.unregister(GET_SECRET_VALUE, record)


def secrets_manager() -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


def replace_key(key: str, value: str) -> None:
    secrets_manager().put_secret_value(
        SecretId=TEST_ENV[config.secret_variable(key)], SecretString=value
    )


def challenge(client: Client) -> dict[str, Any]:
    answer = client.http.get("/registrations/challenge")
    assert answer.status_code == 200, answer.body
    challenge: dict[str, Any] = json.loads(answer.body)
    return challenge


def register_with(client: Client, altcha: str) -> Any:
    body = {**registration_body(), "altcha": altcha}
    return client.http.post("/registrations", headers=JSON, body=json.dumps(body))


# -- the accessor ---------------------------------------------------------------------------


def test_a_key_is_read_once_and_kept_for_its_cache_age(aws: None, secret_reads: list[str]) -> None:
    secrets = Secrets({config.LINK_KEY: TEST_ENV[config.secret_variable(config.LINK_KEY)]})

    first = secrets.value(config.LINK_KEY)
    replace_key(config.LINK_KEY, "a-new-link-key-of-this-office")
    again = secrets.value(config.LINK_KEY)

    assert first == again == LOCAL_KEYS[config.LINK_KEY].encode()
    assert secret_reads == [TEST_ENV[config.secret_variable(config.LINK_KEY)]]
    assert secrets.replaced() is False  # within the cache age, nothing is asked


def test_a_replaced_key_is_read_after_its_cache_age(aws: None) -> None:
    name = TEST_ENV[config.secret_variable(config.LINK_KEY)]
    secrets = Secrets({config.LINK_KEY: name}, max_age=0)  # the cache age is over at once

    first = secrets.value(config.LINK_KEY)
    replace_key(config.LINK_KEY, "a-new-link-key-of-this-office")

    assert secrets.replaced() is True
    assert secrets.value(config.LINK_KEY) == b"a-new-link-key-of-this-office" != first
    assert secrets.replaced() is False  # the new key counts as read


def test_a_function_reads_only_the_keys_it_is_given(aws: None) -> None:
    only_link = {config.secret_variable(config.LINK_KEY): "notfalltermin-local/link-key"}
    settings = Settings.from_env({**_without_secret_names(TEST_ENV), **only_link})

    assert settings.link_key == LOCAL_KEYS[config.LINK_KEY].encode()
    with pytest.raises(ConfigurationError, match="ALTCHA_HMAC_KEY_SECRET is not set"):
        _ = settings.altcha_hmac_key


def test_a_short_key_stops_the_service(aws: None) -> None:
    replace_key(config.LINK_KEY, "short")
    settings = Settings.from_env(TEST_ENV)

    with pytest.raises(ConfigurationError, match="LINK_KEY must be at least 16 characters"):
        _ = settings.link_key


@pytest.mark.parametrize("key", config.SECRET_KEYS)
def test_a_key_value_in_the_environment_is_refused(key: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{key}_SECRET"):
        Settings.from_env({**TEST_ENV, key: "a-value-in-the-environment"})


# -- through the app ------------------------------------------------------------------------


def test_the_api_keeps_the_proof_of_work_key_for_its_cache_age(
    clock: FixedClock, secret_reads: list[str]
) -> None:
    bootstrap.container().clock = clock
    with Client(app) as client:
        before = solve(challenge(client))
        replace_key(config.ALTCHA_HMAC_KEY, "a-new-altcha-key-of-this-office")
        challenge(client)
        answer = register_with(client, before)

    # Signed with the key of before: within the cache age the API still holds it.
    assert answer.status_code == 201, answer.body
    # Each key read once, by name, over two challenges and a registration.
    assert sorted(secret_reads) == sorted(
        TEST_ENV[config.secret_variable(key)] for key in config.SECRET_KEYS
    )


def test_the_api_signs_with_a_replaced_key_after_the_cache_age(
    clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.SECRETS_MAX_AGE, "0")  # the cache age is over at once
    bootstrap.reset()
    bootstrap.container().clock = clock
    with Client(app) as client:
        before = solve(challenge(client))
        replace_key(config.ALTCHA_HMAC_KEY, "a-new-altcha-key-of-this-office")
        refused = register_with(client, before)
        after = register_with(client, solve(challenge(client)))

    assert refused.status_code == 422, refused.body
    problem = json.loads(refused.body)
    assert problem["errors"][0]["field"] == "altcha", problem
    assert after.status_code == 201, after.body


NEEDS_NO_KEY = sorted(name for name, entry in FUNCTIONS.items() if not entry.get("secrets"))


def test_the_functions_without_keys_are_the_purge_and_the_mail_events() -> None:
    assert {"PurgeExpired", "MailEvents"} <= set(NEEDS_NO_KEY)


@pytest.mark.parametrize(
    ("function", "event"),
    [
        ("purge_expired", scheduled_event(datetime(2026, 11, 25, 2, 30, tzinfo=UTC))),
        ("mail_events", None),
    ],
)
def test_a_function_without_keys_never_calls_secrets_manager(
    clock: FixedClock,
    secret_reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    event: dict[str, Any] | None,
) -> None:
    logical_id = "".join(part.title() for part in function.split("_"))
    assert logical_id in NEEDS_NO_KEY
    # Its environment as in the cloud: no secret named (infra/functions.json).
    for key in config.SECRET_KEYS:
        monkeypatch.delenv(config.secret_variable(key))
    bootstrap.reset()
    bootstrap.container().clock = clock
    with Client(app) as client:
        if event is None:
            message = json.dumps({"eventType": "Delivery", "mail": {"tags": {}}})
            event = client.events.generate_sns_event(message=message)
        answer = client.lambda_.invoke(function, event)

    assert "errorMessage" not in json.dumps(answer.payload), answer.payload
    assert secret_reads == []


def _without_secret_names(environ: dict[str, str]) -> dict[str, str]:
    names = {config.secret_variable(key) for key in config.SECRET_KEYS}
    return {k: v for k, v in environ.items() if k not in names}
