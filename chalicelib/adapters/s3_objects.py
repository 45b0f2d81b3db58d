"""What the documents store and the safe copies do alike in the documents bucket: the error
code of a failed S3 call, the answer a person gets when S3 fails, and erasing every object
under a prefix (a registration's uploads, an upload's safe copies)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceUnavailable


def error_code(error: ClientError) -> str:
    """S3's error code ("NoSuchKey", "PreconditionFailed", ...), or "" when there is none."""
    return str(error.response.get("Error", {}).get("Code", ""))


def storage_unavailable(error: ClientError) -> ServiceUnavailable:
    """The domain's 503 for a failed S3 call, with S3's code for the logs (no key, no data)."""
    return ServiceUnavailable(
        "Document storage is not available right now; please try again in a moment.",
        aws_error=error_code(error),
    )


def delete_under(client: Any, bucket: str, prefix: str) -> None:
    """Every object of `bucket` whose key starts with `prefix`, a page (≤ 1,000 keys) at a
    time. Raises ServiceUnavailable when S3 fails; what was deleted before stays deleted, and a
    second call finishes the rest."""
    paginator = client.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    except ClientError as error:
        raise storage_unavailable(error) from error
