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


_API_BEFORE = pytest.StashKey[str | None]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_API_BEFORE] = os.environ.get("PREFECT_API_URL")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test leaves PREFECT_API_URL as it found it once its fixtures (monkeypatch's undo included) are torn
    down: a later test's `veille` would otherwise take the URL of a server stopped by then for a
    configured one, and fail far from the cause."""
    yield
    before, after = item.stash.get(_API_BEFORE, None), os.environ.get("PREFECT_API_URL")
    if after != before:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        raise AssertionError(f"{item.nodeid} left PREFECT_API_URL={after!r} (it was {before!r})")


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


def start_veille(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """`veille ARGS` started in a process group of its own (its crawls and Prefect server with it)."""
    return subprocess.Popen([VEILLE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def finish_veille(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """The output of a `start_veille` process once it ends. One still running after `timeout` seconds fails
    the test with the stacks of its processes (SIGUSR1: veille and its crawls print them), so that a hang
    says where it waited; then the whole group is killed."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGUSR1)
            time.sleep(3)
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(map(str, proc.args))} still running after {timeout:.0f} s; its output and "
                    f"stacks:\n{out[-5000:]}\n{err[-40000:]}")


def run_veille(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`veille ARGS` to its end (see finish_veille for one that does not end)."""
    proc = start_veille(args, env)
    out, err = finish_veille(proc, timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def child_processes(pid: int) -> dict[int, str]:
    """The live child processes of `pid`, with their command lines (from /proc)."""
    out: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rpartition(")")[2].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return out
