"""The composition root: settings, boto3 clients and services, built once, on first use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
from chalicelib.adapters.dynamo_mail_events import DynamoMailDeliveries
from chalicelib.adapters.dynamo_proofs import DynamoSpentProofs
from chalicelib.adapters.dynamo_retention import DynamoRetention
from chalicelib.adapters.dynamo_staff import DynamoStaffQueries
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.adapters.ses import SesMailer
from chalicelib.config import Settings
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.schedule import ArrivalPlan
from chalicelib.services.allocation import AllocationService
from chalicelib.services.ports import Clock
from chalicelib.services.proof_of_work import ProofOfWork
from chalicelib.services.registration import ApplicantService
from chalicelib.services.retention import RetentionService
from chalicelib.services.staff import StaffService

if TYPE_CHECKING:
    from chalicelib.adapters.cognito import CognitoTokenVerifier

# Retries with backoff inside one request; a request that still fails answers 503.
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10
)


def utc_now() -> datetime:
    """The system clock, used only at the edges (handlers and jobs) and passed inward."""
    return datetime.now(UTC)


def client(service: str) -> Any:
    extra: dict[str, Any] = {}
    if service == "s3":
        extra["config"] = _CLIENT_CONFIG.merge(Config(signature_version="s3v4"))
    else:
        extra["config"] = _CLIENT_CONFIG
    return boto3.client(service, **extra)


@dataclass
class Container:
    settings: Settings
    applicants: ApplicantService
    staff: StaffService
    allocation: AllocationService
    proof_of_work: ProofOfWork
    clock: Clock = utc_now
    token_verifier: CognitoTokenVerifier | None = None

    def staff_tokens(self) -> CognitoTokenVerifier:
        """The verifier of staff tokens, built on the first staff request."""
        if self.token_verifier is None:
            # PyJWT and cryptography load here, off the cold start of the applicant routes
            # and the jobs, which never verify a staff token (docs/performance.md).
            from chalicelib.adapters.cognito import (  # noqa: PLC0415
                CognitoTokenVerifier,
                RemoteKeySource,
                pool_issuer,
            )

            s = self.settings
            if not (s.cognito_user_pool_id and s.cognito_client_id):
                raise Unauthorized("Staff sign-in is not configured for this service.")
            issuer = pool_issuer(s.region, s.cognito_user_pool_id)
            jwks_url = s.cognito_jwks_url or f"{issuer}/.well-known/jwks.json"
            self.token_verifier = CognitoTokenVerifier(
                RemoteKeySource(jwks_url), issuer, s.cognito_client_id
            )
        return self.token_verifier


@cache
def container() -> Container:
    settings = Settings.from_env()
    repository = DynamoRegistrationRepository(client("dynamodb"), settings.table_name)
    store = S3DocumentStore(client("s3"), settings.documents_bucket)
    mailer = SesMailer(client("sesv2"), settings.mail_sender, settings.ses_configuration_set)
    applicants = ApplicantService(
        repository,
        store,
        mailer,
        identity_secret=settings.identity_key,
        office_id=settings.office_id,
        web_base_url=settings.web_base_url,
        retention_days=settings.retention_days,
    )
    staff = StaffService(
        repository, DynamoStaffQueries(repository), store, office_id=settings.office_id
    )
    allocation = AllocationService(
        DynamoAllocationRepository(client("dynamodb"), settings.table_name),
        mailer,
        office_id=settings.office_id,
        default_slots=settings.default_slots,
        arrivals=ArrivalPlan(
            opening=settings.opening_times,
            window_minutes=settings.arrival_window_minutes,
            per_window=settings.arrivals_per_window,
        ),
        web_base_url=settings.web_base_url,
        retention_days=settings.retention_days,
    )
    proof_of_work = ProofOfWork(
        DynamoSpentProofs(client("dynamodb"), settings.table_name),
        hmac_key=settings.altcha_hmac_key,
        max_number=settings.altcha_max_number,
    )
    return Container(
        settings=settings,
        applicants=applicants,
        staff=staff,
        allocation=allocation,
        proof_of_work=proof_of_work,
    )


@cache
def mail_deliveries() -> DynamoMailDeliveries:
    """Where SES bounce and complaint events are recorded (the mail event function only)."""
    return DynamoMailDeliveries(client("dynamodb"), container().settings.table_name)


@cache
def retention() -> RetentionService:
    """The nightly erasure of what the retention period no longer covers (the purge only)."""
    settings = container().settings
    return RetentionService(
        DynamoRetention(client("dynamodb"), settings.table_name),
        S3DocumentStore(client("s3"), settings.documents_bucket),
        retention_days=settings.retention_days,
    )


def reset() -> None:
    """Forget the built container (tests, after changing the environment)."""
    container.cache_clear()
    mail_deliveries.cache_clear()
    retention.cache_clear()
