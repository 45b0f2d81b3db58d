"""Structured JSON logs (Powertools Logger). Log ids and outcomes, never personal data."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools import Logger

SERVICE_NAME = "notfalltermin"


@cache
def log() -> Logger:
    # Created on first use so that importing the app reads no environment.
    return Logger(service=SERVICE_NAME)


def bind_correlation_id(correlation_id: str | None) -> None:
    log().set_correlation_id(correlation_id)
