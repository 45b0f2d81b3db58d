"""Settings read from the environment, on first use, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

# Environment variable names: the only place they are spelled out.
TABLE_NAME = "TABLE_NAME"
DOCUMENTS_BUCKET = "DOCUMENTS_BUCKET"
MAIL_SENDER = "MAIL_SENDER"
WEB_BASE_URL = "WEB_BASE_URL"
OFFICE_ID = "OFFICE_ID"
IDENTITY_KEY = "IDENTITY_KEY"
RETENTION_DAYS = "RETENTION_DAYS"
SES_CONFIGURATION_SET = "SES_CONFIGURATION_SET"
ALLOWED_ORIGINS = "ALLOWED_ORIGINS"
COGNITO_USER_POOL_ID = "COGNITO_USER_POOL_ID"
COGNITO_CLIENT_ID = "COGNITO_CLIENT_ID"
COGNITO_JWKS_URL = "COGNITO_JWKS_URL"
AWS_REGION = "AWS_REGION"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"
DEFAULT_SLOTS = "DEFAULT_SLOTS"
SERVICE_HOURS = "SERVICE_HOURS"
ARRIVAL_WINDOW_MINUTES = "ARRIVAL_WINDOW_MINUTES"
MINIMUM_NOTICE_MINUTES = "MINIMUM_NOTICE_MINUTES"
TOP_UP_TIMES = "TOP_UP_TIMES"
LINK_KEY = "LINK_KEY"
ALTCHA_HMAC_KEY = "ALTCHA_HMAC_KEY"
ALTCHA_MAX_NUMBER = "ALTCHA_MAX_NUMBER"
READ_QUEUE_URL = "READ_QUEUE_URL"
DOCUMENT_READER = "DOCUMENT_READER"
DOCUMENT_SCREENING = "DOCUMENT_SCREENING"
REGISTRATIONS_PER_ADDRESS = "REGISTRATIONS_PER_ADDRESS"
AUDIT_TABLE_NAME = "AUDIT_TABLE_NAME"
VERIFICATION_POLICY = "VERIFICATION_POLICY"
IDENTITY_HOLD_DAYS = "IDENTITY_HOLD_DAYS"

# The keys are never in the environment (issue 16, item 7): each lives in Secrets Manager, and a
# function that uses it has the secret's name or ARN in the variable <KEY>_SECRET (in the cloud
# infra/functions.json gives each function only its own, and its role may read only those).
SECRET_KEYS = (IDENTITY_KEY, LINK_KEY, ALTCHA_HMAC_KEY)
# How long a function keeps a key it read before asking Secrets Manager again: a replaced key
# reaches every warm function within five minutes (Powertools parameters' cache). Powertools'
# own variable changes it (seconds; 0: ask at every use).
SECRETS_MAX_AGE = "POWERTOOLS_PARAMETERS_MAX_AGE"
SECRETS_MAX_AGE_SECONDS = 300
# The shortest key accepted (bytes of its text).
MINIMUM_KEY_LENGTH = 16


def secret_variable(key: str) -> str:
    """The variable naming the secret that holds `key` ("LINK_KEY" -> "LINK_KEY_SECRET")."""
    if key not in SECRET_KEYS:
        raise ValueError(f"{key} is not one of the service's keys")
    return f"{key}_SECRET"


# The queue of read requests, by name (infra/resources.json creates it, the local stack too).
READ_QUEUE_NAME = "notfalltermin-read-requests"
# Who reads a document's machine-readable zone: Amazon Textract in the cloud, the tesseract
# OCR engine in `make run` and the tests (docs/performance.md, "Reading documents").
DOCUMENT_READERS = ("textract", "tesseract")
VERIFICATION_POLICIES = ("required", "preferred")
# The queue of uploads to make safe copies of: S3 puts an event on it for each object created
# under uploads/, the sanitiser function takes them (infra/resources.json, chalicelib/screening.py).
SAFE_COPY_QUEUE_NAME = "notfalltermin-safe-copies"
# What an upload passes before it counts, besides its first bytes (issue 16, item 6;
# docs/reliability.md, "Documents staff open"), "+"-joined: "none"; "sanitiser-function", the
# safe copy the sanitiser function made of it (Pillow and pikepdf in a layer only that function
# has; chalicelib/screening.py); "sanitise", the same safe copy made in process (tests, a
# `make run` that asks for it); "malware-scan", the verdict GuardDuty Malware Protection for S3
# tags the original with. The cloud: "sanitiser-function+malware-scan" (infra/functions.json).
DOCUMENT_SCREENINGS = (
    "none",
    "malware-scan",
    "sanitise",
    "sanitiser-function",
    "sanitiser-function+malware-scan",
)
DEFAULT_IDENTITY_HOLD_DAYS = 30

# Allocation defaults: appointments per weekday (a date's override is set by staff); the
# office's service hours for emergency appointments, over which they are spread in windows of
# 30 minutes, each window at least 60 minutes after the run that gives it (the 07:45 run's
# first window is 09:00; Thursday's 10:15 run's is 11:30); and the top-up runs that give
# released and unused places of the later windows. A variable lists only the weekdays it
# changes, e.g. DEFAULT_SLOTS="thu=25", SERVICE_HOURS="fri=08:30-12:00",
# TOP_UP_TIMES="mon=10:00/11:30" (times a quarter hour, 08:00 to 15:45; "mon=" for none).
DEFAULT_SLOTS_PER_WEEKDAY = "mon=40,tue=40,wed=40,thu=30,fri=40"
DEFAULT_SERVICE_HOURS = (
    "mon=09:00-13:00,tue=09:00-13:00,wed=09:00-13:00,thu=11:30-15:30,fri=09:00-13:00"
)
DEFAULT_TOP_UP_TIMES = (
    "mon=09:30/11:00,tue=09:30/11:00,wed=09:30/11:00,thu=12:00/13:30,fri=09:30/11:00"
)
DEFAULT_ARRIVAL_WINDOW_MINUTES = 30
DEFAULT_MINIMUM_NOTICE_MINUTES = 60
# The proof of work asked of every registration (ALTCHA): the solver tries up to half the
# numbers on average; 100 000 SHA-256 hashes take a phone's browser one to two seconds.
DEFAULT_ALTCHA_MAX_NUMBER = 100_000
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed; the service cannot start."""


