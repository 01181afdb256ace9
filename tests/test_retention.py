"""Retention: `veille prune` deletes old WARC files and old run directories by mtime, and nothing else."""

from __future__ import annotations

import gzip
import os
import subprocess
import time
from pathlib import Path

import pytest

from pipeline import settings as settings_mod
from pipeline import warehouse
from pipeline.archive import WarcArchive
from pipeline.reprocess import reprocess
from pipeline.retention import DAY, prune
from pipeline.settings import Settings
from pipeline.urls import article_id, canonical_url
from tests.conftest import FIXTURES, VEILLE

NOW = time.time()


def _age(path: Path, days: float) -> None:
    stamp = NOW - days * DAY
    os.utime(path, (stamp, stamp))


def _cfg(tmp: Path, **values: str) -> Settings:
    environ = {"VEILLE_DB": str(tmp / "w.duckdb"), "VEILLE_ARCHIVE_DIR": str(tmp / "archive"),
               "VEILLE_WORK_DIR": str(tmp / "work"), **values}
    return settings_mod.load(environ=environ)


def _layout(tmp: Path) -> dict[str, Path]:
    """An archive and a work directory with old and recent entries."""
    archive, work = tmp / "archive", tmp / "work"
    archive.mkdir()
    paths = {"old_warc": archive / "20251101T060000Z-1-xinhua-fr.warc.gz",
             "new_warc": archive / "20260105T060000Z-1-xinhua-fr.warc.gz",
             "old_plain_warc": archive / "old.warc",
             "not_warc": archive / "notes.txt"}
    for path in paths.values():
        path.write_bytes(b"x" * 100)
    for name in ("old_warc", "old_plain_warc", "not_warc"):
        _age(paths[name], 400)
    _age(paths["new_warc"], 2)
    outside = tmp / "outside.warc.gz"
    outside.write_bytes(b"y")
    _age(outside, 400)
    (archive / "link.warc.gz").symlink_to(outside)
    paths["outside"] = outside

    for run, days, fresh_inside in (("20251201T060000Z-11", 30, False), ("revisit-20251202T060000Z-12", 30, False),
                                    ("20260104T060000Z-13", 1, False), ("20251203T060000Z-14", 30, True)):
        run_dir = work / run / "xinhua-fr"
        run_dir.mkdir(parents=True)
        for name in ("pages.jsonl", "summary.json", "seen.txt"):
            (run_dir / name).write_text("{}\n")
            _age(run_dir / name, days)
        _age(run_dir, days)
        _age(work / run, days)
        if fresh_inside:  # a run still writing: its newest file is recent even though the folder is old
            (run_dir / "pages.jsonl").write_text("{}\n{}\n")
        paths[run] = work / run
    stray = work / "stray.txt"
    stray.write_text("a file, not a run")
    _age(stray, 400)
    paths["stray"] = stray
    return paths


def test_prune_removes_only_what_is_older_than_the_settings(tmp_path: Path) -> None:
    paths = _layout(tmp_path)
    cfg = _cfg(tmp_path, VEILLE_KEEP_ARCHIVE_DAYS="365", VEILLE_KEEP_WORK_DAYS="14")
    planned = prune(cfg, dry_run=True, now=NOW)
    assert all(p.exists() for p in paths.values())  # a dry run deletes nothing
    done = prune(cfg, now=NOW)
    removed = {Path(r.path) for r in done.removed}
    assert removed == {Path(r.path) for r in planned.removed}
    assert removed == {paths["old_warc"], paths["old_plain_warc"], paths["20251201T060000Z-11"],
                       paths["revisit-20251202T060000Z-12"]}
    assert not any(p.exists() for p in removed)
    for kept in ("new_warc", "not_warc", "outside", "20260104T060000Z-13", "20251203T060000Z-14", "stray"):
        assert paths[kept].exists(), kept
    assert (tmp_path / "archive" / "link.warc.gz").is_symlink()
    assert done.bytes == 2 * 100 + 2 * 3 * len("{}\n")  # two WARC files; two runs of three small files
    assert not done.errors
    # a second pass has nothing left to do
    assert prune(cfg, now=NOW).removed == []


def test_zero_keeps_forever(tmp_path: Path) -> None:
    paths = _layout(tmp_path)
    done = prune(_cfg(tmp_path, VEILLE_KEEP_ARCHIVE_DAYS="0", VEILLE_KEEP_WORK_DAYS="0"), now=NOW)
    assert done.removed == [] and len(done.kept_forever) == 2
    assert all(p.exists() for p in paths.values())


