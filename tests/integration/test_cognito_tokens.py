"""Staff tokens: only a current access token of our pool and client, signed by the pool, counts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from chalicelib.adapters.cognito import CognitoTokenVerifier, StaticKeySource
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.staff import StaffGroup
from tests.conftest import REGION
from tests.staff_tokens import (
    StaffPool,
    create_staff_pool,
    foreign_key_token,
    hs256_with_public_key,
    moto_jwks,
    unsigned,
)


@pytest.fixture
def pool(env: dict[str, str]) -> Iterator[StaffPool]:
    with mock_aws():
        yield create_staff_pool(REGION)


@pytest.fixture
def verifier(pool: StaffPool) -> CognitoTokenVerifier:
    return CognitoTokenVerifier(StaticKeySource(moto_jwks()), pool.issuer, pool.client_id)


def now() -> datetime:
    return datetime.now(UTC)


def test_staff_access_token_from_the_pool_is_accepted(
    pool: StaffPool, verifier: CognitoTokenVerifier
) -> None:
    identity = verifier.verify(pool.access_token("staff"), now())
    assert identity.username == "staff"
    assert identity.may_act_as(StaffGroup.STAFF)
    assert not identity.may_act_as(StaffGroup.ADMIN)


def test_admin_may_act_as_staff(pool: StaffPool, verifier: CognitoTokenVerifier) -> None:
    identity = verifier.verify(pool.access_token("admin"), now())
    assert identity.may_act_as(StaffGroup.STAFF)
    assert identity.may_act_as(StaffGroup.ADMIN)


def test_user_without_group_is_known_but_may_not_act(
    pool: StaffPool, verifier: CognitoTokenVerifier
) -> None:
    identity = verifier.verify(pool.access_token("nobody"), now())
    assert not identity.may_act_as(StaffGroup.STAFF)


def test_id_token_is_refused(pool: StaffPool, verifier: CognitoTokenVerifier) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(pool.tokens("staff")["id"], now())


def test_token_of_another_client_is_refused(
    pool: StaffPool, verifier: CognitoTokenVerifier
) -> None:
    with pytest.raises(Unauthorized, match="another client"):
        verifier.verify(pool.tokens("staff", pool.other_client_id)["access"], now())


def test_token_of_another_pool_is_refused(pool: StaffPool, verifier: CognitoTokenVerifier) -> None:
    other = create_staff_pool(REGION, name="another-office")
    # moto signs every pool with the same key: only the issuer tells them apart.
    with pytest.raises(Unauthorized):
        verifier.verify(other.access_token("admin"), now())


def test_expiry_is_judged_by_the_given_time(
    pool: StaffPool, verifier: CognitoTokenVerifier
) -> None:
    token = pool.forged(exp=int(time.time()) - 120)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token, now())
    earlier = datetime.fromtimestamp(time.time() - 3600, UTC)
    assert verifier.verify(token, earlier).username == "forger"


@pytest.mark.parametrize(
    "forge",
    [
        lambda p: unsigned(
            {
                "iss": p.issuer,
                "client_id": p.client_id,
                "token_use": "access",
                "sub": "x",
                "exp": int(time.time()) + 600,
                "cognito:groups": ["admin"],
            }
        ),
        lambda p: hs256_with_public_key(
            {
                "iss": p.issuer,
                "client_id": p.client_id,
                "token_use": "access",
                "sub": "x",
                "exp": int(time.time()) + 600,
                "cognito:groups": ["admin"],
            }
        ),
        foreign_key_token,
        lambda p: p.forged(iss="https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_evil"),
        lambda p: p.forged(token_use=None),
        lambda p: p.forged(exp=None),
        lambda p: p.access_token("staff")[:-4] + "AAAA",
        lambda p: "not.a.jwt",
        lambda p: "",
    ],
    ids=[
        "alg-none",
        "hs256-key-confusion",
        "foreign-key",
        "wrong-issuer",
        "no-token-use",
        "no-expiry",
        "tampered-signature",
        "garbage",
        "empty",
    ],
)
def test_forged_tokens_are_refused(
    pool: StaffPool, verifier: CognitoTokenVerifier, forge: Callable[[StaffPool], str]
) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(forge(pool), now())


def test_unknown_key_id_is_refused(pool: StaffPool) -> None:
    rotated = {"keys": [{**moto_jwks()["keys"][0], "kid": "rotated"}]}
    verifier = CognitoTokenVerifier(StaticKeySource(rotated), pool.issuer, pool.client_id)
    with pytest.raises(Unauthorized, match="signing key"):
        verifier.verify(pool.access_token("staff"), now())
