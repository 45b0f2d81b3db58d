"""Every service of a function shares one client per AWS service: a client costs the loading of
its service model, on the first request of a cold start."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from chalicelib import bootstrap


def test_the_services_share_one_client_per_aws_service(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: Counter[str] = Counter()
    real = bootstrap.client

    def counting(service: str) -> Any:
        made[service] += 1
        return real(service)

    monkeypatch.setattr(bootstrap, "client", counting)
    c = bootstrap.container()

    built = [c.applicants, c.staff, c.allocation, c.proof_of_work, c.mail_deliveries, c.retention]

    assert all(built)
    assert made == {"dynamodb": 1, "s3": 1, "sesv2": 1}
