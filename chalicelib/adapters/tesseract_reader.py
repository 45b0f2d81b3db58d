"""The local document reader: the tesseract OCR engine on the machine, for `make run` and the
tests (Lambda reads with Amazon Textract, textract_reader.py, and never ships these libraries).

Pillow, OpenCV, pypdfium2 and pytesseract are imported inside the functions: they are in
requirements-dev.txt only, and this module is imported only where the local reader is wired."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.documents import ContentType
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.machine_readable_zone import MachineReadableZone, find_zone

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image

_ZONE_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
_ZONE_CONFIG = f"--psm 6 --oem 1 -c tessedit_char_whitelist={_ZONE_CHARACTERS}"
_PDF_PAGES = 2
_PDF_DPI = 300
_WORKING_SIZE = 1400  # the longest side the band is looked for at, in pixels
# The pixels a zone line gets before OCR, and how much narrower: where tesseract reads best.
_SCALES = ((48, 1.0), (60, 1.0), (48, 0.65), (40, 1.0))
_SECONDS = 12.0  # a document gets this long; then it is unreadable


class TesseractDocumentReader:
    """Reads the zone of a document in the S3 bucket (moto locally) with tesseract."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._client = s3_client
        self._bucket = bucket

    def read_zone(
        self, object_key: str, content_type: ContentType, today: date
    ) -> MachineReadableZone | None:
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=object_key)["Body"]
            data = body.read()
        except ClientError as error:
            raise ServiceUnavailable("the document could not be fetched") from error
        return read_bytes(data, content_type, today)


def read_bytes(
    data: bytes, content_type: ContentType | str, today: date
) -> MachineReadableZone | None:
    """The zone of a JPEG, PNG or PDF file, every check digit verified; None when no two views
    of the document agree on one.

    Names are covered by no check digit, and tesseract reads OCR-B's '<' as K now and then:
    so a zone counts only when two different views (another crop, scale or binarisation) read
    the very same zone. A view never changes what a check digit says."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per tesseract: faster here
    deadline = time.monotonic() + _SECONDS
    try:
        pages = list(_pages(data, ContentType(content_type)))
    except (OSError, ValueError, RuntimeError):
        return None  # not an image or PDF we can open: unreadable, not a failure of the reader
    seen: list[MachineReadableZone] = []
    for page in pages:
        for view in _views(page):
            if time.monotonic() > deadline:
                return None
            zone = find_zone(_ocr(view), today)
            if zone is None:
                continue
            if zone in seen:
                return zone
            seen.append(zone)
    return None


def _pages(data: bytes, content_type: ContentType) -> Iterator[Image]:
    from PIL import Image, ImageOps  # noqa: PLC0415 - local-only library, see module docstring

    if content_type is ContentType.PDF:
        import pypdfium2  # noqa: PLC0415

        document = pypdfium2.PdfDocument(data)
        try:
            for index in range(min(len(document), _PDF_PAGES)):
                yield document[index].render(scale=_PDF_DPI / 72).to_pil().convert("L")
        finally:
            document.close()
        return
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened) or opened
        yield image.convert("L")


def _views(page: Image) -> Iterator[Any]:
    """What tesseract is shown, likeliest first: each band that looks like a zone, deskewed,
    at two scales and both ways up; the whole page only when no band looks like one."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    gray = np.asarray(page)
    scale = _WORKING_SIZE / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found = False
    for turn in (0, 1):
        turned = np.ascontiguousarray(np.rot90(small, turn)) if turn else small
        source = np.ascontiguousarray(np.rot90(gray, turn)) if turn else gray
        for band in _bands(turned):
            found = True
            for flip in (False, True):
                for line_height, squeeze in _SCALES:
                    crop = _deskewed_crop(source, band, 1 / scale, line_height)
                    # OCR-B's wide pitch makes tesseract see '<' as K; narrower, it sees '<'.
                    crop = cv2.resize(crop, None, fx=squeeze, fy=1.0, interpolation=cv2.INTER_AREA)
                    yield cv2.rotate(crop, cv2.ROTATE_180) if flip else crop
    if not found:  # nothing looks like a zone: the page as it is, four ways up
        for turn in range(4):
            yield np.ascontiguousarray(np.rot90(small, turn))


def _bands(gray: np.ndarray[Any, Any]) -> list[Any]:
    """Rotated rectangles around text blocks wide and dense enough to be a zone, largest first
    (the classic morphology: black-hat, horizontal gradient, closing)."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    unit = max(gray.shape) / 1000
    rect = cv2.getStructuringElement(cv2.MORPH_RECT, (round(15 * unit), round(5 * unit)))
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (round(24 * unit), round(24 * unit)))
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    blackhat = cv2.morphologyEx(blurred, cv2.MORPH_BLACKHAT, rect)
    gradient = np.absolute(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
    low, high = float(gradient.min()), float(gradient.max())
    gradient = ((gradient - low) / max(high - low, 1e-6) * 255).astype("uint8")
    closed = cv2.morphologyEx(gradient, cv2.MORPH_CLOSE, rect)
    binary = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, square)
    binary = cv2.erode(binary, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle - 90
        if w > 0.25 * gray.shape[1] and w > 3 * h and h > 8 * unit:
            found.append(((cx, cy), (w, h), angle))
    return sorted(found, key=lambda band: -band[1][0] * band[1][1])[:4]


def _deskewed_crop(gray: np.ndarray[Any, Any], band: Any, factor: float, line_height: int) -> Any:
    """The band cut out of the full-resolution page, turned level, scaled so a zone line is
    about `line_height` pixels high, with a white margin."""
    import cv2  # noqa: PLC0415

    (cx, cy), (w, h), angle = band
    cx, cy, w, h = cx * factor, cy * factor, w * factor * 1.06, h * factor * 1.3
    rotation = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    level = cv2.warpAffine(gray, rotation, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    top, left = max(0, int(cy - h / 2)), max(0, int(cx - w / 2))
    crop = level[top : int(cy + h / 2), left : int(cx + w / 2)]
    lines = max(2.0, min(3.0, crop.shape[0] / max(crop.shape[1] / 30, 1) / 1.6))
    zoom = line_height * lines * 1.5 / max(crop.shape[0], 1)
    crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(crop, 20, 20, 20, 20, cv2.BORDER_REPLICATE)


def _ocr(view: Any) -> list[str]:
    import pytesseract  # noqa: PLC0415

    text: str = pytesseract.image_to_string(view, lang="eng", config=_ZONE_CONFIG)
    return [line for line in text.splitlines() if line.strip()]
