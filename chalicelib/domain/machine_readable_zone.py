"""The machine-readable zone of a travel document (ICAO Doc 9303): what it says, how to find it
in OCR text, and how a typed name is written in it."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from mrz.base.countries_ops import code_list
from mrz.base.functions import transliterate
from mrz.checker.mrva import MRVACodeChecker
from mrz.checker.mrvb import MRVBCodeChecker
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker
from mrz.generator.dictionaries import cyrillic, greek, latin_based

# How many characters the name (the "identifier") takes in each format's zone.
NAME_FIELD_LENGTH = {"TD1": 30, "TD2": 31, "TD3": 39, "MRVA": 39, "MRVB": 31}


@dataclass(frozen=True)
class MachineReadableZone:
    """A zone whose check digits all hold (ICAO 9303 Part 3 §4.9).

    `document_format` is "TD1" (3x30, the German residence permit card), "TD2" (2x36), "TD3"
    (2x44, passports), "MRVA" (2x44 visa sticker) or "MRVB" (2x36 visa sticker). Names are
    as the zone writes them, fillers as single spaces: "MUELLER", "ANNA MARIA" ("" when the
    holder has one name only). `birth_date` is the zone's YYMMDD, '<' where the document
    does not know a part; `date_of_birth` the resolved date, None when day or month is
    unknown. `expires_on` is the document's date of expiry."""

    document_format: str
    document_code: str
    issuing_state: str
    document_number: str
    family_name: str
    given_names: str
    nationality: str
    birth_date: str
    date_of_birth: date | None
    expires_on: date

    @property
    def name_field_full(self) -> bool:
        """True when the names fill the zone's name field to its last character: the zone may
        then have cut them short (ICAO 9303 Part 3 §4.6), see `zone_name_matches`."""
        written = self.family_name + ("  " + self.given_names if self.given_names else "")
        return len(written) >= NAME_FIELD_LENGTH[self.document_format]


# -- names -------------------------------------------------------------------------------------

_APOSTROPHES = "'\u2019\u2018\u02bc`\u00b4"


@cache
def _transliteration() -> dict[str, str]:
    # ICAO 9303 Part 3 §6 tables as the mrz library ships them: Latin, then Cyrillic, then Greek.
    table: dict[str, str] = {}
    for dictionary in (
        greek.transliteration,
        cyrillic.transliteration,
        latin_based.transliteration,
    ):
        table.update(dictionary)
    return table


def icao_name(text: str) -> str:
    """How a typed name is written in a zone, fillers shown as single spaces: ICAO 9303 Part 3
    transliteration (Ü→UE, ß→SS, Ø→OE, Ł→L, Cyrillic per the ICAO table), upper case,
    apostrophes dropped, hyphens and other punctuation as one space.

    >>> icao_name("Müller-Lüdenscheidt")
    'MUELLER LUEDENSCHEIDT'
    """
    text = unicodedata.normalize("NFC", text)
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "")
    written = str(transliterate(text, _transliteration(), " ")).upper()
    # A letter none of the tables knows loses its accents (NFKD), whatever is left is a space.
    plain = unicodedata.normalize("NFKD", written).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^A-Z]+", " ", plain).split())


def zone_name_matches(typed: str, zone_value: str, field_full: bool) -> bool:
    """Whether a typed name (as the applicant wrote it, or already `icao_name`d) is the name a
    zone shows. Equal after `icao_name`; or, when the zone's name field is full
    (`MachineReadableZone.name_field_full`), the zone's value is a prefix of the typed one: the
    issuing state cut the name short to fit (ICAO 9303 Part 3 §4.6). A zone value of "" never
    matches a typed name (the zone was cut before the name began only when it is full, and then
    the name says nothing)."""
    typed_form, zone_form = icao_name(typed), icao_name(zone_value)
    if typed_form == zone_form:
        return True
    return field_full and bool(zone_form) and typed_form.startswith(zone_form)


