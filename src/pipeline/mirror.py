"""The replay mirror: URL mapping to and from a HOST/PATH layout, and a loopback static server for it."""

from __future__ import annotations

import mimetypes
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

# Extensions the stdlib table gets wrong or lacks for news sites ("c.htm" pages, feeds, data sources).
CONTENT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".shtml": "text/html",
    ".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
    ".json": "application/json", ".txt": "text/plain", ".gz": "application/gzip",
}


def _base(mirror: str) -> str:
    return mirror.rstrip("/")


def to_mirror(url: str, mirror: str) -> str:
    """`SCHEME://HOST[:PORT]/PATH?QUERY` as the mirror serves it: `MIRROR/HOST[:PORT]/PATH?QUERY`."""
    parts = urlsplit(url)
    if not parts.netloc:
        raise ValueError(f"URL has no host: {url!r}")
    rest = parts.netloc + (parts.path or "/")
    if parts.query:
        rest += "?" + parts.query
    return f"{_base(mirror)}/{rest}"


def from_mirror(url: str, mirror: str, scheme: str = "https") -> str | None:
    """`MIRROR/HOST2/PATH2` mapped back to `SCHEME://HOST2/PATH2`; None when the URL is not under the mirror."""
    base = urlsplit(_base(mirror))
    parts = urlsplit(url)
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
        return None
    prefix = base.path.rstrip("/") + "/"
    if not parts.path.startswith(prefix):
        return None
    rest = parts.path[len(prefix):]
    host, slash, path = rest.partition("/")
    if not host:
        return None
    out = f"{scheme}://{host}/{path if slash else ''}"
    if parts.query:
        out += "?" + parts.query
    return out


def mirror_file(root: Path, request_path: str) -> Path | None:
    """The file that answers a request path under a HOST/PATH mirror, or None (missing or outside root)."""
    path = unquote(urlsplit(request_path).path)
    relative = path.lstrip("/")
    if not relative:
        return None
    if path.endswith("/"):
        relative += "index.html"
    base = root.resolve()
    candidate = (base / relative).resolve()
    if base not in candidate.parents:
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def content_type(path: Path) -> str:
    """The Content-Type a static server sends for a file, by extension."""
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class _MirrorHandler(BaseHTTPRequestHandler):
    server: _MirrorHTTPServer
    protocol_version = "HTTP/1.1"
    # headers and body go out as two writes: with Nagle's algorithm on, the body waits for the client's
    # delayed ACK of the headers (40 ms on Linux) on every keep-alive request after the first
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        with self.server.lock:
            self.server.requests.append(self.path)
        found = mirror_file(self.server.root, self.path)
        if found is None:
            body = b"not in mirror\n"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/plain")
        else:
            body = found.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type(found))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # the request log lives in memory (MirrorServer.requests); stderr stays quiet
        return


class _MirrorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.requests: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _MirrorHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        # a crawler that drops a too-large download resets the connection: that is not the server's error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class MirrorServer:
    """A running loopback mirror server; a context manager that stops it on exit."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self._httpd = _MirrorHTTPServer(Path(root), port)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="veille-mirror", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The mirror's base URL (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[str]:
        """Request paths received so far, in order."""
        with self._httpd.lock:
            return list(self._httpd.requests)

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MirrorServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve_mirror(root: Path, port: int = 0) -> MirrorServer:
    """Serve a HOST/PATH mirror directory on 127.0.0.1 (port 0: a free one) in background threads."""
    if not Path(root).is_dir():
        raise ValueError(f"mirror directory not found: {root}")
    return MirrorServer(Path(root), port)
