"""Crash safety: a `veille run` killed (SIGKILL, whole process group) at a real point of its work, then run again.

Each kill point is observed from the run's own files (a growing pages.jsonl, a finished crawl's summary.json,
the holder file the warehouse writer puts beside the DuckDB file), never from a sleep. After the second run the
warehouse must hold what the demo manifest lists, once each, with no stuck lock and no half-written batch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from pipeline import warehouse
from pipeline.archive import iter_records, read_record
from pipeline.crawl_output import read_pages
from pipeline.mirror import MirrorServer, serve_mirror
from pipeline.process import build_batch
from pipeline.sources import get as get_source
from pipeline.topics import Tagger, load_rules
from pipeline.warehouse.connection import holder_path
from pipeline.warehouse.load import KEYS
from tests.conftest import VEILLE, run_veille

pytestmark = pytest.mark.slow
DEMO = Path(str(resources.files("pipeline"))) / "demo_mirror"
MANIFEST: dict[str, Any] = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
AS_OF = MANIFEST["days"]["1"]["as_of"]
SOURCES = ("xinhua-fr", "sputnik-fr")
POLL = 0.005


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update({"VEILLE_DB": str(tmp / "w.duckdb"), "VEILLE_WORK_DIR": str(tmp / "work"),
                "VEILLE_ARCHIVE_DIR": str(tmp / "archive"), "VEILLE_REPORTS_DIR": str(tmp / "reports"),
                "VEILLE_DOWNLOAD_DELAY": "0", "VEILLE_WRITE_WAIT": "5", "VEILLE_READ_WAIT": "5",
                "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    return env


def _argv(mirror: str) -> list[str]:
    return [VEILLE, "run", "--mirror", mirror, "--sources", ",".join(SOURCES), "--as-of", AS_OF]


def _expected_urls() -> set[str]:
    days = MANIFEST["days"]["1"]["sources"]
    return {a["url"] for sid in SOURCES for a in days[sid]}


def _crawl_dirs(tmp: Path) -> list[Path]:
    return [d for d in (tmp / "work").glob("*/*") if d.is_dir()]


def _pages_lines(tmp: Path) -> int:
    best = 0
    for d in _crawl_dirs(tmp):
        try:
            best = max(best, (d / "pages.jsonl").read_bytes().count(b"\n"))
        except OSError:
            continue
    return best


def _a_crawl_finished(tmp: Path) -> bool:
    return any((d / "summary.json").is_file() for d in _crawl_dirs(tmp))


def _holder(tmp: Path) -> bool:
    return holder_path(tmp / "w.duckdb").exists()


# name -> the state at which the run is killed
KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    # mid-crawl: a crawl has recorded a few pages (the WARC and pages.jsonl are open and growing)
    "crawl": lambda tmp: _pages_lines(tmp) >= 3,
    # a crawl has just finished: its pages are being cleaned, tagged and grouped (no write lock yet)
    "cleaning": _a_crawl_finished,
    # the writer has just opened the warehouse for a source's batch: the staged MERGE is under way
    "load": lambda tmp: _a_crawl_finished(tmp) and _holder(tmp),
}


def _kill_when(env: dict[str, str], mirror: str, tmp: Path, ready: Callable[[Path], bool]) -> None:
    """Start a run in its own process group and SIGKILL the whole group as soon as `ready(tmp)` holds."""
    proc = subprocess.Popen(_argv(mirror), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while not ready(tmp):
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"the run ended (status {proc.returncode}) before the kill point:\n{out[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the kill point never came")
            time.sleep(POLL)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=60)
        if proc.stdout:
            proc.stdout.close()
    # every process of the group is gone before the second run starts (a surviving crawl would skew it)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("processes of the killed run survived SIGKILL")


def _table_counts(db: Path) -> dict[str, tuple[int, int]]:
    """Per keyed table: (rows, distinct keys)."""
    out: dict[str, tuple[int, int]] = {}
    with warehouse.read(db, 30) as con:
        for table, keys in KEYS.items():
            row = con.execute(f"SELECT count(*), count(DISTINCT ({', '.join(keys)})) FROM {table}").fetchone()
            assert row is not None
            out[table] = (int(row[0]), int(row[1]))
    return out


@pytest.fixture(scope="module")
def mirror() -> Iterator[MirrorServer]:
    with serve_mirror(DEMO / "day1") as server:
        yield server


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_run_then_rerun_equals_a_clean_run(point: str, mirror: MirrorServer, tmp_path: Path) -> None:
    env = _env(tmp_path)
    db = tmp_path / "w.duckdb"
    _kill_when(env, mirror.url, tmp_path, KILL_POINTS[point])

    # no stuck lock: the holder (if left) names a dead process, and a writer gets the file at once
    assert warehouse.holder(db) is None
    if db.exists():
        with warehouse.write(db, 0) as con:
            con.execute("SELECT 1").fetchall()
        doctor = subprocess.run([VEILLE, "doctor"], env=env, capture_output=True, text=True, timeout=120)
        assert "held by pid" not in doctor.stdout + doctor.stderr, doctor.stdout + doctor.stderr
        # no half-written batch: a source's articles are there only with its crawl_runs row
        with warehouse.read(db, 5) as con:
            orphans = con.execute(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = a.url)"
            ).fetchone()
            runs = {r[0] for r in con.execute("SELECT source_id FROM crawl_runs").fetchall()}
            loaded = {r[0] for r in con.execute("SELECT DISTINCT source_id FROM articles").fetchall()}
        assert orphans == (0,)
        assert loaded <= runs

    done = run_veille(_argv(mirror.url)[1:], env, 600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    with warehouse.read(db, 30) as con:
        urls = [r[0] for r in con.execute("SELECT url FROM articles").fetchall()]
        topics_without_article = con.execute(
            "SELECT count(*) FROM article_topics t WHERE t.article_id NOT IN (SELECT id FROM articles)").fetchone()
        unfinished = con.execute("SELECT count(*) FROM crawl_runs WHERE finished IS NULL").fetchone()
    assert len(urls) == len(set(urls)), "an article is stored twice"
    expected = _expected_urls()
    assert set(urls) == expected, f"missing {expected - set(urls)}, extra {set(urls) - expected}"
    assert topics_without_article == (0,)
    assert unfinished == (0,)
    for table, (rows, keys) in _table_counts(db).items():
        assert rows == keys, f"{table}: {rows} rows for {keys} keys"
    assert warehouse.holder(db) is None and not holder_path(db).exists()
    with warehouse.write(db, 0) as con:
        con.execute("SELECT 1").fetchall()


def test_a_crawl_killed_mid_write_leaves_readable_output(mirror: MirrorServer, tmp_path: Path) -> None:
    """What a killed crawl leaves (pages.jsonl and the WARC possibly cut mid-write) loads without raising."""
    env = _env(tmp_path)
    _kill_when(env, mirror.url, tmp_path, lambda tmp: _pages_lines(tmp) >= 5)
    crawl_dir = max(_crawl_dirs(tmp_path), key=lambda d: (d / "pages.jsonl").stat().st_size
                    if (d / "pages.jsonl").exists() else -1)
    pages_file = crawl_dir / "pages.jsonl"
    # cut the last line and the last WARC record as a kill in the middle of a write would
    raw = pages_file.read_bytes()
    pages_file.write_bytes(raw[:-7])
    warcs = sorted((tmp_path / "archive").glob(f"*-{crawl_dir.name}.warc.gz"))
    assert warcs
    warc_raw = warcs[0].read_bytes()
    warcs[0].write_bytes(warc_raw[: len(warc_raw) - 40])

    records = list(read_pages(crawl_dir))
    assert records and all("url" in r for r in records)
    archived = list(iter_records(warcs[0]))  # stops at the cut record instead of raising
    assert archived
    for page in records:
        if page.get("warc_offset") is not None and page["warc_offset"] < len(warc_raw) - 4096:
            assert read_record(page["warc_file"], page["warc_offset"]).status == page["status"]
    batch = build_batch(crawl_dir, get_source(crawl_dir.name), crawl_dir.parent.name, AS_OF, Tagger(load_rules()), [])
    assert batch.rows["crawl_runs"][0]["status"] == "failed"  # no summary.json: the crawl never finished
    assert len(batch.rows["pages"]) == len(records)