# -- reading a zone out of OCR lines -----------------------------------------------------------

# What OCR makes of characters in fields that can only hold digits (dates, check digits), and
# of digits in fields that can only hold letters (codes, states, names).
_TO_DIGIT = str.maketrans("OQDIJLTZSGB", "00011172568")
_TO_LETTER = str.maketrans("0125864", "OIZSBGA")
# Characters OCR reads for the filler '<'.
_FILLER_LOOKALIKES = str.maketrans(
    {"«": "<<", "\u2039": "<", "\uff1c": "<", "(": "<", "{": "<", "[": "<"}
)
# A lone letter inside a run of fillers is a misread filler (OCR-B '<' often reads as K).
_LONE_IN_FILLERS = re.compile(r"(?<=<<)[KCLEX1I](?=<<)")
_FILLER_NOISE = re.compile(r"[<KXERSCLI]*")
# The dates and check digits of a data line, before the checker looks at them.
_MAX_MISCOUNT = 14
_LENGTHS = (30, 36, 44)
# German document numbers use no vowels and no B, D, Q, S: there these are digits misread.
_GERMAN_NUMBER = str.maketrans("OQDIUSBAE", "000105843")
_DATES = re.compile(r"[0-9<]{7}[A-Z<0-9][0-9]{7}")


def _normalized(line: str) -> str:
    text = line.upper().translate(_FILLER_LOOKALIKES)
    return re.sub(r"[^A-Z0-9<]", "", text)


def _fitted(line: str, length: int) -> str | None:
    """The line at exactly `length` characters: OCR drops and adds fillers in long runs of
    them, so the longest run (which only ever holds fillers) gets what is missing or loses
    what is too much. The check digits then say whether the line is right."""
    difference = length - len(line)
    if difference == 0:
        return line
    closest = min(_LENGTHS, key=lambda other: abs(other - len(line)))
    if abs(difference) > _MAX_MISCOUNT or closest != length:
        return None  # a line of another format's length is that format's
    runs = list(re.finditer(r"<{2,}", line))
    if not runs:
        return None
    run = max(runs, key=lambda match: (len(match.group()), match.start()))
    kept = len(run.group()) + difference
    if kept < 2:
        return None
    return line[: run.start()] + "<" * kept + line[run.end() :]


def _fitted_name_line(line: str, length: int, start: int) -> str | None:
    """A name line at exactly `length`: the names kept as read, the fillers after them (the
    first run of three or more, or the end) cut or padded. None when the names alone are too
    long."""
    if "<" not in line[start:] and len(line) != length:
        return None  # a zone's name line ends in fillers unless the names fill it
    names_end = line.find("<<<", start)
    names = line if names_end < 0 else line[:names_end]
    if len(names) > length:
        return None
    return names.ljust(length, "<") if names_end >= 0 or len(line) <= length else None


def _candidates(lines: list[str]) -> list[str]:
    """Each line, and each line joined to the next (an MRZ line read in two pieces)."""
    normalized = [text for text in (_normalized(line) for line in lines) if len(text) >= 5]
    joined = [a + b for a, b in itertools.pairwise(normalized)]
    # A name line may be short: OCR drops fillers, and they are padded back.
    return normalized + [text for text in joined if len(text) >= 26]


def _digits(text: str) -> str:
    return text.translate(_TO_DIGIT)


def _letters(text: str) -> str:
    return text.translate(_TO_LETTER)


def _is_code(text: str) -> bool:
    return re.fullmatch(r"[A-Z][A-Z<]", text) is not None


@cache
def _state_codes() -> frozenset[str]:
    # ICAO 9303 Part 3 §5 codes of states and organisations, as the mrz library ships them.
    return frozenset(code.ljust(3, "<") for code in code_list())


def _is_state(text: str) -> bool:
    """A state's code as a zone writes it: no check digit covers it, so a misread one (D read
    as O) must at least not be a code that does not exist."""
    return text in _state_codes()


