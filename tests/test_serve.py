"""`veille serve`: a local Prefect server with the scheduled deployments and the one-writer limit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VEILLE, child_processes

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def test_serve_registers_the_scheduled_deployments(tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "PREFECT_API"))}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect"), "VEILLE_DB": str(tmp_path / "w.duckdb"),
                "VEILLE_TIMEZONE": "Asia/Shanghai", "PREFECT_UI_ENABLED": "false"})
    proc = subprocess.Popen([VEILLE, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    names: set[str] = set()
    deployments: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and names != {"daily", "weekly-backfill", "revisit", "reprocess"}:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                deployments = _post(api + "/deployments/filter", {"limit": 20})
                names = {d["name"] for d in deployments}
            except OSError:
                pass
            time.sleep(1)
        assert names == {"daily", "weekly-backfill", "revisit", "reprocess"}
        daily = next(d for d in deployments if d["name"] == "daily")
        schedule = daily["schedules"][0]["schedule"]
        assert schedule["cron"] == "0 6 * * *" and schedule["timezone"] == "Asia/Shanghai"
        limits = _post(api + "/concurrency_limits/filter", {"limit": 10})
        assert any(lim["tag"] == "veille-warehouse" and lim["concurrency_limit"] == 1 for lim in limits)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_serve_stops_with_a_message_when_its_prefect_server_dies(tmp_path: Path) -> None:
    """Serving with no server would retry for ever: once the deployments are up, the local server is killed,
    and `veille serve` ends with status 1 and says why (a service manager can then start it again)."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "PREFECT_API"))}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect"), "VEILLE_DB": str(tmp_path / "w.duckdb"),
                "PREFECT_UI_ENABLED": "false"})
    proc = subprocess.Popen([VEILLE, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        names: set[str] = set()
        while time.monotonic() < deadline and "daily" not in names:
            assert proc.poll() is None
            try:
                names = {d["name"] for d in _post(api + "/deployments/filter", {"limit": 20})}
            except OSError:
                pass
            time.sleep(1)
        assert "daily" in names
        servers = [pid for pid, cmd in child_processes(proc.pid).items() if "server start" in cmd]
        assert len(servers) == 1
        os.killpg(servers[0], signal.SIGKILL)  # the server runs in a session of its own
        killed = time.monotonic()
        _, err = proc.communicate(timeout=120)
        took = time.monotonic() - killed
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 1, err[-3000:]
    assert "veille: the local Prefect server exited (status -9): veille serve stops" in err
    assert took < 60, took
