"""Settings read from the environment, on first use, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from urllib.parse import urlsplit

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
OPENING_TIMES = "OPENING_TIMES"
ARRIVAL_WINDOW_MINUTES = "ARRIVAL_WINDOW_MINUTES"
ARRIVALS_PER_WINDOW = "ARRIVALS_PER_WINDOW"
ALTCHA_HMAC_KEY = "ALTCHA_HMAC_KEY"
ALTCHA_MAX_NUMBER = "ALTCHA_MAX_NUMBER"
READ_QUEUE_URL = "READ_QUEUE_URL"
DOCUMENT_READER = "DOCUMENT_READER"
VERIFICATION_POLICY = "VERIFICATION_POLICY"
IDENTITY_HOLD_DAYS = "IDENTITY_HOLD_DAYS"

# The queue of read requests, by name (infra/resources.json creates it, the local stack too).
READ_QUEUE_NAME = "notfalltermin-read-requests"
# Who reads a document's machine-readable zone: Amazon Textract in the cloud, the tesseract
# OCR engine in `make run` and the tests (docs/performance.md, "Reading documents").
DOCUMENT_READERS = ("textract", "tesseract")
VERIFICATION_POLICIES = ("required", "preferred")
DEFAULT_IDENTITY_HOLD_DAYS = 30

# Allocation defaults: appointments per weekday (a date's override is set by staff), the
# opening time the first arrival window starts at (Thursday's run is at 10:15, so the office
# opens at 10:30), and windows of 30 minutes for 10 people each. A variable lists only the
# weekdays it changes, e.g. DEFAULT_SLOTS="thu=25" or OPENING_TIMES="fri=07:30".
DEFAULT_SLOTS_PER_WEEKDAY = "mon=40,tue=40,wed=40,thu=30,fri=40"
DEFAULT_OPENING_TIMES = "mon=08:00,tue=08:00,wed=08:00,thu=10:30,fri=08:00"
DEFAULT_ARRIVAL_WINDOW_MINUTES = 30
DEFAULT_ARRIVALS_PER_WINDOW = 10
# The proof of work asked of every registration (ALTCHA): the solver tries up to half the
# numbers on average; 100 000 SHA-256 hashes take a phone's browser one to two seconds.
DEFAULT_ALTCHA_MAX_NUMBER = 100_000
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed; the service cannot start."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    documents_bucket: str
    mail_sender: str
    web_base_url: str
    identity_key: bytes
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
    opening_times: Mapping[int, time] = field(
        default_factory=lambda: parse_opening_times(DEFAULT_OPENING_TIMES)
    )
    arrival_window_minutes: int = DEFAULT_ARRIVAL_WINDOW_MINUTES
    arrivals_per_window: int = DEFAULT_ARRIVALS_PER_WINDOW
    # Signs the registration challenges; required (from_env), never empty in a built Settings.
    altcha_hmac_key: bytes = b""
    altcha_max_number: int = DEFAULT_ALTCHA_MAX_NUMBER
    # The queue of read requests (SQS); none: documents are not read (the jobs do not need it).
    read_queue_url: str | None = None
    document_reader: str = "textract"
    verification_policy: str = "required"
    identity_hold_days: int = DEFAULT_IDENTITY_HOLD_DAYS

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
        identity_key = required(IDENTITY_KEY)
        if len(identity_key) < 16:
            raise ConfigurationError(f"{IDENTITY_KEY} must be at least 16 characters")
        altcha_hmac_key = required(ALTCHA_HMAC_KEY)
        if len(altcha_hmac_key) < 16:
            raise ConfigurationError(f"{ALTCHA_HMAC_KEY} must be at least 16 characters")
        return cls(
            table_name=required(TABLE_NAME),
            documents_bucket=required(DOCUMENTS_BUCKET),
            mail_sender=required(MAIL_SENDER),
            web_base_url=required(WEB_BASE_URL).rstrip("/"),
            identity_key=identity_key.encode("utf-8"),
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
            opening_times={
                **parse_opening_times(DEFAULT_OPENING_TIMES),
                **parse_opening_times(env.get(OPENING_TIMES, ""), name=OPENING_TIMES),
            },
            arrival_window_minutes=_positive(
                env, ARRIVAL_WINDOW_MINUTES, DEFAULT_ARRIVAL_WINDOW_MINUTES
            ),
            arrivals_per_window=_positive(env, ARRIVALS_PER_WINDOW, DEFAULT_ARRIVALS_PER_WINDOW),
            altcha_hmac_key=altcha_hmac_key.encode("utf-8"),
            altcha_max_number=_positive(env, ALTCHA_MAX_NUMBER, DEFAULT_ALTCHA_MAX_NUMBER),
            read_queue_url=env.get(READ_QUEUE_URL) or None,
            document_reader=_one_of(env, DOCUMENT_READER, DOCUMENT_READERS),
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


def parse_opening_times(spec: str, name: str = OPENING_TIMES) -> dict[int, time]:
    """'mon=08:00,thu=10:30' -> {0: time(8, 0), 3: time(10, 30)}."""
    times: dict[int, time] = {}
    for day, value in _weekday_pairs(spec, name):
        try:
            hours, minutes = value.split(":")
            times[WEEKDAYS.index(day)] = time(int(hours), int(minutes))
        except ValueError as exc:
            raise ConfigurationError(f"{name}: the time for {day} must be HH:MM") from exc
    return times


def _weekday_pairs(spec: str, name: str) -> list[tuple[str, str]]:
    pairs = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        day, _, value = part.partition("=")
        day = day.strip().lower()
        if day not in WEEKDAYS or not value.strip():
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