@dataclass(frozen=True)
class _Layout:
    """Where a format keeps its fields: the data line(s) the check digits cover, and the
    name line."""

    name: str
    length: int
    checker: Callable[[str], Any]
    checks: tuple[str, ...]


_TD1 = _Layout(
    "TD1",
    30,
    lambda code: TD1CodeChecker(code, precheck=False),
    ("document_number_hash", "birth_date_hash", "expiry_date_hash", "final_hash"),
)
_TD2 = _Layout(
    "TD2",
    36,
    TD2CodeChecker,
    ("document_number_hash", "birth_date_hash", "expiry_date_hash", "final_hash"),
)
_TD3 = _Layout(
    "TD3",
    44,
    TD3CodeChecker,
    (
        "document_number_hash",
        "birth_date_hash",
        "expiry_date_hash",
        "optional_data_hash",
        "final_hash",
    ),
)
_MRVA = _Layout(
    "MRVA", 44, MRVACodeChecker, ("document_number_hash", "birth_date_hash", "expiry_date_hash")
)
_MRVB = _Layout(
    "MRVB", 36, MRVBCodeChecker, ("document_number_hash", "birth_date_hash", "expiry_date_hash")
)


def _repair_name_field(field: str) -> str | None:
    """The name field with digits read as letters and misread fillers after the names put
    back; None when it does not have ICAO's shape (PRIMARY<<SECONDARY, then fillers).

    Three fillers in a row never occur inside names, nor a second separator followed by more
    names: what follows either is filler, and OCR's misreadings of '<' (K, X, E, R, S, C, L)
    there are fillers again. Anything else after the names makes the field unreadable."""
    field = _letters(field)
    if not re.fullmatch(r"[A-Z<]+", field) or field.startswith("<"):
        return None
    if re.search(r"([A-Z])\1\1", field.split("<<<")[0]):
        return None  # three same letters in a row: OCR noise, not a name
    primary, separator, rest = field.partition("<<")
    if not separator:
        return field  # one name filling the whole field
    if rest.startswith("<"):
        secondary, tail = "", rest
    else:
        secondary, _, tail = rest.partition("<<")
    if not _FILLER_NOISE.fullmatch(tail):
        return None
    if tail.strip("<"):  # noise after the names: a last one-letter K or X is noise as well
        secondary = re.sub(r"<[KX]$", "", secondary)
    return (primary + "<<" + secondary).rstrip("<").ljust(len(field), "<")


def _split_name(field: str) -> tuple[str, str]:
    primary, _, secondary = field.rstrip("<").partition("<<")
    return primary.replace("<", " ").strip(), secondary.replace("<", " ").strip()


def _two_digit_year(yy: int, today: date, *, expiry: bool) -> int:
    if expiry:
        year = 2000 + yy
        return year - 100 if year > today.year + 50 else year
    return 1900 + yy if yy > today.year % 100 else 2000 + yy


def _resolved(text: str, today: date, *, expiry: bool) -> date | None:
    if not text.isdigit():
        return None
    try:
        return date(
            _two_digit_year(int(text[:2]), today, expiry=expiry), int(text[2:4]), int(text[4:6])
        )
    except ValueError:
        return None


def _holds(layout: _Layout, code: str) -> Any:
    """The mrz library's checker of `code` when every check digit of the format holds."""
    try:
        checker = layout.checker(code)
        if all(getattr(checker, check) for check in layout.checks):
            return checker
    except (ValueError, IndexError, TypeError, AttributeError):
        return None
    return None


def _optional(field: str) -> str:
    """An optional data field that OCR read as mostly fillers with a few K's (OCR-B's '<'
    misread) is all fillers; the composite check digit covers it and says whether that was
    right."""
    if _FILLER_NOISE.fullmatch(field) and field.count("<") * 2 >= len(field):
        return "<" * len(field)
    return _LONE_IN_FILLERS.sub("<", field)


