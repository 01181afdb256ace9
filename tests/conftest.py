"""Shared fixtures: an isolated working directory and environment per test."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
VEILLE = str(Path(sys.executable).parent / "veille")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No VEILLE_* variable or ./veille.toml leaks into a test; Prefect stays project-local."""
    for key in list(os.environ):
        if key.startswith("VEILLE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PREFECT_HOME", str(ROOT / "var" / "prefect-test"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    yield


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A path for a fresh warehouse file."""
    return tmp_path / "w.duckdb"


def have_chromium() -> str | None:
    """The Chromium binary, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_veille(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`veille ARGS` to its end; one still running after `timeout` seconds fails the test with the stacks
    of its processes (SIGUSR1: veille and its crawls print them), so that a hang says where it waited."""
    proc = subprocess.Popen([VEILLE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGUSR1)
            time.sleep(3)
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"veille {' '.join(args)} still running after {timeout:.0f} s; its output and stacks:\n"
                    f"{out[-5000:]}\n{err[-40000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
