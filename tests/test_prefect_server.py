"""The daily flow against a real `prefect server start` on 127.0.0.1 (not only ephemeral mode)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import VEILLE

pytestmark = pytest.mark.slow
DEMO = Path(str(resources.files("pipeline"))) / "demo_mirror"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(api: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("prefect server exited early")
        try:
            with urllib.request.urlopen(api + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("prefect server did not become healthy")


def test_daily_flow_runs_against_a_local_prefect_server(tmp_path: Path) -> None:
    from pipeline.mirror import serve_mirror

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "PREFECT_API"))}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_UI_ENABLED": "false"})
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        _wait_healthy(api, server)
        run_env = {**env, "PREFECT_API_URL": api, "VEILLE_DB": str(tmp_path / "w.duckdb"),
                   "VEILLE_WORK_DIR": str(tmp_path / "work"), "VEILLE_ARCHIVE_DIR": str(tmp_path / "archive"),
                   "VEILLE_REPORTS_DIR": str(tmp_path / "reports"), "VEILLE_DOWNLOAD_DELAY": "0"}
        with serve_mirror(DEMO / "day1") as mirror:
            done = subprocess.run([VEILLE, "run", "--mirror", mirror.url, "--sources", "xinhua-fr",
                                   "--as-of", "2026-01-05"], capture_output=True, text=True, env=run_env, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        request = urllib.request.Request(api + "/flow_runs/filter", data=json.dumps({"limit": 10}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as r:
            flow_runs = json.loads(r.read())
        states = [fr["state"]["type"] for fr in flow_runs]
        assert "COMPLETED" in states, states
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_cli_flow_runs_send_heartbeats_only_to_a_real_server(monkeypatch: pytest.MonkeyPatch) -> None:
    # a temporary server dies with the process, and waiting for the heartbeat thread cost a second a flow
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    from pipeline.cli.run_cmds import flow_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    default = get_current_settings().flows.heartbeat_frequency
    assert default is not None
    with temporary_settings(updates={PREFECT_API_URL: None}), flow_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}), flow_settings():
        assert get_current_settings().flows.heartbeat_frequency == default


def test_temporary_server_boots_answers_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.prefect_server import TemporaryServer

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = TemporaryServer()
    try:
        # the URL is in the environment at once, before the server answers: Prefect finds it when imported
        assert os.environ["PREFECT_API_URL"] == server.api
        api = server.ready()
        with urllib.request.urlopen(api + "/health", timeout=5) as r:
            assert r.status == 200
        proc = server.proc
    finally:
        server.stop()
    assert proc is not None and proc.poll() is not None
    assert "PREFECT_API_URL" not in os.environ


def test_the_watcher_tells_of_a_server_that_stops_answering_not_of_one_stopped(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A real temporary server, frozen (SIGSTOP): the watcher reports it once it has not answered for the
    given time. A second server stopped on purpose is not reported."""
    import threading

    from pipeline.prefect_server import TemporaryServer

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    told: list[str] = []
    heard = threading.Event()

    def on_gone(what: str) -> None:
        told.append(what)
        heard.set()

    frozen = TemporaryServer()
    try:
        frozen.ready()
        frozen.watch(on_gone, every=0.1, health_every=0.3, unresponsive=2.0)
        time.sleep(1.0)
        assert not told  # answering: nothing to say
        assert frozen.proc is not None
        os.kill(frozen.proc.pid, signal.SIGSTOP)
        assert heard.wait(30)
    finally:
        if frozen.proc is not None:
            os.kill(frozen.proc.pid, signal.SIGCONT)
        frozen.stop()
    assert len(told) == 1 and told[0].startswith("has not answered for "), told

    told.clear()
    stopped = TemporaryServer()
    try:
        stopped.ready()
        stopped.watch(on_gone, every=0.05)
    finally:
        stopped.stop()
    time.sleep(0.5)
    assert not told


def test_a_run_on_a_configured_server_is_told_when_it_stops_answering(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A real Prefect server given as PREFECT_API_URL (so not the run's own): while a flow's settings are in
    force, the run is told once the server, killed, has refused connections for the time allowed; a URL
    that never answered is not watched."""
    import threading

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline import prefect_server
    from pipeline.cli import run_cmds

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name, seconds in (("WATCH_SECONDS", 0.1), ("HEALTH_EVERY_SECONDS", 0.5), ("UNRESPONSIVE_SECONDS", 3.0),
                          ("REFUSED_SECONDS", 1.0)):
        monkeypatch.setattr(prefect_server, name, seconds)
    told: list[str] = []
    heard = threading.Event()

    def server_gone(what: str, server: str) -> None:  # the real one ends the process
        told.append(f"{server} {what}")
        heard.set()

    monkeypatch.setattr(run_cmds, "_server_gone", server_gone)
    elsewhere = prefect_server.TemporaryServer()
    try:
        api = elsewhere.ready()
        # the run below is given it as a configured server. Not through monkeypatch: its teardown would
        # put the URL of this server, stopped by then, back into the environment of the later tests
        os.environ.pop("PREFECT_API_URL", None)
        with temporary_settings(updates={PREFECT_API_URL: api}), run_cmds.flow_settings():
            time.sleep(1.5)
            assert not told  # answering: nothing to say
            assert elsewhere.proc is not None
            elsewhere.proc.kill()
            assert heard.wait(30)
    finally:
        elsewhere.stop()
    assert len(told) == 1 and told[0].startswith(f"the Prefect server at {api} has refused every connection for "), \
        told

    told.clear()
    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{_free_port()}/api"}), \
            run_cmds.flow_settings():
        time.sleep(4.0)  # past the 3 s a watched server may stay silent
    assert not told


def test_a_configured_prefect_api_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.prefect_server import api_configured

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert not api_configured(tmp_path)
    (home / "profiles.toml").write_text('[profiles.default]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n')
    assert api_configured(tmp_path)
    (home / "profiles.toml").unlink()
    (tmp_path / "prefect.toml").write_text('[api]\nurl = "http://10.0.0.5:4200/api"\n')
    assert api_configured(tmp_path)
    (tmp_path / "prefect.toml").unlink()
    monkeypatch.setenv("PREFECT_API_URL", "http://10.0.0.5:4200/api")
    assert api_configured(tmp_path)
