"""Access tokens: the applicant's only key to a registration. Only a hash is ever stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness


def new_access_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def derived_access_token(key: bytes, registration_id: str) -> str:
    """The registration's access token, derived with LINK_KEY (HMAC-SHA256, 256 bits, URL-safe
    base64) so that its later mails (queued, invitation) can carry the link again; still only
    its hash is stored. Registrations made before tokens were derived hold a random one."""
    digest = hmac.new(key, b"access-token|" + registration_id.encode("ascii"), "sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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