def _repaired_data_line(layout: _Layout, line: str) -> str:
    """A 2-line format's second line with its digit-only and letter-only fields repaired."""
    rest = line[28:]
    if layout.name == "TD3":
        rest = _optional(line[28:42]) + _digits(line[42:44])
    elif layout.name == "TD2":
        rest = _optional(line[28:35]) + _digits(line[35])
    return (
        line[:9]
        + _digits(line[9])
        + _letters(line[10:13])
        + _digits(line[13:20])
        + line[20]
        + _digits(line[21:28])
        + rest
    )


def _repaired_td1(line1: str, line2: str) -> tuple[str, str]:
    header = _letters(line1[:5])
    number = line1[5:14]
    if header[2:5] == "D<<":
        number = number[0] + number[1:].translate(_GERMAN_NUMBER)
    line1 = header + number + _digits(line1[14]) + _optional(line1[15:])
    line2 = (
        _digits(line2[:7])
        + line2[7]
        + _digits(line2[8:15])
        + _letters(line2[15:18])
        + _optional(line2[18:29])
        + _digits(line2[29])
    )
    return line1, line2


def _zone(  # noqa: PLR0911 - each return is one reason a zone is not one
    layout: _Layout,
    header: str,
    data: str,
    name_field: str,
    today: date,
) -> MachineReadableZone | None:
    """The zone from a format's repaired parts, when the names and dates make sense."""
    code, state = header[:2], header[2:5]
    if not (_is_code(code) and _is_state(state)):
        return None
    if layout.name in ("MRVA", "MRVB") and not code.startswith("V"):
        return None
    if layout.name in ("TD3", "TD2") and code.startswith("V"):
        return None
    names = _repair_name_field(name_field)
    if names is None:
        return None
    family_name, given_names = _split_name(names)
    if not family_name:
        return None
    if layout.name == "TD1":
        number, birth, sex, expiry, nationality = (
            header[5:14],
            data[0:6],
            data[7],
            data[8:14],
            data[15:18],
        )
    else:
        number, nationality, birth, sex, expiry = (
            data[0:9],
            data[10:13],
            data[13:19],
            data[20],
            data[21:27],
        )
    expires_on = _resolved(expiry, today, expiry=True)
    if (
        expires_on is None
        or sex not in "MFX<"
        or not _is_state(nationality)
        or not re.fullmatch(r"[0-9<]{6}", birth)
        or number.startswith("<")
    ):
        return None
    return MachineReadableZone(
        document_format=layout.name,
        document_code=code.rstrip("<"),
        issuing_state=state.rstrip("<"),
        document_number=number.rstrip("<"),
        family_name=family_name,
        given_names=given_names,
        nationality=nationality.rstrip("<"),
        birth_date=birth,
        date_of_birth=_resolved(birth, today, expiry=False),
        expires_on=expires_on,
    )


def _nearest_first(candidates: list[str], anchor: int) -> Iterator[int]:
    return iter(sorted(range(len(candidates)), key=lambda index: abs(index - anchor - 0.1)))


def _o_or_zero(text: str, start: int, holds: Callable[[str], bool]) -> str | None:
    """OCR-B's O and 0 differ by a hair and tesseract takes a 0 amid letters for an O, while a
    document number may hold both: of the readings of the nine characters from `start` with
    some of their O (two at most) as 0, the one whose check digits hold, when exactly one
    does."""
    positions = [start + i for i, char in enumerate(text[start : start + 9]) if char == "O"]
    if not positions or len(positions) > 2:
        return None
    holding = []
    for choice in itertools.product("O0", repeat=len(positions)):
        chars = list(text)
        for position, char in zip(positions, choice, strict=True):
            chars[position] = char
        reading = "".join(chars)
        if reading != text and holds(reading):
            holding.append(reading)
    return holding[0] if len(holding) == 1 else None


