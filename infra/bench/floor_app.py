"""The framework floor for the cold first answer (infra/bench/cold_answer.py): a minimal Chalice
app whose two routes make the same AWS calls as the service's, on the same items, and nothing
else (no validation, no logging, no templates). What a cold start of any Chalice API making
these calls costs at least."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import boto3
from chalice.app import Chalice, Response

app = Chalice(app_name="floor")
_clients: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


_keys: dict[str, str] = {}


def _read_keys(*variables: str) -> None:
    """The keys the service's function reads on its first request (one GetSecretValue each,
    from the secrets its <KEY>_SECRET variables name; chalicelib/config.py Secrets), once."""
    for variable in variables:
        secret_id = os.environ.get(variable)
        if secret_id and variable not in _keys:
            answer = _client("secretsmanager").get_secret_value(SecretId=secret_id)
            _keys[variable] = answer["SecretString"]


@app.route("/registrations/{registration_id}", methods=["GET"])
def status(registration_id: str) -> dict[str, Any]:
    """The keys (link, identity) on the first request; the registration (one Query), the
    queue's six counts (one BatchGetItem) and the count of the minute bucket (one Query), as a
    waiting registration's status read makes them."""
    _read_keys("LINK_KEY_SECRET", "IDENTITY_KEY_SECRET")
    table = os.environ["TABLE_NAME"]
    ddb = _client("dynamodb")
    found = ddb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REG#{registration_id}"}},
        ConsistentRead=True,
    )
    head = found["Items"][0]
    key = head["GSI1SK"]["S"]
    office = head["office_id"]["S"]
    cuts = ((0, 7), (8, 10), (11, 18), (19, 21), (22, 24), (25, 27))
    keys = [{"PK": {"S": f"QCOUNT#{office}#{key[:s]}"}, "SK": {"S": "QCOUNT"}} for s, _ in cuts]
    nodes = ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
    bucket = ddb.query(
        TableName=table,
        IndexName="queue",
        KeyConditionExpression="GSI1PK = :pk AND GSI1SK BETWEEN :low AND :key",
        ExpressionAttributeValues={
            ":pk": {"S": f"QUEUE#{office}"},
            ":low": {"S": key[:27]},
            ":key": {"S": key},
        },
        Select="COUNT",
    )
    return {
        "status": head["status"]["S"],
        "nodes": len(nodes["Responses"][table]),
        "in_bucket": bucket["Count"],
    }


@app.route("/registrations", methods=["POST"])
def register() -> Response:
    """The spent proof of work (PutItem), the person's lock under the identity key of before
    issue 15 (one GetItem, consistent), the registration with its lock (one
    TransactWriteItems), the mail with the link (one SES SendEmail); before them, on the first
    request, the three keys."""
    _read_keys("ALTCHA_HMAC_KEY_SECRET", "IDENTITY_KEY_SECRET", "LINK_KEY_SECRET")
    table = os.environ["TABLE_NAME"]
    request = app.current_request
    body = request.json_body if request else {}
    ddb = _client("dynamodb")
    ddb.put_item(
        TableName=table,
        Item={"PK": {"S": f"POW#{uuid.uuid4().hex}"}, "SK": {"S": "POW"}},
        ConditionExpression="attribute_not_exists(PK)",
    )
    ddb.get_item(
        TableName=table,
        Key={"PK": {"S": f"PERSON#{uuid.uuid4().hex}"}, "SK": {"S": "ACTIVE"}},
        ConsistentRead=True,
    )
    registration_id = uuid.uuid4().hex
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": {
                        "PK": {"S": f"REG#{registration_id}"},
                        "SK": {"S": "REG"},
                        "body": {"S": json.dumps(body)},
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Put": {
                    "TableName": table,
                    "Item": {"PK": {"S": f"PERSON#{registration_id}"}, "SK": {"S": "ACTIVE"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
    )
    _client("sesv2").send_email(
        FromEmailAddress=os.environ["MAIL_SENDER"],
        Destination={"ToAddresses": [body["email"]]},
        Content={
            "Simple": {
                "Subject": {"Data": "Registration"},
                "Body": {"Text": {"Data": f"Your link: #id={registration_id}"}},
            }
        },
    )
    return Response(
        body={"registration_id": registration_id, "status": "email_unverified"}, status_code=201
    )