def test_default_keeps_the_archive_and_prunes_old_runs(tmp_path: Path) -> None:
    paths = _layout(tmp_path)
    cfg = _cfg(tmp_path)
    assert cfg.keep_archive_days == 0 and cfg.keep_work_days == 14
    done = prune(cfg, now=NOW)
    assert {r.kind for r in done.removed} == {"work"}
    assert paths["old_warc"].exists()


def test_cli_prune_prints_what_it_removed(tmp_path: Path) -> None:
    paths = _layout(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update({"VEILLE_ARCHIVE_DIR": str(tmp_path / "archive"), "VEILLE_WORK_DIR": str(tmp_path / "work"),
                "VEILLE_KEEP_ARCHIVE_DAYS": "30"})
    dry = subprocess.run([VEILLE, "prune", "--dry-run"], capture_output=True, text=True, env=env, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert f"would remove archive {paths['old_warc']}" in dry.stdout
    assert paths["old_warc"].exists()
    real = subprocess.run([VEILLE, "prune"], capture_output=True, text=True, env=env, timeout=60)
    assert real.returncode == 0, real.stderr
    assert f"removed archive {paths['old_warc']}" in real.stdout
    assert f"removed work {paths['20251201T060000Z-11']}" in real.stdout
    assert real.stdout.strip().splitlines()[-1].startswith("removed 2 archive files and 2 work directories")
    assert not paths["old_warc"].exists()
    env["VEILLE_KEEP_WORK_DAYS"] = "-3"
    bad = subprocess.run([VEILLE, "prune"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 1 and "keep_work_days" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_a_file_that_cannot_be_removed_is_reported_and_the_rest_goes(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may delete anything")
    paths = _layout(tmp_path)
    locked = tmp_path / "archive" / "locked"
    locked.mkdir()
    stuck = locked / "a.warc.gz"
    stuck.write_bytes(b"z")
    _age(stuck, 400)
    locked.chmod(0o500)
    try:
        done = prune(_cfg(tmp_path, VEILLE_KEEP_ARCHIVE_DAYS="30"), now=NOW)
    finally:
        locked.chmod(0o700)
    assert len(done.errors) == 1 and str(stuck) in done.errors[0]
    assert not paths["old_warc"].exists() and stuck.exists()


PAGE = FIXTURES / "sources" / "people-fr_2026_01_05.html.gz"
URLS = ["http://french.peopledaily.com.cn/Chine/n3/2026/0105/c31354-32592142.html",
        "http://french.peopledaily.com.cn/Chine/n3/2026/0104/c31354-32592100.html"]


def test_reprocess_and_show_survive_a_pruned_archive_file(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, VEILLE_KEEP_ARCHIVE_DAYS="30")
    body = gzip.decompress(PAGE.read_bytes())
    warcs = [tmp_path / "archive" / "r-old-people-fr.warc.gz", tmp_path / "archive" / "r-new-people-fr.warc.gz"]
    pages, articles = [], []
    for n, (url, warc) in enumerate(zip(URLS, warcs, strict=True)):
        with WarcArchive(warc) as out:
            offset = out.write_response(url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], body)
        aid = article_id(url)
        pages.append({"id": f"p{n}", "source_id": "people-fr", "url": url, "final_url": url, "kind": "article",
                      "status": 200, "fetched_at": "2026-01-05T06:00:00+00:00", "warc_file": str(warc),
                      "warc_offset": offset})
        articles.append({"id": aid, "url": url, "canonical_url": canonical_url(url), "source_id": "people-fr",
                         "title": "old title", "text": "old text", "story_id": f"st-{aid}",
                         "first_seen": "2026-01-05T06:00:00+00:00", "last_seen": "2026-01-05T06:00:00+00:00"})
    with warehouse.write(cfg.db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"pages": pages, "articles": articles})
    _age(warcs[0], 90)

    done = prune(cfg)
    assert [Path(r.path) for r in done.removed] == [warcs[0]]

    result = reprocess(cfg)
    assert (result.pages, result.articles, result.skipped) == (2, 1, 1)
    with warehouse.read(cfg.db, 5) as con:
        rows = dict(con.execute("SELECT url, title FROM articles").fetchall())
        kept = con.execute("SELECT warc_file FROM pages WHERE url = ?", [URLS[0]]).fetchone()
    assert rows[URLS[0]] == "old title"          # its bytes are gone: left as it was
    assert rows[URLS[1]] != "old title"          # rebuilt from the file still there
    assert kept == (str(warcs[0]),)              # the page keeps its reference
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    shown = subprocess.run([VEILLE, "show", article_id(URLS[0]), "--db", cfg.db], capture_output=True, text=True,
                           env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "old title" in shown.stdout
