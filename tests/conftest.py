"""Shared fixtures: an isolated working directory and environment per test."""

from __future__ import annotations

import os
import shutil
import sys
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
