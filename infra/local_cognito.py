"""The staff user pool of the local emulation: groups, demo users, and tokens for curl.

`python -m infra.local_cognito token staff` prints an access token for the demo user
`staff` (or `admin`) of the running local stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3

POOL_NAME = "notfalltermin-staff-local"
CLIENT_NAME = "staff-api"
REGION = "eu-central-1"
# Demo users of the local emulation only; the password is not a secret.
DEMO_PASSWORD = "Local-Demo-Passw0rd!"  # noqa: S105
DEMO_USERS = {"staff": ("staff",), "admin": ("admin",)}


@dataclass(frozen=True)
class LocalPool:
    pool_id: str
    client_id: str
    endpoint_url: str

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"

    def environment(self) -> dict[str, str]:
        """What the API needs to verify this pool's tokens."""
        return {
            "COGNITO_USER_POOL_ID": self.pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
            "COGNITO_JWKS_URL": self.jwks_url,
        }


def _client(endpoint_url: str) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the emulation accepts any
    )


def provision(endpoint_url: str) -> LocalPool:
    """Create the pool, its app client, the groups and the demo users."""
    idp = _client(endpoint_url)
    pool_id = idp.create_user_pool(
        PoolName=POOL_NAME,
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=CLIENT_NAME,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    for group in ("staff", "admin"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    for username, groups in DEMO_USERS.items():
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=DEMO_PASSWORD, Permanent=True
        )
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return LocalPool(pool_id, client_id, endpoint_url)


def find(endpoint_url: str) -> LocalPool:
    """The pool `provision` made in the running emulation."""
    idp = _client(endpoint_url)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == POOL_NAME]
    if not pools:
        raise LookupError("no local staff pool: is `make run` running?")
    pool_id = pools[-1]["Id"]
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next(c["ClientId"] for c in clients if c["ClientName"] == CLIENT_NAME)
    return LocalPool(pool_id, client_id, endpoint_url)


def access_token(pool: LocalPool, username: str) -> str:
    idp = _client(pool.endpoint_url)
    answer = idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": DEMO_PASSWORD},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["token"])
    parser.add_argument("user", choices=sorted(DEMO_USERS))
    parser.add_argument("--endpoint-url", default="http://127.0.0.1:5000")
    args = parser.parse_args(argv)
    try:
        pool = find(args.endpoint_url)
    except (LookupError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(access_token(pool, args.user))
    return 0


if __name__ == "__main__":
    sys.exit(main())
