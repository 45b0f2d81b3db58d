"""The document store on S3: presigned POST uploads, inspection, promotion, erasure."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.documents import ContentType
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.services.ports import StoredObject, UploadGrant

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED = frozenset({"412", "PreconditionFailed", "NoSuchKey", "404"})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3DocumentStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def grant_upload(
        self, key: str, content_type: ContentType, size_bytes: int, expires_in: int
    ) -> UploadGrant:
        # The policy binds the upload to this key, this exact type and this exact size.
        # S3 enforces it in the cloud; the service checks the object itself all the same.
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type.value},
            Conditions=[
                {"Content-Type": content_type.value},
                ["content-length-range", size_bytes, size_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return UploadGrant(url=post["url"], fields=dict(post["fields"]))

    def inspect(self, key: str, prefix_length: int) -> StoredObject | None:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise self._unavailable(error) from error
        size = int(head["ContentLength"])
        etag = str(head["ETag"])
        prefix = b""
        if size > 0:
            try:
                body = self._client.get_object(
                    Bucket=self._bucket,
                    Key=key,
                    Range=f"bytes=0-{prefix_length - 1}",
                    IfMatch=etag,
                )
            except ClientError as error:
                if _code(error) in _CHANGED:
                    return None
                raise self._unavailable(error) from error
            prefix = body["Body"].read(prefix_length)
        return StoredObject(
            size=size, content_type=head.get("ContentType"), etag=etag, prefix=prefix
        )

    def promote(self, source_key: str, target_key: str, etag: str) -> bool:
        try:
            self._client.copy_object(
                Bucket=self._bucket,
                Key=target_key,
                CopySource={"Bucket": self._bucket, "Key": source_key},
                CopySourceIfMatch=etag,
                MetadataDirective="COPY",
            )
        except ClientError as error:
            if _code(error) in _CHANGED:
                return False
            raise self._unavailable(error) from error
        self.delete(source_key)
        return True

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        """A short-lived GET that makes browsers save, never render, the document."""
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)[:100]
        return str(
            self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{safe or "document"}"',
                },
                ExpiresIn=expires_in,
            )
        )

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            raise self._unavailable(error) from error

    def delete_prefix(self, prefix: str) -> None:
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
                if keys:
                    self._client.delete_objects(
                        Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True}
                    )
        except ClientError as error:
            raise self._unavailable(error) from error

    @staticmethod
    def _unavailable(error: ClientError) -> ServiceUnavailable:
        return ServiceUnavailable(
            "Document storage is not available right now; please try again in a moment.",
            aws_error=_code(error),
        )
