"""Settings: defaults, user file, environment; every setting documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import settings
from tests.conftest import ROOT


def test_layers_override_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg_file = tmp_path / "veille.toml"
    cfg_file.write_text('db = "from-file.duckdb"\nread_wait = 5\ntimezone = "Asia/Shanghai"\n')
    loaded = settings.load(cfg_file, environ={"VEILLE_READ_WAIT": "7.5"})
    assert loaded.db == "from-file.duckdb"
    assert loaded.read_wait == 7.5
    assert loaded.timezone == "Asia/Shanghai"
    assert loaded.write_wait == settings.defaults()["write_wait"]


def test_working_directory_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "veille.toml").write_text("obey_robots = false\n")
    monkeypatch.chdir(tmp_path)
    assert settings.load(environ={}).obey_robots is False


def test_unknown_and_mistyped_settings_are_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_setting = 1\n")
    with pytest.raises(settings.SettingsError, match="no_such_setting"):
        settings.load(bad, environ={})
    with pytest.raises(settings.SettingsError, match="read_wait"):
        settings.load(None, environ={"VEILLE_READ_WAIT": "soon"})
    with pytest.raises(settings.SettingsError, match="not found"):
        settings.load(tmp_path / "missing.toml", environ={})


def test_readme_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([a-z_]+)`\s*\|", readme, flags=re.MULTILINE))
    missing = [name for name in settings.setting_names() if name not in documented]
    assert not missing, f"settings missing from the README table: {missing}"
    for name in settings.setting_names():
        assert f"VEILLE_{name.upper()}" in readme, f"README does not name VEILLE_{name.upper()}"
