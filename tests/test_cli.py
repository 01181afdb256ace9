"""The CLI contract: every command exists, shows an example, is in the README; exit statuses."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pipeline.cli import build_parser
from tests.conftest import ROOT, VEILLE

CONTRACT = ["demo", "run", "extract", "language", "topics", "classify", "dedup", "query", "search", "report",
            "show", "doctor", "mirror", "sources", "backfill", "reprocess", "revisions"]


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)  # type: ignore[arg-type]


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_help_lists_every_contract_command() -> None:
    out = run("--help").stdout
    for name in CONTRACT:
        assert re.search(rf"^\s+{name}\b", out, flags=re.MULTILINE), f"{name} missing from veille --help"


@pytest.mark.parametrize("name", _commands())
def test_every_command_has_an_example_and_the_common_flags(name: str) -> None:
    out = run(name, "--help").stdout
    assert "example:" in out and f"veille {name}" in out
    assert "--config" in out and "--db" in out


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"`veille {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_query_formats(tmp_path: Path) -> None:
    db = tmp_path / "q.duckdb"
    assert run("migrate", "--db", str(db)).returncode == 0
    sql = "select 'xinhua-fr' as source_id, 'Coopération 数字' as title, 2 as n"
    as_json = run("query", "--db", str(db), "--format", "json", sql)
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout) == {"source_id": "xinhua-fr", "title": "Coopération 数字", "n": 2}
    assert "\\u" not in as_json.stdout
    as_csv = run("query", "--db", str(db), "--format", "csv", sql).stdout.splitlines()
    assert as_csv == ["source_id,title,n", "xinhua-fr,Coopération 数字,2"]
    table = run("query", "--db", str(db), sql).stdout
    assert "source_id" in table and "(1 row)" in table


def test_query_is_read_only_and_errors_are_one_line(tmp_path: Path) -> None:
    db = tmp_path / "q.duckdb"
    run("migrate", "--db", str(db))
    write = run("query", "--db", str(db), "delete from articles")
    assert write.returncode == 1 and len(write.stderr.strip().splitlines()) == 1
    missing = run("query", "--db", str(tmp_path / "nope.duckdb"), "select 1")
    assert missing.returncode == 1 and "no warehouse" in missing.stderr


def test_misuse_exits_2() -> None:
    assert run("query").returncode == 2
    assert run("no-such-command").returncode == 2


def test_bad_config_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = true\n")
    done = run("sources", "--config", str(bad))
    assert done.returncode == 1 and "nonsense" in done.stderr


@pytest.mark.parametrize("setting", ["db", "work_dir", "reports_dir"])
def test_a_run_that_cannot_write_a_directory_says_which_before_it_starts(tmp_path: Path, setting: str) -> None:
    """A directory setting under a regular file (unusable even by root): one line naming the setting,
    status 1, and nothing started (Prefect's home is not even made)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    places = {"db": str(tmp_path / "w.duckdb"), "work_dir": str(tmp_path / "work"),
              "reports_dir": str(tmp_path / "reports")}
    places[setting] = str(blocker / ("w.duckdb" if setting == "db" else "sub"))
    args = ["run", "--sources", "xinhua-fr", "--mirror", "http://127.0.0.1:9", "--db", places["db"]]
    env = {"PATH": "/usr/bin:/bin", "VEILLE_WORK_DIR": places["work_dir"], "VEILLE_REPORTS_DIR": places["reports_dir"],
           "VEILLE_ARCHIVE_DIR": str(tmp_path / "archive"), "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run([VEILLE, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and "cannot be written" in lines[0], lines
    assert not (tmp_path / "prefect").exists()


def test_db_flag_and_env_agree(tmp_path: Path) -> None:
    db = tmp_path / "env.duckdb"
    done = subprocess.run([VEILLE, "migrate"], capture_output=True, text=True, env={"VEILLE_DB": str(db), "PATH": ""},
                          cwd=tmp_path)
    assert done.returncode == 0 and db.exists()
