"""The local document reader: the tesseract OCR engine on the machine, for `make run` and the
tests (Lambda reads with Amazon Textract, textract_reader.py, and never ships these libraries).

Pillow, OpenCV, pypdfium2 and pytesseract are imported inside the functions: they are in
requirements-dev.txt only, and this module is imported only where the local reader is wired."""

from __future__ import annotations

import io
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.documents import ContentType
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.machine_readable_zone import MachineReadableZone, find_zone

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image

_ZONE_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PDF_PAGES = 2
_PDF_DPI = 300
_WORKING_SIZE = 1400  # the longest side the band is looked for at, in pixels
_LINE_LENGTHS = (30, 36, 44)
# The cap heights (pixels) and binarisations tesseract is shown, likeliest first.
_VIEWS = ((34, "adaptive"), (28, "otsu"), (42, "adaptive"), (34, "otsu"), (24, "adaptive"))
_SECONDS = 8.0  # a document gets this long; then it is unreadable
UNKNOWN = "?"  # a cell no reading has decided
_NOT_IN_GERMAN_NUMBERS = "AEIOUBDQS"
# Letters and digits whose values in a check digit differ by ten (G 16, 6 and Q; S 28, 8; J 19,
# T 29, 9): a check digit cannot tell them apart, so where both may stand (a document number) a
# reading must agree with the glyph's holes (`fits_its_holes`).
_HOLED = frozenset("GSJT69Q8")


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
    """The zone of a JPEG, PNG or PDF file, every check digit verified; None when the readings
    of the document do not agree on one.

    tesseract's English model reads OCR-B's filler '<' as K, the more so in long runs; so the
    zone is cut into its fixed-pitch cells, a filler is told by its shape (`is_filler`) and
    tesseract reads only the letters and digits between fillers. Names are covered by no check
    digit: a zone counts only when two different views (another binarisation or scale) read
    the very same zone, or when the views agree cell by cell (`agreed_lines`), a name's
    cells each read alike in two views at least."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per tesseract: faster here
    deadline = time.monotonic() + _SECONDS
    try:
        pages = list(_pages(data, ContentType(content_type)))
    except (OSError, ValueError, RuntimeError):
        return None  # not an image or PDF we can open: unreadable, not a failure of the reader
    for page in pages:
        for zone_image in _zone_images(page):
            readings: list[list[str]] = []
            zones: list[MachineReadableZone] = []
            for cap_height, binarisation in _VIEWS:
                if time.monotonic() > deadline:
                    return None
                reading = _read_cells(zone_image, cap_height, binarisation)
                readings.append(reading)
                zone = None if UNKNOWN in "".join(reading) else find_zone(reading, today)
                if zone is not None and zone in zones:
                    return zone  # two views read the very same zone
                if zone is not None:
                    zones.append(zone)
                agreed = agreed_lines(readings)
                if agreed is not None:
                    # Once the views agree on every cell, more views read the same: the zone
                    # holds or it does not (a wrong check digit).
                    zone = find_zone(agreed, today)
                    if zone is not None:
                        return zone
                    break
    return None


def agreed_zone(readings: list[list[str]], today: date) -> MachineReadableZone | None:
    """The zone the readings of one zone agree on (`agreed_lines`), when they hold one."""
    lines = agreed_lines(readings)
    return None if lines is None else find_zone(lines, today)


def agreed_lines(readings: list[list[str]]) -> list[str] | None:
    """The lines the readings of one zone agree on: each cell's most frequent character, read
    in at least two readings and twice as often as any other; None while a cell has no such
    character. A cell a check digit covers (a number, a date) may be read once, when no
    reading says otherwise: its check digit vouches for it."""
    if len(readings) < 2:
        return None
    checked = checked_cells(len(readings[0]), len(readings[0][0]))
    agreed: list[str] = []
    for line_index, line in enumerate(readings[0]):
        cells = []
        for cell in range(len(line)):
            votes = Counter(
                reading[line_index][cell]
                for reading in readings
                if reading[line_index][cell] != UNKNOWN
            ).most_common(2)
            needed = 1 if (line_index, cell) in checked else 2
            if (
                not votes
                or votes[0][1] < needed
                or (len(votes) > 1 and votes[1][1] * 2 > votes[0][1])
            ):
                return None
            cells.append(votes[0][0])
        agreed.append("".join(cells))
    return agreed


def is_filler(glyph: np.ndarray[Any, Any]) -> bool:
    """Whether a glyph (ink True, cut to its bounding box) is OCR-B's filler '<': a chevron
    whose point is at the left middle. Letters and digits all have ink at the top left or the
    bottom left corner (K, X, Y, 7, 1 ...) or in the middle of the right half (C, O, 3, B ...)
    where a chevron has none."""
    import cv2  # noqa: PLC0415

    height, width = glyph.shape
    if height < 5 or width < 3 or not 0.6 < width / height < 1.2:
        return False
    cells = cv2.resize(glyph.astype("float32"), (10, 10), interpolation=cv2.INTER_AREA)
    top_left, bottom_left = cells[:2, :3].mean(), cells[8:, :3].mean()
    middle_left = cells[4:6, :2].mean()
    top_right, bottom_right = cells[:2, 7:].mean(), cells[8:, 7:].mean()
    middle_right = cells[4:6, 6:].mean()
    return bool(
        max(top_left, bottom_left, middle_right) < 0.1
        and middle_left > 0.45
        and min(top_right, bottom_right) > 0.4
    )


@dataclass(frozen=True)
class _ZoneImage:
    """A zone cut out level and the right way up: its grey pixels, the rows of each line, and
    the centre of each cell (x) of each line."""

    gray: np.ndarray[Any, Any]
    lines: list[tuple[int, int]]
    centres: list[list[float]]
    pitch: float


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


def _zone_images(page: Image) -> Iterator[_ZoneImage]:
    """Each band of the page that holds a zone: turned level and the right way up (fillers
    point left), cut into lines and cells; likeliest first."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    gray = np.asarray(page)
    scale = _WORKING_SIZE / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    for turn in (0, 1):
        turned = np.ascontiguousarray(np.rot90(small, turn)) if turn else small
        source = np.ascontiguousarray(np.rot90(gray, turn)) if turn else gray
        for band in _bands(turned)[:3]:
            crop = _level_crop(source, band, 1 / scale)
            for flipped in (crop, cv2.rotate(crop, cv2.ROTATE_180)):
                zone = _cells(flipped)
                if zone is not None:
                    yield zone
                    break


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
        angle = (angle + 90) % 180 - 90  # upside down or not is for the fillers to say
        if w > 0.25 * gray.shape[1] and w > 3 * h and h > 8 * unit:
            found.append(((cx, cy), (w, h), angle))
    return sorted(found, key=lambda band: -band[1][0] * band[1][1])[:4]


