"""Spent proof-of-work solutions on the table, so that each counts once.

Items (PK, SK), next to those of dynamodb.py:
  ALTCHA#<signature>, SPENT   expires_at (N): when its challenge expires; TTL removes it later,
                              and an expired solution is refused before this item is looked at
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_errors import error_code
from chalicelib.adapters.dynamodb import DynamoRegistrationRepository, serialize

SPENT_SK = "SPENT"


def spent_pk(signature: str) -> str:
    return f"ALTCHA#{signature}"


class DynamoSpentProofs:
    def __init__(self, client: Any, table_name: str) -> None:
        # Its throttling translation (ServiceUnavailable) is the repository's.
        self._table = DynamoRegistrationRepository(client, table_name)

    def spend(self, signature: str, expires_at: int) -> bool:
        try:
            self._table.call(
                "put_item",
                TableName=self._table.table_name,
                Item=serialize(
                    {
                        "PK": spent_pk(signature),
                        "SK": SPENT_SK,
                        "type": "altcha_solution",
                        "expires_at": expires_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True
