"""The staff user pool of the local emulation: groups, demo users, and tokens for curl.

The pool asks what the deployed one asks (infra/resources.json): SRP sign-in, TOTP at every
sign-in (MFA on), the same password rules. The demo users `staff` and `admin` have their
authenticator set up already (the secret is printed at start); `neu` has a temporary password
and sets a new one and the authenticator at the first sign-in, as a new clerk does.

`python -m infra.local_cognito token staff` prints an access token for the demo user
`staff` (or `admin`) of the running local stack.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

POOL_NAME = "notfalltermin-staff-local"
CLIENT_NAME = "staff-api"
REGION = "eu-central-1"
# Demo users of the local emulation only; the password is not a secret.
DEMO_PASSWORD = "Local-Demo-Passw0rd!"  # noqa: S105
DEMO_USERS = {"staff": ("staff",), "admin": ("admin",)}
# A new clerk's first sign-in: a temporary password, then their own one and the authenticator.
FIRST_SIGN_IN_USER = "neu"
FIRST_SIGN_IN_PASSWORD = "Erste-Anmeldung-2026!"  # noqa: S105 - local demo only
# The deployed pool's rules (infra/resources.json, UserPool.Policies).
PASSWORD_POLICY = {
    "MinimumLength": 14,
    "RequireLowercase": True,
    "RequireUppercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 3,
}


@dataclass(frozen=True)
class LocalPool:
    pool_id: str
    client_id: str
    endpoint_url: str
    # Each demo user's TOTP secret (base32), for an authenticator app or pyotp.
    totp_secrets: dict[str, str] = field(default_factory=dict)

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
        Policies={"PasswordPolicy": PASSWORD_POLICY},
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=CLIENT_NAME,
        # SRP for the staff console, as deployed; the admin flow only for `make token`.
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        EnableTokenRevocation=True,
    )["UserPoolClient"]["ClientId"]
    for group in ("staff", "admin"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    secrets = {}
    for username, groups in DEMO_USERS.items():
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=DEMO_PASSWORD, Permanent=True
        )
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        secrets[username] = _enrol_authenticator(idp, pool_id, client_id, username)
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=FIRST_SIGN_IN_USER,
        TemporaryPassword=FIRST_SIGN_IN_PASSWORD,
        MessageAction="SUPPRESS",
    )
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=FIRST_SIGN_IN_USER, GroupName="staff")
    # As deployed: TOTP at every sign-in; a user without an authenticator sets one up first.
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    return LocalPool(pool_id, client_id, endpoint_url, secrets)


def _enrol_authenticator(idp: Any, pool_id: str, client_id: str, username: str) -> str:
    """Set up a demo user's authenticator as the console's first sign-in does; its secret."""
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]
    access = tokens["AccessToken"]
    secret = str(idp.associate_software_token(AccessToken=access)["SecretCode"])
    _with_fresh_code(
        secret,
        lambda code: idp.verify_software_token(
            AccessToken=access, UserCode=code, FriendlyDeviceName="demo"
        ),
    )
    idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    """The authenticator's code (RFC 6238: SHA-1, six digits, 30-second steps, as Cognito's).

    cryptography's TOTP, not pyotp: the emulation's secret is 60 bits, which pyotp refuses.
    """
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    totp = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238's hash
    return totp.generate(time.time() if at is None else at).decode("ascii")


def _with_fresh_code(secret: str, call: Any) -> Any:
    """`call(code)`; once more with the next code when the first went stale in between."""
    try:
        return call(totp_code(secret))
    except ClientError as error:
        if error.response["Error"]["Code"] != "CodeMismatchException":
            raise
        return call(totp_code(secret))


def find(endpoint_url: str) -> LocalPool:
    """The pool `provision` made in the running emulation."""
    idp = _client(endpoint_url)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == POOL_NAME]
    if not pools:
        raise LookupError("no local staff pool: is `make run` running?")
    pool_id = pools[-1]["Id"]
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next(c["ClientId"] for c in clients if c["ClientName"] == CLIENT_NAME)
    # The emulation gives every user the same secret; ask it as an authenticator set-up would.
    secret = str(
        idp.associate_software_token(Session=_session(idp, pool_id, client_id))["SecretCode"]
    )
    return LocalPool(pool_id, client_id, endpoint_url, dict.fromkeys(DEMO_USERS, secret))


def _session(idp: Any, pool_id: str, client_id: str) -> str:
    username = next(iter(DEMO_USERS))
    answer = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": DEMO_PASSWORD},
    )
    return str(answer["Session"])


def access_token(pool: LocalPool, username: str) -> str:
    """A demo user's access token: password, then the authenticator's code (TOTP is on)."""
    idp = _client(pool.endpoint_url)
    answer = idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": DEMO_PASSWORD},
    )
    if answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        session = answer["Session"]

        def respond(code: str) -> Any:
            return idp.admin_respond_to_auth_challenge(
                UserPoolId=pool.pool_id,
                ClientId=pool.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=session,
                ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
            )

        answer = _with_fresh_code(pool.totp_secrets[username], respond)
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
