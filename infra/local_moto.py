"""moto's server for the local stack, with one repair to its Cognito emulation.

Cognito's SRP sign-in answers USER_ID_FOR_SRP, and every client (amazon-cognito-identity-js
too) sends it back as USERNAME in the next steps. moto 5.2.5 answers the user's internal id
(its `sub`) there but looks users up by user name only, so an SRP sign-in fails with
UserNotFoundException at the password step. Here a user pool also finds a user by `sub`, as
Cognito does. Everything else is moto as it comes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
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


def main(argv: Sequence[str] | None = None) -> None:
    find_users_by_sub_too()
    serve(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
