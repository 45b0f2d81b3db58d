"""The periods the privacy notice shows for what the stores keep are the template's own."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.services.retention import ABANDONED_UPLOAD_DAYS, POINT_IN_TIME_RECOVERY_DAYS
from infra.local_stack import REPO_ROOT


def _resources() -> dict[str, Any]:
    template = json.loads((REPO_ROOT / "infra" / "resources.json").read_text("utf-8"))
    resources: dict[str, Any] = template["Resources"]
    return resources


def test_the_table_keeps_point_in_time_recovery_for_the_days_the_notice_says() -> None:
    recovery = _resources()["Table"]["Properties"]["PointInTimeRecoverySpecification"]

    assert recovery["PointInTimeRecoveryEnabled"] is True
    # Without RecoveryPeriodInDays DynamoDB keeps its default of 35 days.
    assert recovery.get("RecoveryPeriodInDays", 35) == POINT_IN_TIME_RECOVERY_DAYS


def test_the_documents_bucket_drops_abandoned_uploads_after_the_days_the_notice_says() -> None:
    rules = _resources()["DocumentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]

    uploads = next(rule for rule in rules if rule.get("Prefix") == "uploads/")
    assert uploads["ExpirationInDays"] == ABANDONED_UPLOAD_DAYS
