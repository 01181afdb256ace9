"""A local Prefect server for `veille serve`, driven as a subprocess and over HTTP (no Prefect import here)."""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 120.0
# How often a run's watcher looks whether its temporary server is still there, how often it asks it for its
# health, and how long the server may go without answering before the run takes it for gone: long enough
# for a loaded machine (Prefect's own calls would have failed long before).
WATCH_SECONDS = 1.0
HEALTH_EVERY_SECONDS = 15.0
UNRESPONSIVE_SECONDS = 300.0
# A configured server has no process here to watch; one refusing every connection for this long is down
# (a restart takes seconds), so the run stops before Prefect's own failures fill its log (a killed server
# made a run fail after 274 s, with tracebacks).
REFUSED_SECONDS = 60.0


def _health(api: str, timeout: float = 2.0) -> str:
    """"ok", "refused" (nothing listens there) or "silent" (no answer in time, or not a healthy one)."""
    try:
        with urllib.request.urlopen(api + "/health", timeout=timeout) as response:  # noqa: S310 (loopback)
            return "ok" if response.status == 200 else "silent"
    except urllib.error.URLError as exc:  # urlopen wraps a failed connection in it
        return "refused" if isinstance(exc.reason, ConnectionRefusedError) else "silent"
    except OSError:
        return "silent"


def _healthy(api: str, timeout: float = 2.0) -> bool:
    return _health(api, timeout) == "ok"


def watch_server(proc_of: Callable[[], subprocess.Popen[bytes] | None], api_of: Callable[[], str],
                 stopping: threading.Event, on_gone: Callable[[str], object], every: float = WATCH_SECONDS,
                 health_every: float = HEALTH_EVERY_SECONDS, unresponsive: float = UNRESPONSIVE_SECONDS,
                 refused_for: float | None = None, first_answer: bool = False) -> threading.Thread:
    """Call `on_gone(what happened)` from a daemon thread should the server process exit, its API answer
    no health check for `unresponsive` seconds, or (given `refused_for`) refuse every connection for that
    long, before `stopping` is set (by whoever stops it on purpose). With `first_answer`, the server is
    watched only if it answers a first health check (from the thread: a slow answer holds nothing up).

    Without its server a run may never fail: Prefect's client retries its calls, and a task waiting for a
    concurrency slot asks for it again and again.
    """
    def look() -> None:
        if first_answer and not _healthy(api_of(), timeout=10.0):
            return
        answered = asked = time.monotonic()
        refused_since: float | None = None
        while not stopping.wait(every):
            proc = proc_of()
            code = None if proc is None else proc.poll()
            now = time.monotonic()
            if code is None and now - asked >= health_every:
                asked = now
                health = _health(api_of(), timeout=min(10.0, health_every))
                if health == "ok":
                    answered = time.monotonic()
                if health != "refused":
                    refused_since = None
                elif refused_since is None:
                    refused_since = now
            if stopping.is_set():
                return
            if code is not None:
                on_gone(f"exited (status {code})")
                return
            if refused_for is not None and refused_since is not None and now - refused_since >= refused_for:
                on_gone(f"has refused every connection for {now - refused_since:.0f} s")
                return
            if now - answered > unresponsive:
                on_gone(f"has not answered for {now - answered:.0f} s")
                return

    thread = threading.Thread(target=look, name="veille-prefect-server-watch", daemon=True)
    thread.start()
    return thread


def watch_configured(api: str, stopping: threading.Event, on_gone: Callable[[str], object]) -> threading.Thread:
    """`watch_server` on a server veille did not start (PREFECT_API_URL), by its health checks alone: there
    is no process here to look at, so refusing connections for REFUSED_SECONDS counts as gone. Watched
    only if it answers a first health check: an API that does not serve `/health` to an unauthenticated
    caller (a hosted one) would otherwise be taken for gone."""
    return watch_server(lambda: None, lambda: api, stopping, on_gone, WATCH_SECONDS, HEALTH_EVERY_SECONDS,
                        UNRESPONSIVE_SECONDS, REFUSED_SECONDS, first_answer=True)


