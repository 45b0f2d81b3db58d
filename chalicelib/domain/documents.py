"""Documents: what is required, what may be uploaded, and how content is recognised."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.machine_readable_zone import MachineReadableZone

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 10
UPLOAD_EXPIRY_SECONDS = 15 * 60
# An image may have at most this many pixels: a 600-dpi A4 scan has 35 million, a phone's
# 50-megapixel photo 50; a JPEG header claiming 65,500 x 65,500 (4.3 billion, 13 GB decoded)
# is a decompression bomb, refused before a pixel is decoded (adapters/safe_copy.py).
MAX_IMAGE_PIXELS = 60_000_000


class DocumentKind(StrEnum):
    PASSPORT = "passport"
    RESIDENCE_TITLE = "residence_title"
    OTHER = "other"


REQUIRED_KINDS: tuple[DocumentKind, ...] = (DocumentKind.PASSPORT, DocumentKind.RESIDENCE_TITLE)
# The documents whose machine-readable zone is read (verification.py); an "other" document
# is only ever seen by staff.
READ_KINDS = frozenset({DocumentKind.PASSPORT, DocumentKind.RESIDENCE_TITLE})


class ContentType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"


MAGIC_BYTES: dict[ContentType, bytes] = {
    ContentType.PDF: b"%PDF-",
    ContentType.JPEG: b"\xff\xd8\xff",
    ContentType.PNG: b"\x89PNG\r\n\x1a\n",
}
# PDF readers take a file whose "%PDF-" header comes after a byte-order mark, a CR/LF or other
# bytes, as long as it starts within the first 1024 bytes (Adobe's PDF reference, implementation
# note 13): such files are what scanners and mail programs send, and they count.
PDF_HEADER_WITHIN = 1024
MAGIC_PREFIX_LENGTH = max(PDF_HEADER_WITHIN, *(len(m) for m in MAGIC_BYTES.values()))

# The file name extensions of each type; the first is added to a name that has none of them.
EXTENSIONS: dict[ContentType, tuple[str, ...]] = {
    ContentType.PDF: (".pdf",),
    ContentType.JPEG: (".jpg", ".jpeg"),
    ContentType.PNG: (".png",),
}


class DocumentStatus(StrEnum):
    PENDING = "pending"  # upload granted, not yet seen by the service
    VERIFIED = "verified"  # seen: size and content match what was declared
    REJECTED = "rejected"  # seen and refused; the object was deleted
    EXPIRED = "expired"  # the upload window passed with nothing uploaded
    ERASED = "erased"  # removed on withdrawal or retention


# Documents that hold one of the registration's ten places.
COUNTED_STATUSES = frozenset({DocumentStatus.PENDING, DocumentStatus.VERIFIED})


class RejectionReason(StrEnum):
    SIZE_MISMATCH = "size_mismatch"
    TYPE_MISMATCH = "type_mismatch"
    CONTENT_MISMATCH = "content_mismatch"
    # The file could not be made into a safe copy: an image that does not decode whole or
    # has too many pixels, a PDF that is encrypted or too broken to rebuild, or a malware
    # scan's finding (issue 16, item 6).
    UNSAFE_CONTENT = "unsafe_content"


class UnsafeDocument(Exception):
    """No safe copy can be made of this file; the message says why (ids only, for logs)."""


@dataclass
class Document:
    document_id: str
    registration_id: str
    kind: DocumentKind
    filename: str
    content_type: ContentType
    size_bytes: int
    status: DocumentStatus
    created_at: str
    upload_expires_at: str
    object_key: str
    rejection_reason: RejectionReason | None = None
    # The machine reading of a verified passport or residence title (verification.py):
    # "pending" until read, then "read" with its zone, or "unreadable".
    read_outcome: str | None = None
    zone: MachineReadableZone | None = None


def named_for_type(filename: str, content_type: ContentType) -> str:
    """The name a document is shown and downloaded under: it ends in an extension of its
    verified type, so that "x.pdf.exe" is saved by staff as "x.pdf.exe.pdf", never run."""
    extensions = EXTENSIONS[content_type]
    if filename.lower().endswith(extensions):
        return filename
    return filename + extensions[0]


def content_matches(content_type: ContentType, prefix: bytes) -> bool:
    """True when the object's first bytes are the signature of its declared type (a PDF's
    anywhere in its first PDF_HEADER_WITHIN bytes)."""
    if content_type is ContentType.PDF:
        return MAGIC_BYTES[content_type] in prefix[:PDF_HEADER_WITHIN]
    return prefix.startswith(MAGIC_BYTES[content_type])


def judge_upload(
    declared_type: ContentType,
    declared_size: int,
    actual_size: int,
    actual_type: str | None,
    prefix: bytes,
) -> RejectionReason | None:
    """Why an uploaded object is refused, or None when it may count."""
    if actual_size != declared_size or not 1 <= actual_size <= MAX_DOCUMENT_BYTES:
        return RejectionReason.SIZE_MISMATCH
    if actual_type is not None and actual_type.split(";")[0].strip().lower() != declared_type:
        return RejectionReason.TYPE_MISMATCH
    if not content_matches(declared_type, prefix):
        return RejectionReason.CONTENT_MISMATCH
    return None


def missing_kinds(documents: list[Document]) -> list[str]:
    verified = {d.kind for d in documents if d.status is DocumentStatus.VERIFIED}
    return [kind.value for kind in REQUIRED_KINDS if kind not in verified]
