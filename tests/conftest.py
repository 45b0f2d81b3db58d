"""Shared fixtures: a moto AWS built from infra/, the app's container, a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any, cast

import boto3
import botocore.loaders
import botocore.session
import pytest
from joserfc.jwk import RSAKey
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.config import READ_QUEUE_NAME, READ_QUEUE_URL
from infra.local_secrets import create_stage_secrets
from infra.table import create_table
from tests.zone_documents import ZoneTextReader

REGION = "eu-central-1"
LOCAL_STAGE = json.loads(Path(".chalice/config.json").read_text())["stages"]["local"]
TEST_ENV = {
    **LOCAL_STAGE["environment_variables"],
    "OFFICE_ID": "stuttgart",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# The local stage serves round the clock so that `make run` shows a day at any hour; the tests
# on moto run the office's own hours (config.py DEFAULT_SERVICE_HOURS) at chosen times.
del TEST_ENV["SERVICE_HOURS"]


class FixedClock:
    """A clock the test sets; the service reads time only through it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso)


@pytest.fixture(scope="session", autouse=True)
def one_botocore_loader() -> Iterator[None]:
    """One botocore data loader for the whole session, shared by every boto3 session.

    moto's `mock_aws()` drops boto3's default session at each start, so every test's first
    client of a service would otherwise read and parse botocore's JSON models again (most of
    the `aws` fixture's time). The loader only reads the files botocore ships; its cache is
    what one long-lived session shares between its clients anyway."""
    loaders: dict[Any, botocore.loaders.Loader] = {}
    create_loader = botocore.loaders.create_loader

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared_loader)
        yield


@pytest.fixture(scope="session", autouse=True)
def one_moto_pool_key() -> Iterator[None]:
    """moto's Cognito reads the same private key (its resources/jwks-private.json) into every
    user pool it creates, recovering the RSA primes each time (about half of a staff test's
    pool); here it is read once per session. Only moto imports keys with joserfc."""
    keys: dict[str, RSAKey] = {}
    import_key = RSAKey.import_key

    def imported_once(value: Any, parameters: Any = None, password: Any = None) -> RSAKey:
        if not isinstance(value, dict) or parameters is not None or password is not None:
            return import_key(value, parameters, password)
        text = json.dumps(value, sort_keys=True)
        if text not in keys:
            keys[text] = import_key(value)
        return keys[text]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RSAKey, "import_key", imported_once)
        yield


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # The local stage's round-the-clock hours, left in os.environ by a test that runs
    # `python -m infra.allocate` in process, are not the office's.
    monkeypatch.delenv("SERVICE_HOURS", raising=False)
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    return dict(TEST_ENV)


@pytest.fixture
def aws(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process, with the table, bucket, verified sender, read-requests queue and keys
    (Secrets Manager) of the local stage."""
    with mock_aws():
        queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=READ_QUEUE_NAME)
        monkeypatch.setenv(READ_QUEUE_URL, queue["QueueUrl"])
        env[READ_QUEUE_URL] = queue["QueueUrl"]
        create_table(boto3.client("dynamodb", region_name=REGION), env["TABLE_NAME"])
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=env["DOCUMENTS_BUCKET"],
            CreateBucketConfiguration={"LocationConstraint": REGION},
        )
        boto3.client("ses", region_name=REGION).verify_email_identity(
            EmailAddress=env["MAIL_SENDER"]
        )
        # The keys, as `make run` makes them (infra/local_secrets.py LOCAL_KEYS).
        create_stage_secrets(boto3.client("secretsmanager", region_name=REGION), env)
        bootstrap.reset()
        yield
        bootstrap.reset()


@pytest.fixture
def clock(aws: None) -> FixedClock:
    """Tuesday 24 November 2026, 10:00 in Stuttgart."""
    fixed = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    c = bootstrap.container()
    c.clock = fixed
    # Documents are read at once, by a reader of the zone that test files carry as text.
    c.read_requests = ImmediateReads()
    c.document_reader = ZoneTextReader(
        boto3.client("s3", region_name=REGION), c.settings.documents_bucket
    )
    return fixed


def sent_mails() -> list[Message]:
    """Every mail moto's SES recorded, parsed."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    mails: list[Message] = []
    for sent in backend.sent_messages:
        raw: Any = getattr(sent, "raw_data", None)
        if raw is None:
            continue
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        mails.append(message_from_bytes(data, policy=default))
    return mails


def text_part(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("mail has no text part")


def html_part(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("mail has no html part")


class ImmediateReads:
    """The ReadRequests port (our own) answered at once, in the same process: the API tests
    see a document read as soon as it is verified. The SQS adapter and the `read_document`
    handler are tested in tests/verification/test_read_function.py."""

    def __init__(self) -> None:
        self.requested: list[tuple[str, str]] = []
        self.paused = False

    def request_read(self, registration_id: str, document_id: str) -> None:
        self.requested.append((registration_id, document_id))
        if not self.paused:
            c = bootstrap.container()
            c.verification.read_document(registration_id, document_id, c.clock())

    def deliver(self) -> None:
        """Deliver what was requested while paused."""
        self.paused = False
        c = bootstrap.container()
        for registration_id, document_id in list(self.requested):
            c.verification.read_document(registration_id, document_id, c.clock())


@pytest.fixture
def reads(clock: FixedClock) -> ImmediateReads:
    return cast(ImmediateReads, bootstrap.container().read_requests)