@contextmanager
def local_server(port: int, on_gone: Callable[[str], object] | None = None) -> Iterator[str]:
    """The API URL of the configured server, or of one started on 127.0.0.1:port for the duration (given
    `on_gone`, that one is watched: see `watch_server`)."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured.rstrip("/")
        return
    api = f"http://127.0.0.1:{port}/api"
    prefect = str(Path(sys.executable).parent / "prefect")
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    stopping = threading.Event()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(api):
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with status {proc.returncode} (is port {port} free?)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"prefect server did not answer on {api} within {START_TIMEOUT:.0f}s")
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = api
        if on_gone is not None:
            watch_server(lambda: proc, lambda: api, stopping, on_gone)
        yield api
    finally:
        stopping.set()  # stopped on purpose from here on
        os.environ.pop("PREFECT_API_URL", None)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api_configured(cwd: Path | None = None) -> bool:
    """Whether Prefect may be set to use a server already (environment, profile or a settings file here)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    here = cwd or Path.cwd()
    # each file, and what in it may set the API (None: the file alone may)
    places: dict[Path, str | None] = {
        Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml"): "PREFECT_API_URL",
        here / ".env": "PREFECT_API_URL", here / "prefect.toml": None, here / "pyproject.toml": "[tool.prefect"}
    for path, mark in places.items():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if mark is None or mark in text:
            return True
    return False


class TemporaryServer:
    """The Prefect API of one CLI process's flow runs, started before Prefect is imported.

    Prefect starts this same server by itself (uvicorn on its API factory, UI off) at its first API call,
    and only then: started first, it boots (~3.6 s, mostly imports) while the CLI imports the flows
    (~1.5 s). Its URL is in the environment from the start, so every part of Prefect finds it.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.api = ""
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._launch()

    def _launch(self) -> None:
        port = _free_port()
        self.api = f"http://127.0.0.1:{port}/api"
        os.environ["PREFECT_API_URL"] = self.api
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
                                      "--host", "127.0.0.1", "--port", str(port), "--log-level", "error",
                                      "--lifespan", "on"], env=env, stdin=subprocess.DEVNULL)

    def ready(self, timeout: float = START_TIMEOUT) -> str:
        """The API URL once the server answers its health check."""
        assert self.proc is not None, "stopped"
        deadline = time.monotonic() + timeout
        relaunched = 0
        while not _healthy(self.api):
            code = self.proc.poll()
            if code == 3 and relaunched < 3:  # uvicorn's "address in use": another process took the port
                relaunched += 1
                self._launch()
                continue
            if code is not None:
                raise RuntimeError(f"the temporary Prefect server exited with status {code}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the temporary Prefect server did not answer on {self.api} within {timeout:.0f}s")
            time.sleep(0.1)
        return self.api

    def watch(self, on_gone: Callable[[str], object], every: float = WATCH_SECONDS,
              health_every: float = HEALTH_EVERY_SECONDS, unresponsive: float = UNRESPONSIVE_SECONDS) -> None:
        """`watch_server` on this server (it may be relaunched on another port before `ready` returns); once
        per server, later calls do nothing."""
        if self._watcher is None:
            self._watcher = watch_server(lambda: self.proc, lambda: self.api, self._stopping, on_gone, every,
                                         health_every, unresponsive)

    def stop(self) -> None:
        self._stopping.set()  # before the server goes: its end is not the watcher's business any more
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if os.environ.get("PREFECT_API_URL") == self.api:
            del os.environ["PREFECT_API_URL"]


_temporary: TemporaryServer | None = None


def temporary_server() -> TemporaryServer | None:
    """This process's temporary server (started on the first call, stopped at exit); None when Prefect is
    set to use a server of its own."""
    global _temporary
    if _temporary is None and not api_configured():
        _temporary = TemporaryServer()
        atexit.register(_temporary.stop)
    return _temporary


def set_concurrency_limit(api: str, tag: str, limit: int, wait: float = 60.0) -> bool:
    """A tag concurrency limit on the server (one warehouse writer across all workers); False if still refused.

    Retried with back-off for up to `wait` seconds: a server that has just answered its health check can still
    time out or fail its first writes on a loaded machine, and a missing limit would let two writers race.
    """
    body = json.dumps({"tag": tag, "concurrency_limit": limit}).encode()
    deadline = time.monotonic() + wait
    pause = 0.5
    while True:
        request = urllib.request.Request(api + "/concurrency_limits/", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (configured API)
                if 200 <= response.status < 300:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 5.0)
