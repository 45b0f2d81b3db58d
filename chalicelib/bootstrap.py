"""The composition root: settings, boto3 clients and services, built once, on first use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from chalicelib.config import ConfigurationError, Settings
from chalicelib.domain.errors import Unauthorized

# Each function imports what its first request needs, not what the others need: the
# services, adapters and their libraries load in the property that builds them (a cold start
# of the jobs loads no staff or applicant code, docs/performance.md).
if TYPE_CHECKING:
    from chalicelib.adapters.cognito import CognitoTokenVerifier
    from chalicelib.adapters.cognito_sessions import CognitoSessionCheck
    from chalicelib.adapters.dynamo_mail_events import DynamoMailDeliveries
    from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
    from chalicelib.adapters.s3 import S3DocumentStore
    from chalicelib.adapters.s3_safe_copies import S3SafeCopies
    from chalicelib.adapters.ses import SesMailer
    from chalicelib.services.allocation import AllocationService
    from chalicelib.services.links import Links
    from chalicelib.services.ports import Clock, DocumentReader, ReadRequests
    from chalicelib.services.proof_of_work import ProofOfWork
    from chalicelib.services.registration import ApplicantService
    from chalicelib.services.retention import RetentionService
    from chalicelib.services.staff import StaffService
    from chalicelib.services.verification import VerificationService

# Retries with backoff inside one request; a request that still fails answers 503.
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10
)


def utc_now() -> datetime:
    """The system clock, used only at the edges (handlers and jobs) and passed inward."""
    return datetime.now(UTC)


class _ClientOnFirstUse:
    """A boto3 client made when first used: a request pays for the service models of the AWS
    services it calls, not of every service its use case could call (a status read calls
    DynamoDB only, yet the applicant service holds the document store and the mailer; making
    the S3 and SES clients was about a tenth of a cold status read, docs/performance.md 7.4)."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = _make_client(self._service)
        return getattr(self._client, name)


def client(service: str) -> Any:
    """The boto3 client of `service` ("dynamodb", "s3", ...), made on its first use."""
    return _ClientOnFirstUse(service)


def _make_client(service: str) -> Any:
    extra: dict[str, Any] = {}
    if service == "s3":
        # Virtual-hosted addressing signs presigned URLs for the regional endpoint
        # (bucket.s3.<region>.amazonaws.com). Without it botocore signs them for the global
        # one, which answers a bucket outside us-east-1 with a redirect for up to a day after
        # its creation, and a browser's upload does not follow a redirect. (An endpoint that
        # is an IP address, the local emulation's, gets path-style URLs all the same.)
        extra["config"] = _CLIENT_CONFIG.merge(
            Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
        )
    else:
        extra["config"] = _CLIENT_CONFIG
    return boto3.client(service, **extra)


