"""The staff console on this machine: build/web-staff/ over HTTP on its own port, with a
config.js that points it at the local API and the emulated Cognito pool, and its own CSP."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from infra.static_site import StaticFilesHandler, StaticSite, origin_of

BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "web-staff"


class ConsoleNotBuilt(Exception):
    """build/web-staff/ is missing: `make staff-console` builds it."""


@dataclass(frozen=True)
class CognitoSettings:
    """What the console's sign-in needs: the pool, its app client and, locally, the emulation."""

    region: str
    user_pool_id: str
    client_id: str
    endpoint: str | None = None


def config_script(api_url: str, cognito: CognitoSettings) -> str:
    """The config.js the console loads first."""
    config = {
        "apiBaseUrl": api_url.rstrip("/"),
        "cognito": {
            "region": cognito.region,
            "userPoolId": cognito.user_pool_id,
            "clientId": cognito.client_id,
            "endpoint": cognito.endpoint,
        },
    }
    return (
        "// Written by infra/staff_console.py for the local stack.\n"
        '"use strict";\n'
        f"window.NFT_STAFF_CONFIG = Object.freeze({json.dumps(config)});\n"
    )


def content_security_policy(connect_origins: Iterable[str], document_origins: Iterable[str]) -> str:
    """The console's own policy: its files, the API and Cognito to call, documents to show
    (images from the documents bucket, read as blobs for PDFs), the camera for the entrance."""
    documents = sorted(set(document_origins))
    connect = " ".join(["'self'", *sorted(set(connect_origins) | set(documents))])
    images = " ".join(["'self'", "data:", "blob:", *documents])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; "
        f"img-src {images}; media-src 'self' blob: mediastream:; worker-src 'self' blob:; "
        f"connect-src {connect}; form-action 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


class StaffConsoleServer(StaticSite):
    """Serves the built console on host:port in a background thread."""

    def __init__(
        self,
        port: int,
        api_url: str,
        cognito: CognitoSettings,
        *,
        document_origins: Iterable[str] = (),
        host: str = "127.0.0.1",
        directory: Path = BUILD_DIR,
    ) -> None:
        super().__init__(host, port, "staff-console")
        self._api_url = api_url
        self._cognito = cognito
        self._directory = directory
        connect = {origin_of(api_url)}
        if cognito.endpoint:
            connect.add(origin_of(cognito.endpoint))
        else:
            connect.add(f"https://cognito-idp.{cognito.region}.amazonaws.com")
        self._policy = content_security_policy(connect, document_origins)

    @property
    def origin(self) -> str:
        return self.url

    def start(self) -> None:
        if not (self._directory / "index.html").is_file():
            raise ConsoleNotBuilt(f"{self._directory} has no index.html: run `make staff-console`")
        self.serve(
            partial(
                StaticFilesHandler,
                directory=str(self._directory),
                config_js=config_script(self._api_url, self._cognito).encode("utf-8"),
                policy=self._policy,
            )
        )
