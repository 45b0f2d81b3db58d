"""The document access trail (issue 16, item 4): S3 data events of the documents bucket, kept
in their own bucket that nobody can delete from, readable only through one managed policy."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.conftest import Packaged

TRAIL = "DocumentAccessTrail"
TRAIL_BUCKET = "DocumentAccessTrailBucket"
TWO_YEARS_DAYS = 730


def selectors(packaged: Packaged) -> dict[str, list[Any]]:
    [selector] = packaged.resources[TRAIL]["Properties"]["AdvancedEventSelectors"]
    found: dict[str, list[Any]] = {}
    for field in selector["FieldSelectors"]:
        assert set(field) <= {"Field", "Equals", "StartsWith"}, field
        found[field["Field"]] = field.get("Equals") or field["StartsWith"]
    return found


def bucket_statements(packaged: Packaged) -> dict[str, dict[str, Any]]:
    [policy] = [
        p
        for p in packaged.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": TRAIL_BUCKET}
    ]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_the_trail_records_reads_writes_and_deletions_of_documents_only(
    packaged: Packaged,
) -> None:
    [trail_id] = packaged.of_type("AWS::CloudTrail::Trail")
    assert trail_id == TRAIL
    props = packaged.resources[TRAIL]["Properties"]
    assert props["IsLogging"] is True
    assert props["EnableLogFileValidation"] is True
    assert props["S3BucketName"] == {"Ref": TRAIL_BUCKET}
    assert "EventSelectors" not in props  # the basic selectors would add management events
    fields = selectors(packaged)
    assert fields["eventCategory"] == ["Data"]  # no management events
    assert fields["resources.type"] == ["AWS::S3::Object"]
    # Every object of the documents bucket, and of no other bucket.
    assert fields["resources.ARN"] == [{"Fn::Sub": "${DocumentsBucket.Arn}/"}]
    assert {"GetObject", "PutObject", "DeleteObject"} <= set(fields["eventName"])


def test_the_trail_bucket_is_private_encrypted_and_keeps_events_two_years(
    packaged: Packaged,
) -> None:
    bucket = packaged.resources[TRAIL_BUCKET]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == TWO_YEARS_DAYS
    assert "Prefix" not in rule  # every event file
    # As long as the staff audit keeps its entries (AuditTable's TTL, two years).
    assert "two years" in packaged.resources["AuditTable"]["Metadata"]["why"]


def test_nobody_deletes_from_or_shortens_the_trail(packaged: Packaged) -> None:
    statements = bucket_statements(packaged)
    deny = statements["NobodyDeletesOrShortensTheTrail"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert "Condition" not in deny  # no exception for any role
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration"} <= set(
        deny["Action"]
    )
    assert {"Fn::Sub": "${DocumentAccessTrailBucket.Arn}/*"} in deny["Resource"]
    assert statements["DenyWithoutTls"]["Effect"] == "Deny"


def test_only_cloudtrail_writes_and_only_for_this_trail(packaged: Packaged) -> None:
    allowed = [s for s in bucket_statements(packaged).values() if s["Effect"] == "Allow"]
    assert {json.dumps(s["Principal"]) for s in allowed} == {
        json.dumps({"Service": "cloudtrail.amazonaws.com"})
    }
    trail_arn = (
        "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/"
        + packaged.resources[TRAIL]["Properties"]["TrailName"]["Fn::Sub"]
    )
    for statement in allowed:
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == {"Fn::Sub": trail_arn}
    assert packaged.resources[TRAIL]["DependsOn"] == "DocumentAccessTrailBucketPolicy"


def test_no_function_can_read_or_change_the_trail(packaged: Packaged) -> None:
    roles = packaged.of_type("AWS::IAM::Role")
    for logical_id, role in roles.items():
        assert TRAIL_BUCKET not in json.dumps(role), logical_id
        assert "cloudtrail:" not in json.dumps(role).lower(), logical_id
    readers = [
        p
        for p in packaged.of_type("AWS::IAM::ManagedPolicy").values()
        if TRAIL_BUCKET in json.dumps(p)
    ]
    assert len(readers) == 1
    [reader] = readers
    actions = {
        action
        for statement in reader["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else [])
        + (statement["Action"] if isinstance(statement["Action"], list) else [])
    }
    assert actions == {"s3:ListBucket", "s3:GetObject"}  # reads, never writes or deletes
    # Attached to no role of the stack: people are given it (docs/reliability.md).
    assert "Roles" not in reader["Properties"]
    assert "Users" not in reader["Properties"]
