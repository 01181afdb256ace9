"""An installed wheel works on its own: CLI, migrations, flows, spiders and package data inside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("veille-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for wanted in ("pipeline/sql/migrations/001_core.sql", "pipeline/sql/views/story_copies.sql", "pipeline/defaults.toml", "flows/daily.py",
                   "spiders/settings.py", "pipeline/templates/report.html.j2"):
        assert wanted in names, f"{wanted} not in the wheel"
    assert not any(n.endswith(".duckdb") for n in names)

    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c",
                          str(ROOT / "constraints.txt"), str(wheel)], capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-2000:]
    veille = str(venv / "bin" / "veille")
    # run from an empty directory so nothing of the checkout can be picked up
    helped = subprocess.run([veille, "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert helped.returncode == 0 and "migrate" in helped.stdout
    db = tmp_path / "w.duckdb"
    for _ in range(2):
        migrated = subprocess.run([veille, "migrate", "--db", str(db)], capture_output=True, text=True,
                                  cwd=tmp_path, timeout=300)
        assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    counted = subprocess.run([veille, "query", "--db", str(db), "--format", "csv",
                              "select count(*) as n from schema_migrations"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=300)
    assert counted.stdout.splitlines()[1] == str(len(list((ROOT / "warehouse" / "migrations").glob("*.sql"))))
