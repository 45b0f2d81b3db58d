"""The links the mails carry: the status page (with the access token), the privacy notice and
the form. No personal data in any of them: ids, the token in the fragment, the language."""

from __future__ import annotations

from chalicelib.domain.registration import Registration
from chalicelib.domain.tokens import derived_access_token, token_matches


class Links:
    def __init__(self, web_base_url: str, link_key: bytes) -> None:
        self._base = web_base_url.rstrip("/")
        self._key = link_key

    def access_token(self, registration_id: str) -> str:
        return derived_access_token(self._key, registration_id)

    def status(self, registration: Registration, view: str | None = None) -> str | None:
        """The status page of this registration in its language (`view`: a part of the page
        to open, e.g. "release"); None for a registration whose token was random (made
        before tokens were derived): only its first mail holds its link."""
        token = self.access_token(registration.registration_id)
        if not token_matches(token, registration.token_hash):
            return None
        link = (
            f"{self._base}/status.html#id={registration.registration_id}&token={token}"
            f"&lang={registration.language}"
        )
        return f"{link}&view={view}" if view else link

    def privacy(self, language: str) -> str:
        return f"{self._base}/privacy.html?lang={language}"

    def form(self, language: str) -> str:
        return f"{self._base}/?lang={language}"