@dataclass
class Container:
    """The settings, and each service built on its first use."""

    settings: Settings
    clock: Clock = utc_now
    token_verifier: CognitoTokenVerifier | None = None

    @cached_property
    def dynamodb(self) -> Any:
        """One DynamoDB client for every repository (clients are thread-safe; each costs the
        loading of its service model)."""
        return client("dynamodb")

    @cached_property
    def registrations(self) -> DynamoRegistrationRepository:
        from chalicelib.adapters.dynamodb import DynamoRegistrationRepository

        return DynamoRegistrationRepository(self.dynamodb, self.settings.table_name)

    @cached_property
    def documents(self) -> S3DocumentStore:
        from chalicelib.adapters.s3 import S3DocumentStore

        screenings = set(self.settings.document_screening.split("+"))
        in_process = "sanitise" in screenings
        safe_copies = None
        if in_process or "sanitiser-function" in screenings:
            safe_copies = self.safe_copies if in_process else self.safe_copy_lookup
        return S3DocumentStore(
            client("s3"),
            self.settings.documents_bucket,
            safe_copies=safe_copies,
            make_safe_copies=in_process,
            malware_scan="malware-scan" in screenings,
        )

    @cached_property
    def safe_copies(self) -> S3SafeCopies:
        """Makes safe copies: the sanitiser function, or the API with DOCUMENT_SCREENING=sanitise
        (Pillow and pikepdf load on the first copy, adapters/safe_copy.py)."""
        from chalicelib.adapters.s3_safe_copies import S3SafeCopies
        from chalicelib.adapters.safe_copy import PillowPikepdfSanitiser

        return S3SafeCopies(client("s3"), self.settings.documents_bucket, PillowPikepdfSanitiser())

    @cached_property
    def safe_copy_lookup(self) -> S3SafeCopies:
        """Finds the copies the sanitiser function made (the API, which never sanitises)."""
        from chalicelib.adapters.s3_safe_copies import S3SafeCopies

        return S3SafeCopies(client("s3"), self.settings.documents_bucket, None)

    @cached_property
    def mailer(self) -> SesMailer:
        from chalicelib.adapters.ses import SesMailer

        s = self.settings
        return SesMailer(client("sesv2"), s.mail_sender, s.ses_configuration_set)

    @cached_property
    def applicants(self) -> ApplicantService:
        from chalicelib.adapters.dynamo_address_limits import DynamoAddressLimits
        from chalicelib.services.registration import ApplicantService

        s = self.settings
        return ApplicantService(
            self.registrations,
            self.documents,
            self.mailer,
            identity_secret=s.identity_key,
            office_id=s.office_id,
            web_base_url=s.web_base_url,
            retention_days=s.retention_days,
            verification=self.verification,
            links=self.links,
            address_limits=DynamoAddressLimits(self.registrations, s.identity_key),
            registrations_per_address=s.registrations_per_address,
        )

    @cached_property
    def verification(self) -> VerificationService:
        """Reading documents, the verdict after submit, corrections and the staff review."""
        from chalicelib.adapters.dynamo_verification import DynamoVerification
        from chalicelib.services.verification import VerificationService

        s = self.settings
        return VerificationService(
            DynamoVerification(self.registrations),
            lambda: self.document_reader,
            lambda: self.read_requests,
            mailer=self.mailer,
            web_base_url=s.web_base_url,
            office_id=s.office_id,
            identity_secret=s.identity_key,
            retention_days=s.retention_days,
            hold_days=s.identity_hold_days,
            links=self.links,
        )

    @cached_property
    def links(self) -> Links:
        from chalicelib.services.links import Links

        return Links(self.settings.web_base_url, self.settings.link_key)

    @cached_property
    def read_requests(self) -> ReadRequests:
        from chalicelib.adapters.sqs_reads import SqsReadRequests

        if not self.settings.read_queue_url:
            raise ConfigurationError("READ_QUEUE_URL is not set: documents cannot be read")
        return SqsReadRequests(client("sqs"), self.settings.read_queue_url)

    @cached_property
    def document_reader(self) -> DocumentReader:
        """Amazon Textract in the cloud; the tesseract engine locally (DOCUMENT_READER)."""
        s = self.settings
        if s.document_reader == "tesseract":
            from chalicelib.adapters.tesseract_reader import TesseractDocumentReader

            return TesseractDocumentReader(client("s3"), s.documents_bucket)
        from chalicelib.adapters.textract_reader import TextractDocumentReader

        return TextractDocumentReader(client("textract"), s.documents_bucket)

    @cached_property
    def staff(self) -> StaffService:
        from chalicelib.adapters.dynamo_staff import DynamoStaffQueries
        from chalicelib.services.staff import StaffService

        return StaffService(
            self.registrations,
            DynamoStaffQueries(
                self.registrations,
                audit_table=self.settings.audit_table_name or self.settings.table_name,
            ),
            self.documents,
            office_id=self.settings.office_id,
            mailer=self.mailer,
            web_base_url=self.settings.web_base_url,
            retention_days=self.settings.retention_days,
            identity_secret=self.settings.identity_key,
        )

    @cached_property
    def allocation(self) -> AllocationService:
        from chalicelib.adapters.dynamo_allocation import DynamoAllocationRepository
        from chalicelib.domain.schedule import ArrivalPlan
        from chalicelib.services.allocation import AllocationService

        s = self.settings
        return AllocationService(
            DynamoAllocationRepository(self.dynamodb, s.table_name),
            self.mailer,
            office_id=s.office_id,
            default_slots=s.default_slots,
            arrivals=ArrivalPlan(
                service_hours=s.service_hours,
                window_minutes=s.arrival_window_minutes,
                minimum_notice=timedelta(minutes=s.minimum_notice_minutes),
            ),
            top_up_times=s.top_up_times,
            links=self.links,
            entrance_key=s.link_key,
            web_base_url=s.web_base_url,
            retention_days=s.retention_days,
            # The container's clock, read at each claim: tests replace it after the build.
            clock=lambda: self.clock(),  # noqa: PLW0108
            invite_unverified=s.verification_policy == "preferred",
        )

    @cached_property
    def proof_of_work(self) -> ProofOfWork:
        from chalicelib.adapters.dynamo_proofs import DynamoSpentProofs
        from chalicelib.services.proof_of_work import ProofOfWork

        s = self.settings
        return ProofOfWork(
            DynamoSpentProofs(self.dynamodb, s.table_name),
            hmac_key=s.altcha_hmac_key,
            max_number=s.altcha_max_number,
        )

    @cached_property
    def mail_deliveries(self) -> DynamoMailDeliveries:
        """Where SES bounce and complaint events are recorded (the mail event function)."""
        from chalicelib.adapters.dynamo_mail_events import DynamoMailDeliveries

        return DynamoMailDeliveries(self.dynamodb, self.settings.table_name)

    @cached_property
    def retention(self) -> RetentionService:
        """The nightly erasure of what the retention period no longer covers (the purge)."""
        from chalicelib.adapters.dynamo_retention import DynamoRetention
        from chalicelib.services.retention import RetentionService

        s = self.settings
        return RetentionService(
            DynamoRetention(self.dynamodb, s.table_name),
            self.documents,
            retention_days=s.retention_days,
        )

    @cached_property
    def staff_sessions(self) -> CognitoSessionCheck:
        """Whether a verified staff token's sign-in still holds (revoked, disabled, deleted)."""
        from chalicelib.adapters.cognito_sessions import CognitoSessionCheck

        return CognitoSessionCheck(client("cognito-idp"))

    def staff_tokens(self) -> CognitoTokenVerifier:
        """The verifier of staff tokens, built on the first staff request."""
        if self.token_verifier is None:
            # PyJWT and cryptography load here, off the cold start of the applicant routes
            # and the jobs, which never verify a staff token (docs/performance.md).
            from chalicelib.adapters.cognito import (
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


# The services built with a key (Settings.secrets): built anew once a key they hold has been
# replaced in Secrets Manager (seen after the cache age, config.SECRETS_MAX_AGE_SECONDS).
_KEYED_SERVICES = ("links", "applicants", "verification", "allocation", "proof_of_work")


@cache
def _built() -> Container:
    return Container(Settings.from_env())


def container() -> Container:
    """The container, its services built with the keys Secrets Manager holds now (a replaced
    key is read again after its cache age; a function that read none asks for none)."""
    built = _built()
    if built.settings.secrets.replaced():
        for name in _KEYED_SERVICES:
            built.__dict__.pop(name, None)
    return built


def reset() -> None:
    """Forget the built container (tests, after changing the environment)."""
    _built.cache_clear()
