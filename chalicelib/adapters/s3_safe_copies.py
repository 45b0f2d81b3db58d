"""Safe copies on S3 (issue 16, item 6): the sanitiser's output for one version of an upload,
written next to it, and the S3 events that ask for one.

An upload `uploads/<registration>/<document>` of ETag `e` gets its safe copy under
`safe-copies/<registration>/<document>/<e>`: the copy of each version has its own key, so a
second POST of the same grant can never leave the copy of the first under the name of the second
however the events are ordered. The copy's metadata names the ETag it was made from and the
verdict: `safe` (the body is the copy) or `refused` (no body; `why` says why, in words without
personal data). The API counts a document only once the copy of exactly the version it inspected
is there (adapters/s3.py); the promotion moves it to `documents/` and deletes the rest.

The sanitiser function may read `uploads/` and write `safe-copies/`, nothing else
(infra/functions.json, policy `safe_copies`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from chalicelib.adapters.s3_objects import delete_under, error_code, storage_unavailable
from chalicelib.domain.documents import MAX_DOCUMENT_BYTES, ContentType, UnsafeDocument
from chalicelib.domain.tokens import is_well_formed_id
from chalicelib.observability import log
from chalicelib.services.ports import DocumentSanitiser

UPLOADS_PREFIX = "uploads/"
SAFE_COPIES_PREFIX = "safe-copies/"
# The copy's user metadata (x-amz-meta-*): the ETag of the version it was made from (unquoted),
# the verdict, and for a refusal the reason (ASCII, at most WHY_LENGTH characters).
SOURCE_ETAG = "source-etag"
VERDICT = "verdict"
WHY = "why"
SAFE = "safe"
REFUSED = "refused"
WHY_LENGTH = 200
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED = frozenset({"412", "PreconditionFailed", "NoSuchKey", "404"})


@dataclass(frozen=True)
class CreatedUpload:
    """An object S3 says was created under uploads/: its key and ETag (unquoted)."""

    key: str
    etag: str


@dataclass(frozen=True)
class SafeCopy:
    """The sanitiser's verdict on one version of an upload: the copy's key and ETag, or why
    none could be made."""

    key: str
    etag: str
    refused_because: str | None = None


def unquoted(etag: str) -> str:
    return etag.strip().strip('"')


def safe_copies_of(upload_key: str) -> str | None:
    """`uploads/<r>/<d>` -> `safe-copies/<r>/<d>/` (the folder of its versions' copies); None
    for any other key (the copy of a key the service never granted is never made)."""
    parts = upload_key.split("/")
    if (
        len(parts) != 3
        or f"{parts[0]}/" != UPLOADS_PREFIX
        or not all(is_well_formed_id(part) for part in parts[1:])
    ):
        return None
    return f"{SAFE_COPIES_PREFIX}{parts[1]}/{parts[2]}/"


def uploads_created(message_body: str) -> list[CreatedUpload]:
    """The objects created under uploads/ that one S3 event notification (an SQS message's body)
    reports; none for S3's test event or anything else."""
    try:
        records = json.loads(message_body).get("Records")
    except (ValueError, AttributeError):
        return []
    created = []
    for record in records if isinstance(records, list) else []:
        try:
            name = str(record["eventName"])
            found = record["s3"]["object"]
            key, etag = unquote_plus(str(found["key"])), unquoted(str(found["eTag"]))
        except (KeyError, TypeError):
            continue
        if name.startswith("ObjectCreated:") and key.startswith(UPLOADS_PREFIX) and etag:
            created.append(CreatedUpload(key, etag))
    return created


class S3SafeCopies:
    """Makes and finds the safe copies of uploads in the documents bucket."""

    def __init__(self, client: Any, bucket: str, sanitiser: DocumentSanitiser | None) -> None:
        self._client = client
        self._bucket = bucket
        # None where copies are only looked up (the API of the cloud, which never sanitises).
        self._sanitiser = sanitiser

    def make(self, upload: CreatedUpload) -> SafeCopy | None:
        """Sanitise exactly this version of the upload and store the copy, or the refusal;
        None when there is nothing to do (not an upload key, or that version is gone: a later
        one has its own event). Raises ServiceUnavailable when S3 fails (the event is then
        delivered again)."""
        folder = safe_copies_of(upload.key)
        if folder is None or self._sanitiser is None:
            log().warning("safe_copy_not_an_upload")
            return None
        target = folder + upload.etag
        try:
            found = self._client.get_object(
                Bucket=self._bucket, Key=upload.key, IfMatch=f'"{upload.etag}"'
            )
            content = found["Body"].read(MAX_DOCUMENT_BYTES + 1)
        except ClientError as error:
            if error_code(error) in _CHANGED:
                log().info("safe_copy_source_gone")
                return None
            raise storage_unavailable(error) from error
        declared = str(found.get("ContentType") or "")
        try:
            if len(content) > MAX_DOCUMENT_BYTES:
                raise UnsafeDocument("larger than a document may be")
            if declared not in {t.value for t in ContentType}:
                raise UnsafeDocument("not stored as a PDF, JPEG or PNG")
            content_type = ContentType(declared)
            safe = self._sanitiser.safe_copy(content_type, content)
        except UnsafeDocument as refusal:
            why = str(refusal).encode("ascii", "replace").decode("ascii")[:WHY_LENGTH]
            return self._put(target, b"", declared or "application/octet-stream", upload, why)
        return self._put(target, safe, content_type.value, upload, None)

    def _put(
        self, key: str, body: bytes, content_type: str, upload: CreatedUpload, why: str | None
    ) -> SafeCopy:
        metadata = {SOURCE_ETAG: upload.etag, VERDICT: REFUSED if why else SAFE}
        if why:
            metadata[WHY] = why
        try:
            put = self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                Metadata=metadata,
            )
        except ClientError as error:
            raise storage_unavailable(error) from error
        parts = key.split("/")
        log().info(
            "safe_copy_made",
            registration_id=parts[1],
            document_id=parts[2],
            verdict=metadata[VERDICT],
            why=why,
        )
        return SafeCopy(key, str(put["ETag"]), why)

    def find(self, upload_key: str, etag: str) -> SafeCopy | None:
        """The verdict on the version `etag` of the upload; None while there is none yet."""
        folder = safe_copies_of(upload_key)
        if folder is None:
            return None
        key = folder + unquoted(etag)
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error_code(error) in _MISSING:
                return None
            raise storage_unavailable(error) from error
        metadata = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
        if metadata.get(SOURCE_ETAG) != unquoted(etag):
            return None  # not ours: nothing but the sanitiser writes here
        refused = metadata.get(VERDICT) != SAFE
        why = (metadata.get(WHY) or "refused") if refused else None
        return SafeCopy(key, str(head["ETag"]), why)

    def delete_copies(self, upload_key: str) -> None:
        """Every version's copy of this upload (after promotion or refusal)."""
        folder = safe_copies_of(upload_key)
        if folder is not None:
            self.delete_prefix(folder)

    def delete_prefix(self, prefix: str) -> None:
        delete_under(self._client, self._bucket, prefix)
