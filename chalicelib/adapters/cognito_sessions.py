"""Staff sign-ins that have ended: a signed, unexpired access token of a user who signed out,
was signed out by an admin, disabled or deleted is refused (issue 16, item 3).

A JWT stays valid until it expires (15 minutes); Cognito knows when it was revoked. The check
asks Cognito itself (GetUser with the token: no IAM permission, it answers NotAuthorized for a
revoked token or a disabled or deleted user) and remembers a positive answer for a minute per
token, so that a busy desk costs one call a minute, and an ended sign-in works at most a minute
longer.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceUnavailable, Unauthorized

CHECKED_FOR_SECONDS = 60
_ENDED = frozenset({"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"})
_MAX_REMEMBERED = 1000


class CognitoSessionCheck:
    def __init__(self, client: Any, checked_for_seconds: int = CHECKED_FOR_SECONDS) -> None:
        self._client = client
        self._checked_for = checked_for_seconds
        self._active_until: dict[str, float] = {}

    def ensure_active(self, token: str, now: datetime) -> None:
        key = hashlib.sha256(token.encode()).hexdigest()
        moment = now.timestamp()
        if self._active_until.get(key, 0.0) > moment:
            return
        try:
            self._client.get_user(AccessToken=token)
        except ClientError as error:
            self._active_until.pop(key, None)
            if str(error.response.get("Error", {}).get("Code", "")) in _ENDED:
                raise Unauthorized("This sign-in has ended; please sign in again.") from None
            raise ServiceUnavailable(
                "Sign-in cannot be checked right now; please try again in a moment."
            ) from error
        if len(self._active_until) >= _MAX_REMEMBERED:
            self._active_until = {k: t for k, t in self._active_until.items() if t > moment}
        self._active_until[key] = moment + self._checked_for
