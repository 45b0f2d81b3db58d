"""Verification of Cognito user-pool access tokens (RS256, JWKS), in every environment.

API Gateway's Cognito authorizer is not enforced by `chalice local` or Chalice's test client,
so the service checks every staff token itself: signature, issuer, client, expiry, token_use.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

import jwt
from jwt import PyJWKClient, PyJWKClientError, PyJWKSet

from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.staff import StaffIdentity

ALGORITHM = "RS256"
LEEWAY_SECONDS = 30


class KeySource(Protocol):
    def signing_key(self, kid: str) -> Any:
        """The public key for `kid`; raises Unauthorized when there is none."""


class RemoteKeySource:
    """The pool's JWKS over HTTPS, cached; an unknown `kid` triggers one refresh."""

    def __init__(self, url: str) -> None:
        self._client = PyJWKClient(url, cache_jwk_set=True, lifespan=3600, cooldown_duration=30)

    def signing_key(self, kid: str) -> Any:
        try:
            return self._client.get_signing_key(kid).key
        except PyJWKClientError as error:
            raise Unauthorized("The token's signing key is not known.") from error


class StaticKeySource:
    """A key set given as JSON (tests, or a pinned set)."""

    def __init__(self, jwks: dict[str, Any] | str) -> None:
        data = json.loads(jwks) if isinstance(jwks, str) else jwks
        self._keys = {k.key_id: k.key for k in PyJWKSet.from_dict(data).keys}

    def signing_key(self, kid: str) -> Any:
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthorized("The token's signing key is not known.") from None


def pool_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class CognitoTokenVerifier:
    def __init__(self, keys: KeySource, issuer: str, client_id: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_id = client_id

    def verify(self, token: str, now: datetime) -> StaffIdentity:
        """The staff member an access token speaks for; Unauthorized for anything less."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The token is not a JWT.") from None
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise Unauthorized("The token is not signed as a Cognito token is.")
        key = self._keys.signing_key(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                # Expiry is checked below against the injected clock.
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise Unauthorized("The token is not valid.") from None
        if claims.get("token_use") != "access":
            raise Unauthorized("An access token is required (not an ID token).")
        if claims.get("client_id") != self._client_id:
            raise Unauthorized("The token was issued to another client.")
        if not isinstance(claims["exp"], int) or claims["exp"] + LEEWAY_SECONDS < now.timestamp():
            raise Unauthorized("The token has expired.")
        groups = claims.get("cognito:groups") or []
        return StaffIdentity(
            subject=str(claims["sub"]),
            username=str(claims.get("username", claims["sub"])),
            groups=frozenset(str(g) for g in groups if isinstance(g, str)),
        )