def _level_crop(gray: np.ndarray[Any, Any], band: Any, factor: float) -> Any:
    """The band cut out of the full-resolution page and turned level, with a margin; scaled so
    a zone line is about 40 pixels high."""
    import cv2  # noqa: PLC0415

    (cx, cy), (w, h), angle = band
    cx, cy, w, h = cx * factor, cy * factor, w * factor * 1.08, h * factor * 1.5
    rotation = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    level = cv2.warpAffine(gray, rotation, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    top, left = max(0, int(cy - h / 2)), max(0, int(cx - w / 2))
    crop = level[top : int(cy + h / 2), left : int(cx + w / 2)]
    # The band is as wide as 30 to 44 characters, a character about as high as it is wide.
    zoom = 40 * 36 / max(crop.shape[1], 1)
    interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC
    return cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=interpolation)


def _binary(gray: np.ndarray[Any, Any], method: str, cap_height: float) -> Any:
    """Ink as 255 on 0."""
    import cv2  # noqa: PLC0415

    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    if method == "otsu":
        ink = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    else:
        block = int(cap_height * 1.5) | 1
        ink = cv2.adaptiveThreshold(
            blurred, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12
        )
    # A card's edge or a rule is longer than any stroke of a character: it goes, lest it
    # join the glyphs it touches.
    tall = cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(cap_height * 1.6)))
    wide = cv2.getStructuringElement(cv2.MORPH_RECT, (int(cap_height * 2.5), 1))
    rules = cv2.max(cv2.morphologyEx(ink, cv2.MORPH_OPEN, tall),
                    cv2.morphologyEx(ink, cv2.MORPH_OPEN, wide))  # fmt: skip
    return cv2.subtract(ink, rules)


