"""The document store on S3: presigned POST uploads, inspection, promotion (of the safe copy
the sanitiser made, after a malware scan's verdict), erasure."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.s3_objects import delete_under, error_code, storage_unavailable
from chalicelib.adapters.s3_safe_copies import (
    SAFE_COPIES_PREFIX,
    UPLOADS_PREFIX,
    CreatedUpload,
    S3SafeCopies,
    unquoted,
)
from chalicelib.domain.documents import ContentType
from chalicelib.observability import log
from chalicelib.services.ports import Promotion, StoredObject, UploadGrant

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED = frozenset({"412", "PreconditionFailed", "NoSuchKey", "404"})
# The tag GuardDuty Malware Protection for S3 puts on each object it scanned, and its verdict
# for a clean one (the others: THREATS_FOUND, UNSUPPORTED, ACCESS_DENIED, FAILED).
SCAN_STATUS_TAG = "GuardDutyMalwareScanStatus"
NO_THREATS_FOUND = "NO_THREATS_FOUND"


class S3DocumentStore:
    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        safe_copies: S3SafeCopies | None = None,
        make_safe_copies: bool = False,
        malware_scan: bool = False,
    ) -> None:
        """`safe_copies`: a document counts once its safe copy is there (made by the sanitiser
        function, or here in process when `make_safe_copies`); `malware_scan`: once GuardDuty
        tagged the upload clean."""
        self._client = client
        self._bucket = bucket
        self._safe_copies = safe_copies
        self._make_safe_copies = make_safe_copies
        self._malware_scan = malware_scan

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
            if error_code(error) in _MISSING:
                return None
            raise storage_unavailable(error) from error
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
                if error_code(error) in _CHANGED:
                    return None
                raise storage_unavailable(error) from error
            prefix = body["Body"].read(prefix_length)
        return StoredObject(
            size=size, content_type=head.get("ContentType"), etag=etag, prefix=prefix
        )

    def promote(
        self, source_key: str, target_key: str, etag: str, content_type: ContentType
    ) -> Promotion:
        if self._malware_scan:
            verdict = self._scan_verdict(source_key)
            if verdict is None:
                return Promotion.SCANNING
            if verdict != NO_THREATS_FOUND:
                log().warning("document_scan_refused", verdict=verdict)
                return Promotion.REFUSED
        if self._safe_copies is not None:
            return self._promote_safe_copy(source_key, target_key, etag, content_type)
        try:
            self._client.copy_object(
                Bucket=self._bucket,
                Key=target_key,
                CopySource={"Bucket": self._bucket, "Key": source_key},
                CopySourceIfMatch=etag,
                MetadataDirective="COPY",
            )
        except ClientError as error:
            if error_code(error) in _CHANGED:
                return Promotion.CHANGED
            raise storage_unavailable(error) from error
        self.delete(source_key)
        return Promotion.DONE

    def _promote_safe_copy(
        self, source_key: str, target_key: str, etag: str, content_type: ContentType
    ) -> Promotion:
        """Move the safe copy of exactly the inspected version to `target_key`: what staff
        download is the safe copy, never the upload. SCANNING until the sanitiser has judged
        that version; REFUSED when it could make no copy."""
        assert self._safe_copies is not None
        if self._make_safe_copies:
            # In process, the same work as the sanitiser function's (chalicelib/screening.py).
            self._safe_copies.make(CreatedUpload(source_key, unquoted(etag)))
        copy = self._safe_copies.find(source_key, etag)
        if copy is None:
            return Promotion.SCANNING
        if copy.refused_because is not None:
            log().warning("document_unsafe", why=copy.refused_because)
            self._safe_copies.delete_copies(source_key)
            return Promotion.REFUSED
        try:
            self._client.copy_object(
                Bucket=self._bucket,
                Key=target_key,
                CopySource={"Bucket": self._bucket, "Key": copy.key},
                CopySourceIfMatch=copy.etag,
                ContentType=content_type.value,
                MetadataDirective="REPLACE",
            )
        except ClientError as error:
            if error_code(error) in _CHANGED:
                return Promotion.CHANGED
            raise storage_unavailable(error) from error
        self.delete(source_key)
        self._safe_copies.delete_copies(source_key)
        return Promotion.DONE

    def _scan_verdict(self, key: str) -> str | None:
        try:
            tags = self._client.get_object_tagging(Bucket=self._bucket, Key=key)["TagSet"]
        except ClientError as error:
            if error_code(error) in _MISSING:
                return None
            raise storage_unavailable(error) from error
        for tag in tags:
            if tag.get("Key") == SCAN_STATUS_TAG:
                return str(tag.get("Value"))
        return None

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
            raise storage_unavailable(error) from error

    def delete_prefix(self, prefix: str) -> None:
        """Every object under `prefix`; under `uploads/<r>/` also their safe copies (made from
        them, erased with them)."""
        if self._safe_copies is not None and prefix.startswith(UPLOADS_PREFIX):
            self._safe_copies.delete_prefix(
                SAFE_COPIES_PREFIX + prefix.removeprefix(UPLOADS_PREFIX)
            )
        delete_under(self._client, self._bucket, prefix)
