"""Access tokens: the applicant's only key to a registration. Only a hash is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness


def new_access_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def new_id() -> str:
    """An opaque, unguessable id for a registration or document."""
    return secrets.token_hex(16)


_ID_PATTERN = re.compile(r"[0-9a-f]{32}")


def is_well_formed_id(value: str) -> bool:
    return _ID_PATTERN.fullmatch(value) is not None