def _straightened(gray: np.ndarray[Any, Any]) -> Any:
    """The crop turned by the small angle that makes its text rows sharpest."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    ink = _binary(gray, "adaptive", 40)
    centre = (gray.shape[1] / 2, gray.shape[0] / 2)

    def sharpness(angle: float) -> float:
        rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, rotation, (ink.shape[1], ink.shape[0]))
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    best = max((step / 4 for step in range(-12, 13)), key=sharpness)
    if best == 0:
        return gray
    rotation = cv2.getRotationMatrix2D(centre, best, 1.0)
    return cv2.warpAffine(gray, rotation, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)  # fmt: skip


def _text_rows(ink: np.ndarray[Any, Any]) -> list[tuple[int, int]]:
    """The rows of the zone's lines: runs of inked rows, as high as the highest, as wide as the
    widest; the last two or three."""
    import numpy as np  # noqa: PLC0415

    profile = (ink > 0).sum(axis=1)
    inked = profile > 0.2 * profile.max() if profile.max() else profile > 0
    runs: list[tuple[int, int]] = []
    start = None
    for row, on in enumerate(np.append(inked, False)):
        if on and start is None:
            start = row
        elif not on and start is not None:
            runs.append((start, row))
            start = None
    if not runs:
        return []
    tallest = max(bottom - top for top, bottom in runs)
    runs = [(top, bottom) for top, bottom in runs if bottom - top > 0.55 * tallest]
    return runs[-3:]


def _cells(gray: np.ndarray[Any, Any]) -> _ZoneImage | None:
    """The zone in a level crop, when its lines and cells are found and its fillers point
    left (upside down they point right: then None, and the caller turns it)."""
    import cv2  # noqa: PLC0415

    gray = _straightened(gray)
    ink = _binary(gray, "adaptive", 40)
    rows = _text_rows(ink)
    if len(rows) < 2:
        return None
    found = [_line_centres(ink[top:bottom], len(rows)) for top, bottom in rows]
    placed = [line for line in found if line is not None]
    if not placed or len({len(centres) for centres, _ in placed}) != 1:
        return None
    # The lines of a zone stand one above the other: a line whose ends glare or an edge hid
    # takes its cells from the nearest line found whole.
    centres = [
        (line or min(placed, key=lambda other: abs(found.index(other) - index)))[0]
        for index, line in enumerate(found)
    ]
    pitch = sum(line_pitch for _, line_pitch in placed) / len(placed)
    zone = _ZoneImage(gray, rows, centres, pitch)
    fillers = sum(_filler_row(ink, zone, index).count(True) for index in range(len(rows)))
    mirrored = cv2.flip(ink, 1)  # a '<' mirrored is a '>': how many point right
    width = ink.shape[1]
    flipped = _ZoneImage(gray, rows, [[width - 1 - x for x in line] for line in centres], pitch)
    pointing_right = sum(
        _filler_row(mirrored, flipped, index).count(True) for index in range(len(rows))
    )
    return zone if fillers >= 3 and fillers > pointing_right else None


def _line_centres(ink: np.ndarray[Any, Any], lines: int) -> tuple[list[float], float] | None:
    """The x of each cell's centre on a zone line, and the pitch: the glyphs are at a fixed
    pitch and every cell holds one (a filler at least), so the first and last glyph's centres
    and the line's length (30, 36 or 44, the one nearest its glyph count) place them all."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    height = ink.shape[0]
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    glyphs = sorted(
        (x + w / 2, w)
        for x, _, w, h, _ in stats[1:count]
        if 0.45 * height <= h <= 1.15 * height and 0.2 * height <= w <= 1.2 * height
    )
    if len(glyphs) < 10:
        return None
    gaps = np.diff([x for x, _ in glyphs])
    step = float(np.median(gaps))
    # The longest chain of glyphs no more than two cells apart: the zone line, not noise.
    chains: list[list[float]] = [[glyphs[0][0]]]
    for (x, _), gap in zip(glyphs[1:], gaps, strict=True):
        if gap > 2.5 * step:
            chains.append([])
        chains[-1].append(x)
    chain = max(chains, key=lambda c: c[-1] - c[0])
    span = chain[-1] - chain[0]
    lengths = (30,) if lines == 3 else (36, 44)
    estimate = span / step + 1
    length = min(lengths, key=lambda n: abs(n - estimate))
    if abs(length - estimate) > 0.15 * length:
        return None
    pitch = span / (length - 1)
    # Perspective stretches one end: walking along the line, each glyph of a cell's width is
    # pinned to the cell its distance from the last one says; cells between pins are spaced
    # evenly.
    pinned = {0: chain[0]}
    index, previous = 0, chain[0]
    for x, w in glyphs:
        if x <= chain[0] or x > chain[-1] or w > 1.1 * pitch:
            continue
        steps = round((x - previous) / pitch)
        if steps > 0:
            index, previous = index + steps, x
            pinned[index] = x
    if index != length - 1:
        return None
    indices = sorted(pinned)
    centres = np.interp(range(length), indices, [pinned[index] for index in indices])
    return [float(x) for x in centres], pitch


