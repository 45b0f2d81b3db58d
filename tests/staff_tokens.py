"""Staff tokens for tests: real ones from moto's Cognito, and forged ones of every kind."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

import boto3
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.adapters.cognito import pool_issuer

PASSWORD = "Correct-Horse-9-Battery"


def moto_jwks(kind: str = "public") -> dict[str, Any]:
    raw = resources.files("moto.cognitoidp").joinpath(f"resources/jwks-{kind}.json.gz").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


@dataclass
class StaffPool:
    """A moto user pool with an app client and users `staff`, `admin`, `nobody`."""

    region: str
    pool_id: str
    client_id: str
    other_client_id: str

    @property
    def issuer(self) -> str:
        return pool_issuer(self.region, self.pool_id)

    def tokens(self, username: str, client_id: str | None = None) -> dict[str, str]:
        idp = boto3.client("cognito-idp", region_name=self.region)
        auth = idp.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        return {"access": auth["AccessToken"], "id": auth["IdToken"]}

    def access_token(self, username: str) -> str:
        return self.tokens(username)["access"]

    def forged(self, **claims: Any) -> str:
        """An access token signed with moto's own private key: valid unless a claim says not."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": "forged-sub",
            "client_id": self.client_id,
            "token_use": "access",
            "username": "forger",
            "iat": now,
            "exp": now + 3600,
            "cognito:groups": ["staff"],
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        private = RSAAlgorithm.from_jwk(json.dumps(moto_jwks("private")))
        return jwt.encode(payload, private, algorithm="RS256", headers={"kid": "dummy"})  # type: ignore[arg-type]


def create_staff_pool(region: str, name: str = "notfalltermin-staff") -> StaffPool:
    idp = boto3.client("cognito-idp", region_name=region)
    pool_id = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]

    def new_client(client_name: str) -> str:
        return str(
            idp.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=client_name,
                ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            )["UserPoolClient"]["ClientId"]
        )

    client_id = new_client("staff-api")
    other_client_id = new_client("some-other-app")
    for group in ("staff", "admin"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    for username, groups in (("staff", ["staff"]), ("admin", ["admin"]), ("nobody", [])):
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return StaffPool(region, pool_id, client_id, other_client_id)


def unsigned(token_claims: dict[str, Any]) -> str:
    """`alg: none`: a token with no signature at all."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'kid': 'dummy', 'typ': 'JWT'})}.{part(token_claims)}."


def hs256_with_public_key(token_claims: dict[str, Any]) -> str:
    """The classic key-confusion forgery: HMAC-signed with the public key's bytes."""
    public_key = RSAAlgorithm.from_jwk(json.dumps(moto_jwks("public")["keys"][0]))
    pem = public_key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        part(json.dumps({"alg": "HS256", "kid": "dummy", "typ": "JWT"}).encode())
        + "."
        + part(json.dumps(token_claims).encode())
    )
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def foreign_key_token(pool: StaffPool) -> str:
    """Right claims, signed by a key that is not the pool's, under the pool's key id."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": pool.issuer,
        "sub": "x",
        "client_id": pool.client_id,
        "token_use": "access",
        "exp": now + 3600,
        "cognito:groups": ["admin"],
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})