def _find_td1(candidates: list[str], today: date) -> MachineReadableZone | None:
    fitted = [_fitted(text, 30) for text in candidates]
    for i, first in enumerate(fitted):
        if first is None or first[0] not in "AIC":
            continue
        for j in _nearest_first(candidates, i + 1):
            second = fitted[j]
            if j == i or second is None or not _DATES.fullmatch(_digits(second[:15])):
                continue
            line1, line2 = _repaired_td1(first, second)

            def holds(line: str, line2: str = line2) -> bool:
                return _holds(_TD1, f"{line}\n{line2}\n{'<' * 30}") is not None

            if not holds(line1):
                if line1[2:5] == "D<<":
                    continue  # a German number has no O: the repair made them all 0
                other = _o_or_zero(line1, 5, holds)
                if other is None:
                    continue
                line1 = other
            for k in _nearest_first(candidates, j + 1):
                third = _fitted_name_line(candidates[k], 30, 0)
                if k in (i, j) or third is None:
                    continue
                zone = _zone(_TD1, line1, line2, third, today)
                if zone is not None:
                    return zone
    return None


def _find_two_line(
    layout: _Layout, candidates: list[str], today: date
) -> MachineReadableZone | None:
    fitted = [_fitted(text, layout.length) for text in candidates]
    placeholder = "P<" + "<" * (layout.length - 2)
    for j, second in enumerate(fitted):
        if second is None or not _DATES.fullmatch(_digits(second[13:28])):
            continue
        data = _repaired_data_line(layout, second)
        # A German document's number has no vowels (nor B, D, Q, S): a visa's issuing state is
        # on the name line, so both readings of the number are kept until it is found.
        german = data[0] + data[1:9].translate(_GERMAN_NUMBER) + data[9:]
        # The check digits are all on the data line; the name line is found after.

        def holds(reading: str) -> bool:
            return _holds(layout, f"{placeholder}\n{reading}") is not None

        holding = {reading: holds(reading) for reading in (data, german)}
        if not holding[data]:
            other = _o_or_zero(data, 0, holds)
            if other is not None:
                data = other
                holding[data] = True
        if not any(holding.values()):
            continue
        for i in _nearest_first(candidates, j - 1):
            first = _fitted_name_line(candidates[i], layout.length, 5)
            if i == j or first is None:
                continue
            header = _letters(first[:5])
            reading = german if header[2:5] == "D<<" else data
            if not holding[reading]:
                continue
            zone = _zone(layout, header, reading, first[5:], today)
            if zone is not None:
                return zone
    return None


def find_zone(lines: list[str], today: date) -> MachineReadableZone | None:
    """The machine-readable zone in a document's OCR lines (Textract's or tesseract's, in any
    order, with spaces inside lines, lower case, '«' for '<<', a line read in two pieces, noise
    around), or None when there is none whose check digits all hold.

    OCR is repaired before checking, by what each field can hold and never by trying until a
    check digit fits: letters in digit-only fields (dates, check digits) as digits (O→0, I→1,
    S→5, B→8, Z→2, G→6), digits in letter-only fields as letters, a lone K amid fillers as a
    filler, miscounted runs of fillers. The check digits are the mrz library's (ICAO 9303 Part 3
    §4.9): document number, birth date, expiry date and the composite where the format has one.
    Names are not covered by any check digit; a name field that does not have ICAO's shape
    (PRIMARY<<SECONDARY, then only fillers) makes the zone unreadable. `today` resolves
    two-digit years: a birth year after today's is the last century; an expiry year is this
    century unless that is more than 50 years ahead."""
    candidates = _candidates(lines)
    if not candidates:
        return None
    finders: tuple[Callable[[], MachineReadableZone | None], ...] = (
        lambda: _find_two_line(_TD3, candidates, today),
        lambda: _find_two_line(_MRVA, candidates, today),
        lambda: _find_td1(candidates, today),
        lambda: _find_two_line(_TD2, candidates, today),
        lambda: _find_two_line(_MRVB, candidates, today),
    )
    for find in finders:
        zone = find()
        if zone is not None:
            return zone
    return None