def _glyph(ink: np.ndarray[Any, Any], top: int, bottom: int, centre: float, pitch: float) -> Any:
    """The ink of one cell, cut to its bounding box (empty when the cell has none)."""
    import numpy as np  # noqa: PLC0415

    left, right = max(0, round(centre - pitch * 0.48)), round(centre + pitch * 0.48)
    cell = ink[top:bottom, left:right] > 0
    rows, columns = np.nonzero(cell.any(axis=1))[0], np.nonzero(cell.any(axis=0))[0]
    if not len(rows) or not len(columns):
        return cell[:0, :0]
    return cell[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def _filler_row(ink: np.ndarray[Any, Any], zone: _ZoneImage, index: int) -> list[bool]:
    top, bottom = zone.lines[index]
    return [is_filler(_glyph(ink, top, bottom, x, zone.pitch)) for x in zone.centres[index]]


def checked_cells(lines: int, length: int) -> set[tuple[int, int]]:
    """The cells (line, column) a check digit covers in every format of this shape, the check
    digits included: the document number, the birth date and the expiry date."""
    if lines == 3:
        return {(0, column) for column in range(5, 15)} | digit_cells(lines, length)
    return {(1, column) for column in range(10)} | digit_cells(lines, length)


def digit_cells(lines: int, length: int) -> set[tuple[int, int]]:
    """The cells (line, column) that hold only digits in every format of this shape: dates
    and their check digits (ICAO 9303 Part 4-6). The data lines of TD3 and MRV-A (44) and of
    TD2 and MRV-B (36) keep them in the same places."""
    if lines == 3:
        return {(0, 14), (1, 29)} | {(1, column) for column in (*range(7), *range(8, 15))}
    columns = (9, *range(13, 20), *range(21, 28))
    return {(1, column) for column in columns} if length in (36, 44) else set()


def _read_cells(zone: _ZoneImage, cap_height: int, binarisation: str) -> list[str]:
    """The zone's lines as one view reads them: fillers by their shape, the rest by tesseract
    on the zone with its fillers painted out, the date cells in a second pass that allows only
    digits (UNKNOWN where tesseract's words do not fit the cells they cover)."""
    ink = _binary(zone.gray, binarisation, sum(b - t for t, b in zone.lines) / len(zone.lines))
    fillers = [_filler_row(ink, zone, index) for index in range(len(zone.lines))]
    cells = [["<" if filler else UNKNOWN for filler in row] for row in fillers]
    digits = digit_cells(len(zone.lines), len(zone.centres[0]))
    letters = [
        [not filler and (index, column) not in digits for column, filler in enumerate(row)]
        for index, row in enumerate(fillers)
    ]
    words = _ocr_words(ink, zone, letters, cap_height, _ZONE_CHARACTERS)
    for index, row in enumerate(cells):
        _place_words(row, zone.centres[index], zone.pitch, letters[index], words[index])
    # A German document number (issuing state D) has no vowels, nor B, D, Q, S, after its
    # first letter: where tesseract read one, the digits-only pass says which digit it is.
    number_line, number_start = (0, 5) if len(cells) == 3 else (1, 0)
    header = "".join(cells[0][2:5])
    german = [
        (number_line, column)
        for column in range(number_start + 1, number_start + 9)
        if header == "D<<" and cells[number_line][column] in _NOT_IN_GERMAN_NUMBERS
    ]
    shown = [
        [not filler and ((index, column) in digits or (index, column) in german)
         for column, filler in enumerate(row)]
        for index, row in enumerate(fillers)
    ]  # fmt: skip
    as_digits = [[UNKNOWN] * len(row) for row in cells]
    words = _ocr_words(ink, zone, shown, cap_height, "0123456789")
    for index, row in enumerate(as_digits):
        _place_words(row, zone.centres[index], zone.pitch, shown[index], words[index])
    for index, column in digits | set(german):
        if not fillers[index][column]:
            cells[index][column] = as_digits[index][column]
    for index, row in enumerate(cells):
        top, bottom = zone.lines[index]
        for column, character in enumerate(row):
            if character in _HOLED and (index, column) not in digits:
                glyph = _glyph(ink, top, bottom, zone.centres[index][column], zone.pitch)
                if not fits_its_holes(character, glyph):
                    row[column] = UNKNOWN
    lines = ["".join(row) for row in cells]
    # Names never hold three fillers in a row: after them the name field holds only fillers,
    # also where glare or an edge took the ink.
    name_line, start = (2, 0) if len(lines) == 3 else (0, 5)
    names_end = lines[name_line].find("<<<", start)
    if names_end >= 0:
        line = lines[name_line]
        lines[name_line] = line[:names_end] + line[names_end:].replace(UNKNOWN, "<")
    return lines


def holes(glyph: np.ndarray[Any, Any]) -> list[tuple[float, float]]:
    """The holes of a glyph (ink True): for each, the height of its centre (0 the glyph's top,
    1 its bottom) and its area, both as fractions of the glyph's box."""
    import cv2  # noqa: PLC0415

    if glyph.size == 0:
        return []
    padded = cv2.copyMakeBorder(glyph.astype("uint8"), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    contours, hierarchy = cv2.findContours(padded, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0] if contours else [], strict=True):
        if parent >= 0:
            _, y, _, height = cv2.boundingRect(contour)
            centre = (y - 1 + height / 2) / glyph.shape[0]
            found.append((centre, cv2.contourArea(contour) / glyph.size))
    return found


def fits_its_holes(character: str, glyph: np.ndarray[Any, Any]) -> bool:
    """Whether a glyph can be `character` by its holes: G, S, J, T have none (a blurred G may
    close to a small one), 6 a large one low, 9 a large one high, Q a large one amid, 8 one at
    least. A G blurred shut looks like a 6 to tesseract but its hole is small."""
    found = holes(glyph)
    if character in "GSJT":
        return not any(area >= 0.03 for _, area in found)
    large = [centre for centre, area in found if area >= 0.06]
    if character == "6":
        return any(centre >= 0.55 for centre in large)
    if character == "9":
        return any(centre <= 0.45 for centre in large)
    if character == "Q":
        return any(0.4 <= centre <= 0.6 for centre in large)
    return any(area >= 0.015 for _, area in found)


def _ocr_words(
    ink: np.ndarray[Any, Any],
    zone: _ZoneImage,
    shown: list[list[bool]],
    cap_height: int,
    whitelist: str,
) -> list[list[tuple[float, float, str]]]:
    """tesseract's words on the zone with only the `shown` cells left, per line: their left and
    right x (in the zone's pixels) and text."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    import pytesseract  # noqa: PLC0415

    line_height = sum(bottom - top for top, bottom in zone.lines) / len(zone.lines)
    zoom, margin = cap_height / max(line_height, 1), 20
    image = np.full(ink.shape, 255, np.uint8)
    for index, (top, bottom) in enumerate(zone.lines):
        pad = round((bottom - top) * 0.25)
        upper, lower = max(0, top - pad), bottom + pad
        for centre, visible in zip(zone.centres[index], shown[index], strict=True):
            if visible:
                left, right = max(0, round(centre - zone.pitch / 2)), round(centre + zone.pitch / 2)
                image[upper:lower, left:right] = 255 - ink[upper:lower, left:right]
    image = cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_AREA)
    image = cv2.copyMakeBorder(image, *(margin,) * 4, cv2.BORDER_CONSTANT, value=255)
    data = pytesseract.image_to_data(
        image,
        lang="eng",
        config=f"--psm 6 --oem 1 -c tessedit_char_whitelist={whitelist}",
        output_type=pytesseract.Output.DICT,
    )
    words: list[list[tuple[float, float, str]]] = [[] for _ in zone.lines]
    for text, left, top, width, height in zip(
        data["text"], data["left"], data["top"], data["width"], data["height"], strict=True
    ):
        middle = (top + height / 2 - margin) / zoom
        for index, (line_top, line_bottom) in enumerate(zone.lines):
            if text.strip() and line_top <= middle <= line_bottom:
                x = (left - margin) / zoom
                words[index].append((x, x + width / zoom, text.strip()))
    return words


def _place_words(
    cells: list[str],
    centres: list[float],
    pitch: float,
    shown: list[bool],
    words: list[tuple[float, float, str]],
) -> None:
    """Puts each word's characters into the shown cells it covers, when it has as many
    characters as it covers such cells (a word may run over cells painted out)."""
    for left, right, text in words:
        covered = [
            index
            for index, centre in enumerate(centres)
            if shown[index] and left - pitch * 0.3 <= centre <= right + pitch * 0.3
        ]
        if len(covered) == len(text):
            for index, character in zip(covered, text, strict=True):
                cells[index] = character
