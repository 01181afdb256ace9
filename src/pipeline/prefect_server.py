"""A local Prefect server for `veille serve`, driven as a subprocess and over HTTP (no Prefect import here)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 120.0


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(api + "/health", timeout=2) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def local_server(port: int) -> Iterator[str]:
    """The API URL of the configured server, or of one started on 127.0.0.1:port for the duration."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured.rstrip("/")
        return
    api = f"http://127.0.0.1:{port}/api"
    prefect = str(Path(sys.executable).parent / "prefect")
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(api):
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with status {proc.returncode} (is port {port} free?)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"prefect server did not answer on {api} within {START_TIMEOUT:.0f}s")
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = api
        yield api
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


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
