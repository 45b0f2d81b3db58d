"""The applicant web form on this machine: web/ over HTTP, with KERN from build/web-form/kern/
under /kern/ and a config.js for the local API."""

from __future__ import annotations

import json
import posixpath
import threading
from collections.abc import Iterable, Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote, urlsplit

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# KERN's stylesheet and fonts, built from the pinned @kern-ux/native by `make web-form`.
KERN_DIR = Path(__file__).resolve().parent.parent / "build" / "web-form" / "kern"
KERN_PATH = "/kern/"
CONFIG_PATH = "/config.js"
_STOP_TIMEOUT = 10.0


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


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class _FormHandler(SimpleHTTPRequestHandler):
    """Static files from `directory`, no directory listings, config.js made for this stack.

    `mounts` maps a path prefix ("/kern/") to another folder the files under it come from.
    """

    extensions_map = {  # noqa: RUF012 - the base class declares it a plain class attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def __init__(
        self,
        *args: Any,
        config_js: bytes,
        policy: str,
        mounts: Mapping[str, Path] | None = None,
        **kwargs: Any,
    ) -> None:
        self._config_js = config_js
        self._policy = policy
        self._mounts = dict(mounts or {})
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        # Normalised first, as the base class does, so "/kern/../x" is web/x and never above.
        route = posixpath.normpath(unquote(urlsplit(path).path))
        for prefix, folder in self._mounts.items():
            if route.startswith(prefix):
                parts = [p for p in route[len(prefix) :].split("/") if p not in ("", ".", "..")]
                return str(folder.joinpath(*parts))
        return super().translate_path(path)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == CONFIG_PATH:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self._config_js)))
            self.end_headers()
            self.wfile.write(self._config_js)
            return
        super().do_GET()

    def list_directory(self, path: str | Any) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Security-Policy", self._policy)
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: the terminal belongs to the API's log and the outbox.
        return


class FormServer:
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
        self._host = host
        self._port = port
        self._api_url = api_url
        self._directory = directory
        self._kern_directory = kern_directory
        self._connect_origins = {origin_of(api_url), *connect_origins}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Listens; raises FormNotBuilt when KERN's stylesheet has not been built."""
        if not (self._kern_directory / "kern.css").is_file():
            raise FormNotBuilt(f"{self._kern_directory} has no kern.css: run `make web-form`")
        handler = partial(
            _FormHandler,
            directory=str(self._directory),
            config_js=config_script(self._api_url).encode("utf-8"),
            policy=content_security_policy(self._connect_origins),
            mounts={KERN_PATH: self._kern_directory},
        )
        server = ThreadingHTTPServer((self._host, self._port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="web-form", kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=_STOP_TIMEOUT)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
