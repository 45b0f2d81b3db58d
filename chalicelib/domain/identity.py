"""Who a person is, for the one-active-registration rule: names and date of birth compared
case-, accent- and whitespace-insensitively, kept only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date


def normalize_name(name: str) -> str:
    """Fold case, strip accents and drop all whitespace: 'Ça  Ğül ' and 'cagul' are equal."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = without_marks.casefold()
    return "".join(ch for ch in folded if not ch.isspace())


def identity_key(secret: bytes, family_name: str, given_names: str, date_of_birth: date) -> str:
    """A keyed hash of the normalised identity: equal for the same person, and not reversible
    into a name without the key."""
    canonical = "\x1f".join(
        (normalize_name(family_name), normalize_name(given_names), date_of_birth.isoformat())
    )
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
