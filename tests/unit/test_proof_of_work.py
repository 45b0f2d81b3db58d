"""The registration's proof of work on a fake ledger: one solution, one registration, in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.proof_of_work import CHALLENGE_LIFETIME, ProofOfWork
from tests.applicant_flow import solve

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeSpentProofs:
    def __init__(self) -> None:
        self.spent: dict[str, int] = {}

    def spend(self, signature: str, expires_at: int) -> bool:
        if signature in self.spent:
            return False
        self.spent[signature] = expires_at
        return True


def service(ledger: FakeSpentProofs, key: bytes = b"a-key-of-sixteen-bytes") -> ProofOfWork:
    return ProofOfWork(ledger, hmac_key=key, max_number=200)


def solved(pow_: ProofOfWork, now: datetime = NOW) -> str:
    return solve(pow_.challenge(now).as_dict())


def refusal(pow_: ProofOfWork, payload: str, now: datetime = NOW) -> str:
    with pytest.raises(ValidationFailed) as refused:
        pow_.redeem(payload, now)
    [error] = refused.value.errors
    assert error.field == "altcha"
    return error.message


def test_a_solution_counts_once_and_is_kept_until_its_challenge_expires() -> None:
    ledger = FakeSpentProofs()
    pow_ = service(ledger)
    payload = solved(pow_)
    pow_.redeem(payload, NOW + timedelta(minutes=9))
    assert list(ledger.spent.values()) == [int((NOW + CHALLENGE_LIFETIME).timestamp())]
    assert "already used" in refusal(pow_, payload, NOW + timedelta(minutes=9))


def test_an_expired_challenge_is_refused_by_the_services_clock() -> None:
    pow_ = service(FakeSpentProofs())
    payload = solved(pow_)
    assert "expired" in refusal(pow_, payload, NOW + CHALLENGE_LIFETIME)


def test_a_challenge_of_another_key_is_refused() -> None:
    other = service(FakeSpentProofs(), key=b"another-key-of-sixteen")
    assert "not a solution" in refusal(service(FakeSpentProofs()), solved(other))


@pytest.mark.parametrize("payload", ["", "x", "e30=", "W10=", "bnVsbA==", "a" * 2000])
def test_what_is_not_a_payload_is_refused(payload: str) -> None:
    assert "not a solution" in refusal(service(FakeSpentProofs()), payload)


def test_the_challenge_carries_its_difficulty_and_expiry() -> None:
    challenge = service(FakeSpentProofs()).challenge(NOW).as_dict()
    assert challenge["maxnumber"] == 200
    assert challenge["algorithm"] == "SHA-256"
    assert f"expires={int((NOW + CHALLENGE_LIFETIME).timestamp())}" in challenge["salt"]
