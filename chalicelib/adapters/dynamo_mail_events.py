"""Mail delivery state on the registration item: a conditional update, never a new item."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_errors import error_code
from chalicelib.adapters.dynamodb import (
    REG_SK,
    DynamoRegistrationRepository,
    registration_pk,
    serialize,
    values,
)


class DynamoMailDeliveries:
    def __init__(self, client: Any, table_name: str) -> None:
        self._repo = DynamoRegistrationRepository(client, table_name)

    def mark_undeliverable(self, registration_id: str, reason: str, at: str) -> bool:
        try:
            self._repo.call(
                "update_item",
                TableName=self._repo.table_name,
                Key=serialize({"PK": registration_pk(registration_id), "SK": REG_SK}),
                # An erased registration stays erased: the event must not recreate a stub.
                ConditionExpression="attribute_exists(PK)",
                UpdateExpression=(
                    "SET mail_undeliverable = :yes, mail_undeliverable_reason = :reason, "
                    "mail_undeliverable_at = :at"
                ),
                ExpressionAttributeValues=values(yes=True, reason=reason, at=at),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True