class Secrets:
    """The service's keys, each read from Secrets Manager on its first use and kept
    `max_age` seconds (Powertools parameters' SecretsProvider): `value(LINK_KEY)` -> bytes.

    Only the secrets named in `names` ({key: secret name or ARN}, from the <KEY>_SECRET
    variables) can be read; asking for another raises ConfigurationError, as does a secret
    shorter than 16 characters. A function that never asks never calls Secrets Manager. The
    boto3 client is built on the first read (or given: `client`)."""

    def __init__(
        self,
        names: Mapping[str, str],
        *,
        max_age: int = SECRETS_MAX_AGE_SECONDS,
        client: Any = None,
    ) -> None:
        unknown = set(names) - set(SECRET_KEYS)
        if unknown:
            raise ConfigurationError(f"unknown key(s): {', '.join(sorted(unknown))}")
        self._names = dict(names)
        self._max_age = max_age
        self._client = client
        self._provider: SecretsProvider | None = None
        # Each key as first read, until replaced() reports it changed.
        self._seen: dict[str, bytes] = {}

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, client: Any = None) -> Secrets:
        names = {
            key: env_value.strip()
            for key in SECRET_KEYS
            if (env_value := environ.get(secret_variable(key), "")).strip()
        }
        raw = environ.get(SECRETS_MAX_AGE, "").strip() or str(SECRETS_MAX_AGE_SECONDS)
        if not (raw.isascii() and raw.isdigit()):
            raise ConfigurationError(f"{SECRETS_MAX_AGE} must be a whole number of seconds")
        return cls(names, max_age=int(raw), client=client)

    @property
    def named(self) -> frozenset[str]:
        """The keys this function may read."""
        return frozenset(self._names)

    def value(self, key: str) -> bytes:
        secret_id = self._names.get(key)
        if secret_id is None:
            raise ConfigurationError(
                f"environment variable {secret_variable(key)} is not set: "
                f"this function may not read {key}"
            )
        text = self._secrets_provider().get(secret_id, max_age=self._max_age)
        if not isinstance(text, str) or len(text) < MINIMUM_KEY_LENGTH:
            raise ConfigurationError(f"{key} must be at least {MINIMUM_KEY_LENGTH} characters")
        value = text.encode("utf-8")
        self._seen.setdefault(key, value)
        return value

    def replaced(self) -> bool:
        """Whether a key read before has been replaced in Secrets Manager since (seen once its
        cached value is older than `max_age`); then it counts as read anew. Asks only for
        keys already read."""
        from aws_lambda_powertools.utilities.parameters.exceptions import (  # noqa: PLC0415
            GetParameterError,
        )

        changed = False
        for key, seen in list(self._seen.items()):
            del self._seen[key]
            try:
                changed = self.value(key) != seen or changed
            except GetParameterError:
                # Secrets Manager did not answer: the services keep the key they hold.
                self._seen[key] = seen
        return changed

    def _secrets_provider(self) -> SecretsProvider:
        if self._provider is None:
            # Powertools' parameters (and boto3's Secrets Manager model) load here, on the first
            # read: a function without keys never loads them.
            from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

            self._provider = SecretsProvider(boto3_client=self._client or _secrets_client())
        return self._provider


