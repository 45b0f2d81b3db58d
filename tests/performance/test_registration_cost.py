"""The AWS calls of registering and of verifying a document, counted through the real app."""

from __future__ import annotations

from infra.bench.registration import measure_registration


def test_registering_costs_two_dynamodb_calls_and_one_mail(aws: None, env: dict[str, str]) -> None:
    cost = measure_registration(env)

    # The spent proof of work, then the registration with its person lock in one transaction;
    # since issue 15 also a read of the person's lock under the identity key of before
    # (a registration locked then still counts): three calls while such locks can exist.
    assert cost.register.calls[("dynamodb", "GetItem")] == 1
    assert cost.register.dynamodb_calls <= 3
    assert cost.register.mail_sends == 1
    assert sum(cost.register.calls.values()) == cost.register.dynamodb_calls + 1
    assert sum(cost.challenge.calls.values()) == 0


def test_a_document_is_verified_in_seven_calls_and_a_status_read_in_one(
    aws: None, env: dict[str, str]
) -> None:
    cost = measure_registration(env)

    assert cost.status.summary() == "dynamodb.Query=1"
    verification = cost.verify_one.calls - cost.status.calls
    # Look (head, first bytes), copy the checked version, delete the upload, record; hand a
    # passport or title to the reader (issue 12) and read the registration again, which the
    # reader may have settled meanwhile.
    assert verification == {
        ("sqs", "SendMessage"): 1,
        ("dynamodb", "Query"): 1,
        ("s3", "HeadObject"): 1,
        ("s3", "GetObject"): 1,
        ("s3", "CopyObject"): 1,
        ("s3", "DeleteObject"): 1,
        ("dynamodb", "TransactWriteItems"): 1,
    }
