"""Static files over HTTP on this machine, for the local stack and the browser tests: the web
form (infra/web_form.py) and the staff console (infra/staff_console.py) each serve a folder with
their own config.js and Content-Security-Policy."""

from __future__ import annotations

import posixpath
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote, urlsplit

CONFIG_PATH = "/config.js"
_STOP_TIMEOUT = 10.0


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class StaticFilesHandler(SimpleHTTPRequestHandler):
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


class StaticSite(ABC):
    """A folder served on host:port in a background thread (`serve`), until `stop`."""

    def __init__(self, host: str, port: int, name: str) -> None:
        self._host = host
        self._port = port
        self._name = name
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    @abstractmethod
    def start(self) -> None:
        """Check that the folder is built, then `serve` it."""

    def serve(self, handler: Callable[..., BaseHTTPRequestHandler]) -> None:
        """Listen with `handler` (a StaticFilesHandler with its arguments bound)."""
        server = ThreadingHTTPServer((self._host, self._port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name=self._name, kwargs={"poll_interval": 0.2}, daemon=True
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