def _secrets_client() -> Any:
    import boto3  # noqa: PLC0415

    return boto3.client("secretsmanager")


@dataclass(frozen=True)
class Settings:
    table_name: str
    documents_bucket: str
    mail_sender: str
    web_base_url: str
    # IDENTITY_KEY, LINK_KEY and ALTCHA_HMAC_KEY, read on first use (the properties below).
    secrets: Secrets = field(default_factory=lambda: Secrets({}))
    office_id: str = "stuttgart"
    retention_days: int = 30
    ses_configuration_set: str | None = None
    allowed_origins: frozenset[str] = frozenset()
    region: str = "eu-central-1"
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    cognito_jwks_url: str | None = None
    default_slots: Mapping[int, int] = field(
        default_factory=lambda: parse_weekday_slots(DEFAULT_SLOTS_PER_WEEKDAY)
    )
    service_hours: Mapping[int, tuple[time, time]] = field(
        default_factory=lambda: parse_service_hours(DEFAULT_SERVICE_HOURS)
    )
    arrival_window_minutes: int = DEFAULT_ARRIVAL_WINDOW_MINUTES
    minimum_notice_minutes: int = DEFAULT_MINIMUM_NOTICE_MINUTES
    top_up_times: Mapping[int, tuple[time, ...]] = field(
        default_factory=lambda: parse_top_up_times(DEFAULT_TOP_UP_TIMES)
    )
    altcha_max_number: int = DEFAULT_ALTCHA_MAX_NUMBER
    # The queue of read requests (SQS); none: documents are not read (the jobs do not need it).
    read_queue_url: str | None = None
    document_reader: str = "textract"
    document_screening: str = "none"
    # Registrations (each sends a mail) one e-mail address may receive a day, counted under a
    # keyed hash of the address (issue 16); 0: no limit. The cloud sets 3
    # (infra/functions.json); `make run` and the tests register one address many times a day.
    registrations_per_address: int = 0
    # The staff audit's own table, which the API may only add to (issue 16); unset: the main
    # table (make run, the tests).
    audit_table_name: str | None = None
    verification_policy: str = "required"
    identity_hold_days: int = DEFAULT_IDENTITY_HOLD_DAYS

    @property
    def identity_key(self) -> bytes:
        """The HMAC key of the one-active-registration-per-person lock (IDENTITY_KEY)."""
        return self.secrets.value(IDENTITY_KEY)

    @property
    def link_key(self) -> bytes:
        """Derives the links of later mails and signs the entrance passes (LINK_KEY,
        domain/tokens.py, domain/entrance_code.py)."""
        return self.secrets.value(LINK_KEY)

    @property
    def altcha_hmac_key(self) -> bytes:
        """Signs the registration challenges (ALTCHA_HMAC_KEY, services/proof_of_work.py)."""
        return self.secrets.value(ALTCHA_HMAC_KEY)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigurationError(f"environment variable {name} is not set")
            return value

        try:
            retention_days = int(env.get(RETENTION_DAYS, "30"))
        except ValueError as exc:
            raise ConfigurationError(f"{RETENTION_DAYS} must be a whole number of days") from exc
        if retention_days < 1:
            raise ConfigurationError(f"{RETENTION_DAYS} must be at least 1")
        for key in SECRET_KEYS:
            if key in env:
                raise ConfigurationError(
                    f"{key} is a key: give its secret's name in {secret_variable(key)}, "
                    "never its value"
                )
        return cls(
            table_name=required(TABLE_NAME),
            documents_bucket=required(DOCUMENTS_BUCKET),
            mail_sender=required(MAIL_SENDER),
            web_base_url=required(WEB_BASE_URL).rstrip("/"),
            secrets=Secrets.from_env(env),
            office_id=env.get(OFFICE_ID, "stuttgart").strip() or "stuttgart",
            retention_days=retention_days,
            ses_configuration_set=env.get(SES_CONFIGURATION_SET) or None,
            allowed_origins=_origins(env.get(ALLOWED_ORIGINS), required(WEB_BASE_URL)),
            region=env.get(AWS_REGION) or env.get(AWS_DEFAULT_REGION) or "eu-central-1",
            cognito_user_pool_id=env.get(COGNITO_USER_POOL_ID) or None,
            cognito_client_id=env.get(COGNITO_CLIENT_ID) or None,
            cognito_jwks_url=env.get(COGNITO_JWKS_URL) or None,
            default_slots={
                **parse_weekday_slots(DEFAULT_SLOTS_PER_WEEKDAY),
                **parse_weekday_slots(env.get(DEFAULT_SLOTS, ""), name=DEFAULT_SLOTS),
            },
            service_hours={
                **parse_service_hours(DEFAULT_SERVICE_HOURS),
                **parse_service_hours(env.get(SERVICE_HOURS, "")),
            },
            arrival_window_minutes=_positive(
                env, ARRIVAL_WINDOW_MINUTES, DEFAULT_ARRIVAL_WINDOW_MINUTES
            ),
            minimum_notice_minutes=_positive(
                env, MINIMUM_NOTICE_MINUTES, DEFAULT_MINIMUM_NOTICE_MINUTES
            ),
            top_up_times={
                **parse_top_up_times(DEFAULT_TOP_UP_TIMES),
                **parse_top_up_times(env.get(TOP_UP_TIMES, "")),
            },
            altcha_max_number=_positive(env, ALTCHA_MAX_NUMBER, DEFAULT_ALTCHA_MAX_NUMBER),
            read_queue_url=env.get(READ_QUEUE_URL) or None,
            document_reader=_one_of(env, DOCUMENT_READER, DOCUMENT_READERS),
            document_screening=_one_of(env, DOCUMENT_SCREENING, DOCUMENT_SCREENINGS),
            audit_table_name=env.get(AUDIT_TABLE_NAME) or None,
            registrations_per_address=(
                _positive(env, REGISTRATIONS_PER_ADDRESS, 1)
                if env.get(REGISTRATIONS_PER_ADDRESS, "").strip() not in ("", "0")
                else 0
            ),
            verification_policy=_one_of(env, VERIFICATION_POLICY, VERIFICATION_POLICIES),
            identity_hold_days=_positive(env, IDENTITY_HOLD_DAYS, DEFAULT_IDENTITY_HOLD_DAYS),
        )


