"""The DynamoDB repository on moto: every state change holds only from the state it leaves."""

from __future__ import annotations

from datetime import date

import boto3
import pytest

from chalicelib.adapters.dynamodb import DynamoRegistrationRepository
from chalicelib.domain.documents import (
    ContentType,
    Document,
    DocumentKind,
    DocumentStatus,
    RejectionReason,
)
from chalicelib.domain.errors import (
    DuplicateRegistration,
    InvalidState,
    NotFound,
    TooManyDocuments,
)
from chalicelib.domain.registration import Registration, Status, TitleType
from chalicelib.domain.tokens import new_id
from tests.conftest import REGION, TEST_ENV
from tests.registrations import a_registration

NOW = "2026-11-24T09:00:00.000000Z"


@pytest.fixture
def repo(aws: None) -> DynamoRegistrationRepository:
    return DynamoRegistrationRepository(
        boto3.client("dynamodb", region_name=REGION), TEST_ENV["TABLE_NAME"]
    )


def registration(identity: str = "person-a", **changes: object) -> Registration:
    base = {
        "registration_id": new_id(),
        "email": "o@example.org",
        "language": "en",
        "title_type": TitleType.VISA,
        "title_expires_on": date(2026, 11, 28),
        "identity_key": identity,
        "created_at": NOW,
    }
    return a_registration(**{**base, **changes})


def document(reg: Registration) -> Document:
    return Document(
        document_id=new_id(),
        registration_id=reg.registration_id,
        kind=DocumentKind.PASSPORT,
        filename="p.pdf",
        content_type=ContentType.PDF,
        size_bytes=10,
        status=DocumentStatus.PENDING,
        created_at=NOW,
        upload_expires_at=NOW,
        object_key="uploads/x",
    )


def test_round_trip(repo: DynamoRegistrationRepository) -> None:
    reg = registration()
    repo.create(reg)
    assert repo.get(reg.registration_id) == reg
    assert repo.get(new_id()) is None


def test_one_active_registration_per_identity(repo: DynamoRegistrationRepository) -> None:
    first = registration()
    repo.create(first)
    with pytest.raises(DuplicateRegistration):
        repo.create(registration())
    repo.withdraw(first, NOW, 0)
    repo.create(registration())


def test_a_duplicate_names_the_registration_holding_the_person(
    repo: DynamoRegistrationRepository,
) -> None:
    first = registration()
    repo.create(first)

    with pytest.raises(DuplicateRegistration) as refused:
        repo.create(registration())

    assert refused.value.holder_id == first.registration_id


def test_an_unconfirmed_registration_is_replaced_in_one_step(
    repo: DynamoRegistrationRepository,
) -> None:
    old, new = registration(), registration()
    repo.create(old)

    repo.replace_unconfirmed(old, new)

    assert repo.get(old.registration_id) is None
    assert repo.get(new.registration_id) == new
    with pytest.raises(DuplicateRegistration) as refused:
        repo.create(registration())
    assert refused.value.holder_id == new.registration_id


@pytest.mark.parametrize("meanwhile", ["confirmed", "replaced"])
def test_a_registration_that_moved_meanwhile_is_not_replaced(
    repo: DynamoRegistrationRepository, meanwhile: str
) -> None:
    old, other, new = registration(), registration(), registration()
    repo.create(old)
    if meanwhile == "confirmed":
        repo.confirm_email(old.registration_id, NOW)
    else:
        repo.replace_unconfirmed(old, other)

    with pytest.raises(DuplicateRegistration):
        repo.replace_unconfirmed(old, new)

    assert repo.get(new.registration_id) is None
    kept = repo.get(old.registration_id if meanwhile == "confirmed" else other.registration_id)
    assert kept is not None


def test_discard_releases_the_identity(repo: DynamoRegistrationRepository) -> None:
    reg = registration()
    repo.create(reg)
    repo.discard_unconfirmed(reg)
    assert repo.get(reg.registration_id) is None
    repo.create(registration())


def test_transitions_hold_only_from_their_source_state(repo: DynamoRegistrationRepository) -> None:
    reg = registration()
    repo.create(reg)
    with pytest.raises(InvalidState):
        repo.enqueue(reg, NOW)  # not confirmed yet
    repo.confirm_email(reg.registration_id, NOW)
    with pytest.raises(InvalidState):
        repo.confirm_email(reg.registration_id, NOW)
    repo.enqueue(reg, NOW)
    stored = repo.get(reg.registration_id)
    assert stored is not None
    assert stored.status is Status.WAITING
    assert stored.queue_key == f"2026-11-28#{NOW}#{reg.registration_id}"
    with pytest.raises(NotFound):
        repo.confirm_email(new_id(), NOW)


def test_documents_only_while_awaiting_and_at_most_ten(repo: DynamoRegistrationRepository) -> None:
    reg = registration()
    repo.create(reg)
    with pytest.raises(InvalidState):
        repo.add_document(document(reg))
    repo.confirm_email(reg.registration_id, NOW)
    docs = [document(reg) for _ in range(10)]
    for doc in docs:
        repo.add_document(doc)
    with pytest.raises(TooManyDocuments):
        repo.add_document(document(reg))
    assert repo.settle_document(
        docs[0], DocumentStatus.REJECTED, "uploads/x", RejectionReason.SIZE_MISMATCH
    )
    # settling is once only: a second outcome for the same upload is refused
    assert not repo.settle_document(docs[0], DocumentStatus.VERIFIED, "documents/x", None)
    repo.add_document(document(reg))
    stored = repo.get(reg.registration_id)
    assert stored is not None
    assert stored.document_count == 10
    assert len(stored.documents) == 11
