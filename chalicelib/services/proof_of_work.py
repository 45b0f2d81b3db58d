"""Anti-automation of registering: an ALTCHA proof of work, each solution good for one attempt.

The service hands out a challenge signed with its key (ALTCHA v1: find n with SHA-256(salt + n)
equal to the challenge, n at most `max_number`); POST /registrations must carry the solution.
A solution counts once: it must solve a challenge this service signed, before the expiry the
signed salt carries (read with the injected clock), and its signature must not have been spent
before (a conditional write, kept until the challenge has expired). A flood from one client so
costs it max_number / 2 hashes per attempt, on top of the WAF's rate limit per IP.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chalicelib.domain.errors import FieldError, ValidationFailed
from chalicelib.observability import log

ALGORITHM: Final = "SHA-256"
CHALLENGE_LIFETIME = timedelta(minutes=10)
# A payload is a base64 JSON object of five short fields; anything longer is not one.
MAX_PAYLOAD_CHARS = 1024
FIELD = "altcha"

_Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class SpentProofs(Protocol):
    def spend(self, signature: str, expires_at: int) -> bool:
        """Record a solution as used until `expires_at` (epoch seconds); False when it had
        been used before."""


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    max_number: int
    salt: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        # The names ALTCHA's widget and solvers read.
        return {
            "algorithm": self.algorithm,
            "challenge": self.challenge,
            "maxnumber": self.max_number,
            "salt": self.salt,
            "signature": self.signature,
        }


class _Solution(BaseModel):
    """The decoded payload: what ALTCHA's solvers send back."""

    model_config = ConfigDict(extra="ignore", strict=True, defer_build=True)

    algorithm: Literal["SHA-256"]
    challenge: _Hex64
    number: int = Field(ge=0)
    salt: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    signature: _Hex64


class ProofOfWork:
    def __init__(self, spent: SpentProofs, *, hmac_key: bytes, max_number: int) -> None:
        if not hmac_key:
            raise ValueError("the proof of work needs a key")
        if max_number < 1:
            raise ValueError("max_number must be at least 1")
        self._spent = spent
        self._key = hmac_key
        self._max_number = max_number

    def challenge(self, now: datetime) -> Challenge:
        # Imported here: only the two registration routes need it (cold starts of the rest).
        from altcha.v1 import create_challenge  # noqa: PLC0415

        created = create_challenge(
            algorithm=ALGORITHM,
            max_number=self._max_number,
            salt_length=12,
            hmac_key=self._key,
            salt="",
            number=None,
            expires=now + CHALLENGE_LIFETIME,
            params=None,
        )
        return Challenge(
            created.algorithm,
            created.challenge,
            created.max_number,
            created.salt,
            created.signature,
        )

    def redeem(self, payload: str, now: datetime) -> None:
        """Accept a solution once; anything else is a 422 naming the `altcha` field."""
        from altcha.v1 import verify_solution  # noqa: PLC0415

        solution = _decode(payload)
        if solution is None or solution.number > self._max_number:
            raise _refused("is not a solution of a registration challenge")
        valid, _ = verify_solution(
            {
                "algorithm": solution.algorithm,
                "challenge": solution.challenge,
                "number": solution.number,
                "salt": solution.salt,
                "signature": solution.signature,
            },
            self._key,
            check_expires=False,  # checked below, with the service's clock
        )
        if not valid:
            raise _refused("is not a solution of a registration challenge")
        expires_at = _expiry(solution.salt)
        if expires_at is None or expires_at <= int(now.timestamp()):
            raise _refused("has expired: please try again")
        if not self._spent.spend(solution.signature, expires_at):
            log().warning("proof_of_work_replayed")
            raise _refused("was already used: please try again")


def _decode(payload: str) -> _Solution | None:
    if not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return None
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
        return _Solution.model_validate(data)
    except (binascii.Error, ValueError, ValidationError):
        return None


def _expiry(salt: str) -> int | None:
    """The `expires` the signed salt carries (epoch seconds), or None."""
    _, _, query = salt.partition("?")
    values = urllib.parse.parse_qs(query).get("expires", [])
    if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
        return None
    return int(values[0])


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(
        "The automatic check against robots did not pass. Please send the form again.",
        errors=[FieldError(FIELD, message)],
    )