def _origins(listed: str | None, web_base_url: str) -> frozenset[str]:
    """The browser origins allowed to call the API: the web form's, unless listed."""
    if listed:
        return frozenset(o.strip().rstrip("/") for o in listed.split(",") if o.strip())
    parts = urlsplit(web_base_url)
    return frozenset({f"{parts.scheme}://{parts.netloc}"})


def parse_weekday_slots(spec: str, name: str = DEFAULT_SLOTS) -> dict[int, int]:
    """'mon=40,thu=30' -> {0: 40, 3: 30} (Monday is 0)."""
    slots: dict[int, int] = {}
    for day, value in _weekday_pairs(spec, name):
        if not (value.isascii() and value.isdigit()):
            raise ConfigurationError(f"{name}: slots for {day} must be a whole number >= 0")
        slots[WEEKDAYS.index(day)] = int(value)
    return slots


def parse_service_hours(spec: str, name: str = SERVICE_HOURS) -> dict[int, tuple[time, time]]:
    """'mon=09:00-13:00,thu=11:30-15:30' -> {0: (09:00, 13:00), 3: (11:30, 15:30)}."""
    hours: dict[int, tuple[time, time]] = {}
    for day, value in _weekday_pairs(spec, name):
        opening, _, closing = value.partition("-")
        start, end = _clock(opening, name, day), _clock(closing, name, day)
        if end <= start:
            raise ConfigurationError(f"{name}: the hours of {day} must end after they start")
        hours[WEEKDAYS.index(day)] = (start, end)
    return hours


def parse_top_up_times(spec: str, name: str = TOP_UP_TIMES) -> dict[int, tuple[time, ...]]:
    """'mon=09:30/11:00,thu=' -> {0: (09:30, 11:00), 3: ()}: quarter hours, 08:00 to 15:45
    (domain/schedule.py, TOP_UP_EARLIEST and TOP_UP_LATEST: what the rule fires at)."""
    from chalicelib.domain.schedule import TOP_UP_EARLIEST, TOP_UP_LATEST  # noqa: PLC0415

    times: dict[int, tuple[time, ...]] = {}
    for day, value in _weekday_pairs(spec, name, allow_empty=True):
        found = tuple(sorted(_clock(t, name, day) for t in value.split("/") if t.strip()))
        for at in found:
            if at.minute % 15 or not TOP_UP_EARLIEST <= at <= TOP_UP_LATEST:
                raise ConfigurationError(
                    f"{name}: {at:%H:%M} on {day} is not a quarter hour from 08:00 to 15:45"
                )
        times[WEEKDAYS.index(day)] = found
    return times


def _clock(value: str, name: str, day: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigurationError(f"{name}: the times of {day} must be HH:MM") from exc


def _weekday_pairs(spec: str, name: str, *, allow_empty: bool = False) -> list[tuple[str, str]]:
    pairs = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        day, _, value = part.partition("=")
        day = day.strip().lower()
        if day not in WEEKDAYS or (not value.strip() and not allow_empty):
            raise ConfigurationError(f"{name}: expected entries like mon=..., got {part!r}")
        pairs.append((day, value.strip()))
    return pairs


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip() or str(default)
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ConfigurationError(f"{name} must be a whole number of at least 1")
    return int(raw)


def _one_of(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """The variable's value, one of `choices`; the first when unset."""
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}")
    return raw
