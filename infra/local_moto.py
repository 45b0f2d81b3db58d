"""moto's server for the local stack, with two repairs to its Cognito emulation.

1. Cognito's SRP sign-in answers USER_ID_FOR_SRP, and every client (amazon-cognito-identity-js
   too) sends it back as USERNAME in the next steps. moto 5.2.5 answers the user's internal id
   (its `sub`) there but looks users up by user name only, so an SRP sign-in fails with
   UserNotFoundException at the password step. Here a user pool also finds a user by `sub`,
   as Cognito does.
2. Cognito's NEW_PASSWORD_REQUIRED challenge carries `userAttributes` and `requiredAttributes`
   (JSON texts), which clients parse; moto leaves them out. Here they are added.
3. GlobalSignOut is unsigned; moto's server sends every unsigned Cognito call to us-east-1, and
   its GlobalSignOut (unlike GetUser) looks for the token only there. Here it looks in every
   region, as moto's GetUser does.

Everything else is moto as it comes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.server import main as serve


def find_users_by_sub_too() -> None:
    by_name = CognitoIdpUserPool._get_user
    if getattr(by_name, "finds_sub", False):
        return

    def get_user(self: CognitoIdpUserPool, username: str) -> Any:
        user: CognitoIdpUser | None = by_name(self, username)
        if user is None:
            user = next((u for u in self.users.values() if u.id == username), None)
        return user

    get_user.finds_sub = True  # type: ignore[attr-defined]
    CognitoIdpUserPool._get_user = get_user  # type: ignore[method-assign]


def complete_new_password_challenges() -> None:
    respond = CognitoIdpBackend.respond_to_auth_challenge
    if getattr(respond, "completes_challenges", False):
        return

    def respond_to_auth_challenge(self: CognitoIdpBackend, *args: Any, **kwargs: Any) -> Any:
        answer = respond(self, *args, **kwargs)
        if isinstance(answer, dict) and answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            parameters = answer.setdefault("ChallengeParameters", {})
            parameters.setdefault("userAttributes", json.dumps({}))
            parameters.setdefault("requiredAttributes", json.dumps([]))
        return answer

    respond_to_auth_challenge.completes_challenges = True  # type: ignore[attr-defined]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign]


def sign_out_in_any_region() -> None:
    if getattr(CognitoIdpResponse.global_sign_out, "any_region", False):
        return

    def global_sign_out(self: CognitoIdpResponse) -> ActionResult:
        access_token = self._get_param("AccessToken")
        agnostic = self._get_region_agnostic_backend()
        agnostic._find_backend_by_access_token(access_token).global_sign_out(access_token)
        return EmptyResult()

    global_sign_out.any_region = True  # type: ignore[attr-defined]
    CognitoIdpResponse.global_sign_out = global_sign_out  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> None:
    find_users_by_sub_too()
    complete_new_password_challenges()
    sign_out_in_any_region()
    serve(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
