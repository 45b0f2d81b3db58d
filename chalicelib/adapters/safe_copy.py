"""Safe copies of uploaded documents (issue 16, item 6): images decoded and encoded anew by
Pillow under a pixel limit, PDFs rebuilt by qpdf (pikepdf) without anything that acts.

A file is judged by its first bytes when it is verified (domain/documents.py); this is what
staff then open. Decoding an image whole and writing only its pixels drops whatever rode along
(a script after the JPEG's end, EXIF, comments, ICC tricks); a header that claims more pixels
than a scanned page has is refused before anything is decoded (a decompression bomb).
A PDF keeps its pages and their content; the document catalogue loses its actions (OpenAction,
AA), forms (AcroForm, with XFA), name trees (JavaScript, EmbeddedFiles), associated files,
outlines (which carry actions), and every page its annotations (links, Launch, attachments,
widgets) and actions. qpdf writes only what is still reachable, so the removed objects are
gone from the file, not only unlinked. Staff never need any of it from a scan of a passport.

Pillow and pikepdf load on first use: the API function that does not sanitise never imports
them (docs/reliability.md, "Documents staff open").
"""

from __future__ import annotations

import io
from typing import Any

from chalicelib.domain.documents import MAX_IMAGE_PIXELS, ContentType, UnsafeDocument

_PIL_FORMAT = {ContentType.JPEG: "JPEG", ContentType.PNG: "PNG"}
# Entries of the document catalogue that act, hold files or scripts, or make a form.
_CATALOGUE_REMOVED = ("/OpenAction", "/AA", "/AcroForm", "/Names", "/Outlines", "/URI", "/AF")
# "/AF": PDF 2.0's associated files, attachments by another way.
_PAGE_REMOVED = ("/AA", "/Annots", "/AF")


class PillowPikepdfSanitiser:
    """The DocumentSanitiser of services/ports.py, in process."""

    def __init__(self, max_pixels: int = MAX_IMAGE_PIXELS) -> None:
        self._max_pixels = max_pixels

    def safe_copy(self, content_type: ContentType, content: bytes) -> bytes:
        if content_type is ContentType.PDF:
            return _clean_pdf(content)
        return _reencode_image(content, _PIL_FORMAT[content_type], self._max_pixels)


def _reencode_image(content: bytes, image_format: str, max_pixels: int) -> bytes:
    from PIL import Image, ImageOps  # noqa: PLC0415 (loaded by the function that sanitises)

    # Our limit is checked from the header before anything is decoded; Pillow's own guard (its
    # process-wide default, which is not changed here: the reader shares the process) backs
    # it up.
    try:
        with Image.open(io.BytesIO(content), formats=[image_format]) as opened:
            width, height = opened.size
            if width * height > max_pixels or width < 1 or height < 1:
                raise UnsafeDocument(f"{width}x{height} pixels is more than a scan has")
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            image = image.convert(_mode(image.mode, image_format))
            out = io.BytesIO()
            if image_format == "JPEG":
                image.save(out, format="JPEG", quality=92, optimize=True)
            else:
                image.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except UnsafeDocument:
        raise
    except Image.DecompressionBombError as error:
        raise UnsafeDocument("too many pixels") from error
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, IndexError) as error:
        # Not an image Pillow can decode whole: a truncated or forged file.
        raise UnsafeDocument(f"not a decodable {image_format}") from error


def _mode(mode: str, image_format: str) -> str:
    if image_format == "JPEG":
        return "L" if mode in ("1", "L", "LA") else "RGB"
    return mode if mode in ("1", "L", "LA", "RGB", "RGBA") else "RGBA"


def _clean_pdf(content: bytes) -> bytes:
    import pikepdf  # noqa: PLC0415 (loaded by the function that sanitises)

    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            if len(pdf.pages) == 0:
                raise UnsafeDocument("a PDF without pages")
            root = pdf.Root
            for name in _CATALOGUE_REMOVED:
                if name in root:
                    del root[name]
            for page in pdf.pages:
                for name in _PAGE_REMOVED:
                    if name in page.obj:
                        del page.obj[name]
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]  # the author's name, the scanner's user
            out = io.BytesIO()
            pdf.save(out, linearize=False, compress_streams=True)
            cleaned = out.getvalue()
    except UnsafeDocument:
        raise
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, RuntimeError) as error:
        # Encrypted, or too broken for qpdf to rebuild: staff could not open it either.
        raise UnsafeDocument("not a PDF that can be rebuilt") from error
    _ensure_inert(cleaned)
    return cleaned


def _ensure_inert(cleaned: bytes) -> None:
    """What was written holds no script, action, file or form: checked on the output, so that
    an action hidden where the removal above does not look (an XObject's dictionary, a page
    resource) still refuses the file rather than reaching staff."""
    import pikepdf  # noqa: PLC0415 (loaded by the function that sanitises)

    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and _acts(obj):
                raise UnsafeDocument("active content the rebuild could not remove")


def _acts(obj: Any) -> bool:
    keys = set(obj.keys())
    if keys & {"/JS", "/JavaScript", "/OpenAction", "/AA", "/AcroForm", "/EmbeddedFiles"}:
        return True
    kind = str(obj.get("/S", "")) + str(obj.get("/Type", ""))
    return any(
        word in kind for word in ("JavaScript", "Launch", "EmbeddedFile", "Filespec", "Action")
    )
