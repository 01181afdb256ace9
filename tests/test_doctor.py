"""`veille doctor`: exit 1 only for a broken configuration or warehouse; sources and Prefect are warnings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

from pipeline import warehouse
from pipeline.mirror import serve_mirror
from tests.conftest import VEILLE

HOLDER = textwrap.dedent("""
    import sys, time
    from pipeline import warehouse
    with warehouse.write(sys.argv[1], 5) as con:
        warehouse.migrate(con)
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_") and k != "PREFECT_API_URL"}
    # two sources keep it quick; every probe goes to a loopback mirror, never the internet
    base.update({"VEILLE_SOURCES": "xinhua-fr,people-fr", **env})
    return subprocess.run([VEILLE, "doctor", *args], capture_output=True, text=True, env=base, timeout=120)


def _migrated(path: Path) -> Path:
    with warehouse.write(path, 5) as con:
        warehouse.migrate(con)
    return path


def _dead_mirror() -> str:
    return f"http://127.0.0.1:{_free_port()}"


def test_healthy_warehouse_and_mirror_pass(db: Path, tmp_path: Path) -> None:
    _migrated(db)
    root = tmp_path / "mirror"
    for host in ("french.news.cn", "french.peopledaily.com.cn"):
        (root / host).mkdir(parents=True)
        (root / host / "index.html").write_text("<html><body>ok</body></html>")
    with serve_mirror(root) as server:
        done = doctor("--db", str(db), "--mirror", server.url)
    assert done.returncode == 0, done.stdout + done.stderr
    latest = max(v for v, _, _ in warehouse.migrations.available())
    assert f"OK      warehouse: {db}: schema version {latest}" in done.stdout
    assert f"source xinhua-fr: https://french.news.cn/ answers 200 through {server.url}" in done.stdout
    assert "WARNING" not in done.stdout and "ERROR" not in done.stdout


def test_a_broken_config_exits_1_naming_the_setting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("keep_archive_dayz = 3\n")
    done = doctor("--config", str(bad), "--mirror", _dead_mirror())
    assert done.returncode == 1
    assert "ERROR   configuration" in done.stdout and "keep_archive_dayz" in done.stdout
    wrong_type = doctor("--mirror", _dead_mirror(), VEILLE_KEEP_WORK_DAYS="soon")
    assert wrong_type.returncode == 1 and "keep_work_days" in wrong_type.stdout


def test_settings_that_load_but_cannot_work_are_errors(db: Path) -> None:
    _migrated(db)
    done = doctor("--db", str(db), "--mirror", _dead_mirror(), VEILLE_LOG_FORMAT="xml", VEILLE_TIMEZONE="Mars/Olympus",
                  VEILLE_KEEP_ARCHIVE_DAYS="-1")
    assert done.returncode == 1
    for word in ("log_format", "Mars/Olympus", "keep_archive_days"):
        assert word in done.stdout
    unknown = doctor("--db", str(db), "--mirror", _dead_mirror(), VEILLE_SOURCES="nope-xx")
    assert unknown.returncode == 1 and "unknown source 'nope-xx'" in unknown.stdout
    assert "Traceback" not in unknown.stderr


def test_a_mirror_that_is_down_is_a_warning(db: Path) -> None:
    _migrated(db)
    mirror = _dead_mirror()
    done = doctor("--db", str(db), "--mirror", mirror)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"WARNING source xinhua-fr: https://french.news.cn/ unreachable through {mirror}" in done.stdout
    assert "veille mirror serve" in done.stdout  # what to do about it


def test_prefect_api_down_is_a_warning(db: Path) -> None:
    _migrated(db)
    api = f"http://127.0.0.1:{_free_port()}/api"
    done = doctor("--db", str(db), "--mirror", _dead_mirror(), PREFECT_API_URL=api)
    assert done.returncode == 0
    assert f"WARNING prefect: {api} unreachable" in done.stdout and "veille serve" in done.stdout


def test_a_held_lock_shows_its_holder(db: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        done = doctor("--db", str(db), "--mirror", _dead_mirror(), VEILLE_READ_WAIT="0.3")
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"WARNING warehouse: held by pid {proc.pid} since" in done.stdout
    finally:
        proc.kill()
        proc.wait()


def test_warehouse_problems_are_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a database" * 1000)
    done = doctor("--db", str(garbage), "--mirror", _dead_mirror())
    assert done.returncode == 1 and "ERROR   warehouse" in done.stdout and "backup" in done.stdout
    old = tmp_path / "old.duckdb"
    with warehouse.write(old, 5) as con:
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
        con.execute("INSERT INTO schema_migrations VALUES (1, '001_core', now())")
    stale = doctor("--db", str(old), "--mirror", _dead_mirror())
    assert stale.returncode == 1 and "schema version 1" in stale.stdout and "veille migrate" in stale.stdout
    missing = doctor("--db", str(tmp_path / "none.duckdb"), "--mirror", _dead_mirror())
    assert missing.returncode == 0 and "does not exist yet" in missing.stdout


def test_a_directory_that_cannot_be_written_is_an_error_and_nothing_is_made(db: Path, tmp_path: Path) -> None:
    _migrated(db)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    done = doctor("--db", str(db), "--mirror", _dead_mirror(), VEILLE_WORK_DIR=str(blocker / "work"),
                  VEILLE_REPORTS_DIR=str(tmp_path / "new" / "reports"))
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if line.startswith("ERROR   directories:")]
    assert len(errors) == 1 and "work_dir" in errors[0] and "is a file, not a directory" in errors[0], errors
    assert not (tmp_path / "new").exists()  # doctor looks, it does not make
