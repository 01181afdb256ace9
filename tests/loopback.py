"""Loopback HTTP servers for tests: real sockets on 127.0.0.1 that stop when the test leaves the `with` block."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps pytest's output clean and frames every body with its length."""

    def answer(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        """Send one complete response; a client that hangs up early (a size limit, a bomb) is not an error."""
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's signature)
        return


class LoopbackServer(ThreadingHTTPServer):
    """A threaded server on 127.0.0.1 whose handler threads never keep the test process alive."""

    daemon_threads = True
    quiet_errors = False

    def __init__(self, handler: type[BaseHTTPRequestHandler], quiet_errors: bool = False) -> None:
        self.quiet_errors = quiet_errors
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self.quiet_errors:  # dropped connections are expected where a test sends what a crawler refuses
            super().handle_error(request, client_address)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], quiet_errors: bool = False) -> Iterator[LoopbackServer]:
    """Serve `handler` on a free port of 127.0.0.1 for the duration of the block."""
    server = LoopbackServer(handler, quiet_errors)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
