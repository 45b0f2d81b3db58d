"""The identity migration of issue 15 on moto: locks and holds of before move to the new key,
so the same person typed another way is refused or held; a person with two registrations
keeps both."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from chalicelib.adapters.dynamo_identity import DynamoIdentityLocks
from chalicelib.adapters.dynamo_verification import DynamoVerification
from chalicelib.adapters.dynamodb import (
    LOCK_SK,
    DynamoRegistrationRepository,
    person_pk,
    serialize,
)
from chalicelib.domain.errors import DuplicateRegistration
from chalicelib.domain.identity import identity_key, legacy_identity_key
from chalicelib.domain.registration import Registration, Status
from chalicelib.services.identity_migration import migrate_identity_keys
from tests.conftest import REGION, TEST_ENV
from tests.integration.test_dynamodb_repository import registration

SECRET = b"migration-test-identity-secret"


@pytest.fixture
def repo(aws: None) -> DynamoRegistrationRepository:
    return DynamoRegistrationRepository(
        boto3.client("dynamodb", region_name=REGION), TEST_ENV["TABLE_NAME"]
    )


def of_before(family: str, given: str = "Anna") -> Registration:
    made = registration(family_name=family, given_names=given)
    key = legacy_identity_key(SECRET, family, given, made.date_of_birth)
    assert key is not None
    return replace(made, identity_key=key)


def new_key(r: Registration) -> str:
    return identity_key(SECRET, r.family_name, r.given_names, r.date_of_birth)


def test_locks_of_before_move_to_the_new_key_and_catch_the_same_person(
    repo: DynamoRegistrationRepository,
) -> None:
    old = of_before("Müller")
    repo.create(old)
    locks = DynamoIdentityLocks(repo)

    report = migrate_identity_keys(locks, SECRET)

    assert (report.moved, report.unchanged, report.same_person) == (1, 0, [])
    moved = repo.get(old.registration_id)
    assert moved is not None and moved.identity_key == new_key(old)
    assert dict(locks.locks()) == {new_key(old): old.registration_id}
    # "MUELLER" was another person before the migration; now it is the same one.
    again = registration(family_name="MUELLER", given_names="ANNA")
    with pytest.raises(DuplicateRegistration):
        repo.create(replace(again, identity_key=new_key(again)))
    # Running again changes nothing.
    assert migrate_identity_keys(locks, SECRET).unchanged == 1


def test_two_registrations_of_one_person_under_the_new_fold_both_stay(
    repo: DynamoRegistrationRepository,
) -> None:
    first, second = of_before("Müller"), of_before("Mueller")
    repo.create(first)
    repo.create(second)  # two people before issue 15

    report = migrate_identity_keys(DynamoIdentityLocks(repo), SECRET)

    assert report.moved == 1
    assert len(report.same_person) == 1
    kept = {
        r.registration_id: r
        for r in (repo.get(first.registration_id), repo.get(second.registration_id))
        if r
    }
    assert len(kept) == 2
    left_behind = kept[report.same_person[0]]
    assert left_behind.identity_key != new_key(left_behind)  # still locked under its old key


def test_an_identity_hold_of_before_moves_with_its_registration(
    repo: DynamoRegistrationRepository,
) -> None:
    rejected = replace(of_before("I\u015f\u0131k"), status=Status.REJECTED)
    repo.create(rejected)  # with its lock, which the rejection released
    repo.call(
        "delete_item",
        TableName=repo.table_name,
        Key=serialize({"PK": person_pk(rejected.identity_key), "SK": LOCK_SK}),
    )
    verification = DynamoVerification(repo)
    verification.place_hold(rejected, until="2026-12-24", erase_after=1_800_000_000)

    report = migrate_identity_keys(DynamoIdentityLocks(repo), SECRET)

    assert (report.moved, report.holds_moved, report.holds_left) == (0, 1, 0)
    # The same person typed as the zone writes it is held, and the hold can be lifted.
    again = registration(family_name="ISIK", given_names="ANNA")
    held = verification.hold(new_key(again))
    assert held is not None and held.registration_id == rejected.registration_id
    assert verification.hold(rejected.identity_key) is None
    moved = repo.get(rejected.registration_id)
    assert moved is not None
    assert verification.lift_hold(moved.identity_key)
