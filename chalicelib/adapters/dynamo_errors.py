"""Translation of DynamoDB ClientErrors into domain errors."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceUnavailable

RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def cancellation_reasons(error: ClientError) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons", [])
    return reasons


def is_retryable(error: ClientError) -> bool:
    if error_code(error) in RETRYABLE_CODES:
        return True
    return any(
        reason.get("Code")
        in {"ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"}
        for reason in cancellation_reasons(error)
    )


def unavailable(error: ClientError) -> ServiceUnavailable:
    return ServiceUnavailable(
        "The service is busy right now. Nothing was changed; please try again in a moment.",
        aws_error=error_code(error),
    )
