"""Settings read from the environment, on first use, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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
        )


def _origins(listed: str | None, web_base_url: str) -> frozenset[str]:
    """The browser origins allowed to call the API: the web form's, unless listed."""
    if listed:
        return frozenset(o.strip().rstrip("/") for o in listed.split(",") if o.strip())
    parts = urlsplit(web_base_url)
    return frozenset({f"{parts.scheme}://{parts.netloc}"})
