"""The local document reader on the real tesseract engine: it reads the zones of synthetic
documents as they are, and reads nothing where there is no valid zone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from mrz.generator.td1 import TD1CodeGenerator
from PIL import Image, ImageDraw

from chalicelib.adapters.tesseract_reader import (
    UNKNOWN,
    agreed_zone,
    digit_cells,
    fits_its_holes,
    holes,
    is_filler,
    read_bytes,
)
from tests.documents import corpus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def read(document: corpus.SyntheticDocument) -> dict[str, object] | None:
    zone = read_bytes(document.data, document.content_type, corpus.TODAY)
    return None if zone is None else dataclasses.asdict(zone)


@pytest.mark.parametrize(
    ("kind", "degradation", "seed"),
    [
        ("residence_permit", "phone", 1),
        ("residence_permit", "rotated", 2),
        ("residence_permit", "low_res", 0),
        ("passport", "glare", 0),
        ("passport", "low_res", 1),
        ("visa_a", "clean", 1),
        ("visa_a", "rotated", 0),
        ("visa_b", "glare", 1),
    ],
)
def test_reads_the_zone_of_a_photo(kind: str, degradation: str, seed: int) -> None:
    document = corpus.generate(seed, kind, degradation)
    assert document.truth is not None
    assert read(document) == dataclasses.asdict(document.truth)


def test_reads_the_zone_of_a_scanned_pdf() -> None:
    document = corpus.generate(0, "residence_permit", "scan")
    assert document.content_type == corpus.PDF
    assert document.truth is not None
    assert read(document) == dataclasses.asdict(document.truth)


@pytest.mark.parametrize(
    ("kind", "degradation", "seed"),
    [("paper", "phone", 0), ("letter", "scan", 0), ("bad_check_digit", "clean", 0),
     ("bad_check_digit", "phone", 1)],
)  # fmt: skip
def test_reads_nothing_without_a_valid_zone(kind: str, degradation: str, seed: int) -> None:
    assert read(corpus.generate(seed, kind, degradation)) is None


def test_reads_nothing_from_what_is_no_image() -> None:
    assert read_bytes(b"not an image", "image/jpeg", corpus.TODAY) is None


def glyph(character: str) -> np.ndarray:
    canvas = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(canvas).text((10, 10), character, fill=255, font=corpus.ocr_b(48))
    ink = np.asarray(canvas) > 127
    rows, columns = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    return ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def test_tells_the_filler_from_every_letter_and_digit() -> None:
    assert is_filler(glyph("<"))
    assert not [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" if is_filler(glyph(c))]
    assert not is_filler(glyph(">"))  # a filler upside down


def test_tells_by_their_holes_what_check_digits_cannot() -> None:
    assert [len(holes(glyph(c))) for c in "G6S8J9"] == [0, 1, 0, 2, 0, 1]
    assert all(fits_its_holes(c, glyph(c)) for c in "GSJT69Q8")
    assert not [
        (a, b)
        for a, b in ("G6", "6G", "S8", "8S", "J9", "9J", "T9", "Q6")
        if fits_its_holes(a, glyph(b))
    ]


def test_date_cells_of_each_shape() -> None:
    assert (1, 0) in digit_cells(3, 30) and (0, 5) not in digit_cells(3, 30)
    assert (1, 13) in digit_cells(2, 44) and (1, 0) not in digit_cells(2, 44)


CARD = str(
    TD1CodeGenerator("ID", "D", "T22000129", "640812", "F", "270228", "D", "Mustermann", "Erika")
).splitlines()


def test_a_zone_counts_once_two_readings_agree_on_every_cell() -> None:
    misread = [CARD[0], CARD[1], "MUSTERMANN<<ERIKA<K<<<<<<<<<<<"]
    assert agreed_zone([CARD], corpus.TODAY) is None  # a name read once is never taken
    assert agreed_zone([CARD, misread], corpus.TODAY) is None  # a tie
    zone = agreed_zone([CARD, misread, CARD], corpus.TODAY)
    assert zone is not None and (zone.family_name, zone.given_names) == ("MUSTERMANN", "ERIKA")
    unknown = [line.replace("E", UNKNOWN) for line in CARD]
    assert agreed_zone([CARD, unknown], corpus.TODAY) is None
