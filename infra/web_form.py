"""The applicant web form on this machine: web/ over HTTP, with KERN from build/web-form/kern/
under /kern/ and a config.js for the local API."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from infra.static_site import StaticFilesHandler, StaticSite, origin_of

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# KERN's stylesheet and fonts, built from the pinned @kern-ux/native by `make web-form`.
KERN_DIR = Path(__file__).resolve().parent.parent / "build" / "web-form" / "kern"
KERN_PATH = "/kern/"


def config_script(api_url: str) -> str:
    """The config.js the pages load first: where the applicant API answers."""
    config = json.dumps({"apiBaseUrl": api_url.rstrip("/")})
    return (
        "// Written by infra/web_form.py for the local stack.\n"
        '"use strict";\n'
        f"window.NFT_CONFIG = Object.freeze({config});\n"
    )


def content_security_policy(connect_origins: Iterable[str]) -> str:
    """What the pages may load and call: their own files, the API and the documents bucket.

    The same policy belongs on the CDN in the cloud; locally it catches inline scripts and
    calls to anywhere else before they reach a deployment.
    """
    connect = " ".join(["'self'", *sorted(set(connect_origins))])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; form-action 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


class FormNotBuilt(Exception):
    """build/web-form/kern/ is missing: `make web-form` builds it (make run and make test do)."""


class FormServer(StaticSite):
    """Serves `directory` on host:port in a background thread, for the local stack and tests."""

    def __init__(
        self,
        port: int,
        api_url: str,
        *,
        connect_origins: Iterable[str] = (),
        host: str = "127.0.0.1",
        directory: Path = WEB_DIR,
        kern_directory: Path = KERN_DIR,
    ) -> None:
        super().__init__(host, port, "web-form")
        self._api_url = api_url
        self._directory = directory
        self._kern_directory = kern_directory
        self._connect_origins = {origin_of(api_url), *connect_origins}

    def start(self) -> None:
        """Listens; raises FormNotBuilt when KERN's stylesheet has not been built."""
        if not (self._kern_directory / "kern.css").is_file():
            raise FormNotBuilt(f"{self._kern_directory} has no kern.css: run `make web-form`")
        self.serve(
            partial(
                StaticFilesHandler,
                directory=str(self._directory),
                config_js=config_script(self._api_url).encode("utf-8"),
                policy=content_security_policy(self._connect_origins),
                mounts={KERN_PATH: self._kern_directory},
            )
        )
