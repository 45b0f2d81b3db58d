"""Registrations per e-mail address and day, counted under a keyed hash of the address
(issue 16, item 2): the table holds a count and an HMAC, never the address, and the count
expires two days later."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb import DynamoRegistrationRepository, serialize, values
from chalicelib.domain.calendar import OFFICE_TZ


def address_key(secret: bytes, email: str, day: date) -> str:
    digest = hmac.new(secret, email.strip().casefold().encode(), hashlib.sha256).hexdigest()
    return f"ADDRESS#{digest}#{day.isoformat()}"


class DynamoAddressLimits:
    def __init__(self, repository: DynamoRegistrationRepository, secret: bytes) -> None:
        self._repo = repository
        self._secret = secret

    def take(self, email: str, day: date, limit: int) -> bool:
        """Count one mail-sending registration to `email` on `day`; False, counting nothing,
        when `limit` were counted already."""
        expires = datetime.combine(day + timedelta(days=2), datetime.min.time(), OFFICE_TZ)
        try:
            self._repo.call(
                "update_item",
                TableName=self._repo.table_name,
                Key=serialize({"PK": address_key(self._secret, email, day), "SK": "COUNT"}),
                UpdateExpression="ADD registrations :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(registrations) OR registrations < :limit",
                ExpressionAttributeValues=values(
                    one=1, limit=limit, expires=int(expires.timestamp())
                ),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
