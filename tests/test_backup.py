"""Backup and restore: a real warehouse goes out through `veille backup` and comes back equal, table by table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipeline import warehouse
from tests.conftest import VEILLE

HOLDER = textwrap.dedent("""
    import sys, time
    from pipeline import warehouse
    with warehouse.write(sys.argv[1], 5) as con:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update(extra)
    return env


def veille(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, *args], capture_output=True, text=True, env=_env(**env), timeout=120)


def _article(i: int, story: str) -> dict[str, object]:
    return {"id": f"a{i}", "url": f"https://french.news.cn/2026/{i}.htm", "canonical_url": f"https://french.news.cn/2026/{i}.htm",
            "source_id": "xinhua-fr", "title": f"Économie numérique {i} — « 数字经济 »", "text": f"Texte {i} l'été\nligne 2",
            "published": "2026-01-05T14:02:00+08:00", "date_source": "meta", "authors": ["Li Wei", "Marie O'Neil"],
            "language": "fr", "language_confidence": 0.9999, "content_hash": f"h{i}", "story_id": story,
            "first_seen": "2026-01-05T06:00:00+00:00", "last_seen": "2026-01-06T06:00:00+00:00",
            "method": "trafilatura", "flags": ["date-disagreement"] if i % 2 else []}


def fill(db: Path) -> None:
    """A warehouse with every kind of row a run leaves: sources, runs, pages, articles, topics, stories, alerts."""
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {
            "sources": [{"id": "xinhua-fr", "outlet": "xinhua", "language": "fr", "home_url": "https://french.news.cn/",
                         "enabled": True}],
            "crawl_runs": [{"id": "r1:xinhua-fr", "run_id": "r1", "source_id": "xinhua-fr", "as_of": "2026-01-05",
                            "started": "2026-01-05T06:00:00+00:00", "finished": "2026-01-05T06:01:00+00:00",
                            "status": "ok", "requests": 5, "responses_by_status": '{"200": 4, "404": 1}',
                            "new_articles": 3, "failures": 1, "bytes": 12345}],
            "pages": [{"id": f"p{i}", "crawl_run_id": "r1:xinhua-fr", "source_id": "xinhua-fr",
                       "url": f"https://french.news.cn/2026/{i}.htm", "final_url": f"https://french.news.cn/2026/{i}.htm",
                       "kind": "article", "status": 200 if i < 3 else 404, "fetched_at": "2026-01-05T06:00:30+00:00",
                       "etag": None, "last_modified": "Mon, 05 Jan 2026 06:00:00 GMT",
                       "warc_file": "/var/archive/r1-xinhua-fr.warc.gz", "warc_offset": 1000 * i,
                       "content_hash": f"c{i}", "bytes": 2048, "failure": None if i < 3 else "http 404"}
                      for i in range(4)],
            "articles": [_article(0, "st-a0"), _article(1, "st-a0"), _article(2, "st-a2")],
            "article_topics": [{"article_id": "a0", "topic": "digital-economy", "rules_version": "2026.01.1",
                                "score": 3.5, "evidence": ["économie numérique", "数字经济"]},
                               {"article_id": "a2", "topic": "smart-cities", "rules_version": "2026.01.1",
                                "score": 1.0, "evidence": []}],
            "revisions": [{"article_id": "a1", "revision": 1, "seen_at": "2026-01-06T06:00:00+00:00", "kind": "edited",
                           "content_hash": "h1b", "title": "t", "text": "x", "diff": "-a\n+b"}],
            "reports": [{"id": "rep1", "created": "2026-01-05T07:00:00+00:00", "since": None,
                         "until": "2026-01-05T07:00:00+00:00", "paths": ["var/reports/a.html"],
                         "deliveries": '[{"target": "mailto://***", "ok": false, "error": "refused"}]'}],
            "alerts": [{"topic": "digital-economy", "story_id": "st-a0", "report_id": "rep1", "kind": "new",
                        "article_id": "a0", "score": 3.5, "created": "2026-01-05T07:00:00+00:00"}],
        })


def tables(db: Path) -> dict[str, int]:
    with warehouse.read(db, 5) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # type: ignore[index]


def differences(a: Path, b: Path) -> dict[str, int]:
    """Rows of each table found in one file and not the other (both directions), by table."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'a'").fetchall()}
        other = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'b'").fetchall()}
        assert names == other
        out = {}
        for n in sorted(names):
            one = con.execute(f'SELECT count(*) FROM (SELECT * FROM a."{n}" EXCEPT ALL SELECT * FROM b."{n}")').fetchone()
            two = con.execute(f'SELECT count(*) FROM (SELECT * FROM b."{n}" EXCEPT ALL SELECT * FROM a."{n}")').fetchone()
            out[n] = (one[0] if one else 0) + (two[0] if two else 0)
        return out
    finally:
        con.close()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    db = tmp_path / "live.duckdb"
    fill(db)
    return db


def test_backup_then_restore_gives_every_table_back(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "backups" / "b1"
    done = veille("backup", str(out), "--db", str(filled))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == tables(filled)
    assert manifest["schema_version"] == max(v for v, _, _ in warehouse.migrations.available())
    assert manifest["veille_version"] and manifest["created_at"]
    assert manifest["tables"]["articles"] == 3 and manifest["tables"]["pages"] == 4

    restored = tmp_path / "elsewhere" / "restored.duckdb"
    back = veille("restore", str(out), "--db", str(restored))
    assert back.returncode == 0, back.stderr
    assert "row counts verified" in back.stdout
    diff = differences(filled, restored)
    assert set(diff) >= {"articles", "article_topics", "stories", "pages", "schema_migrations", "search_postings"}
    assert all(n == 0 for n in diff.values()), diff
    assert tables(restored) == tables(filled)
    with warehouse.read(restored, 5) as con:
        # the views came back too, and answer as before
        assert con.execute("SELECT count(*) FROM story_copies").fetchone() == (3,)
    # the restored file is a working warehouse: readers and the search work on it
    found = veille("search", "numérique", "--db", str(restored), "--format", "json")
    assert found.returncode == 0 and len(found.stdout.splitlines()) == 3


def test_differences_sees_a_changed_row(filled: Path, tmp_path: Path) -> None:
    # the equality check above must be able to fail
    out = tmp_path / "b"
    assert veille("backup", str(out), "--db", str(filled)).returncode == 0
    restored = tmp_path / "r.duckdb"
    assert veille("restore", str(out), "--db", str(restored)).returncode == 0
    with warehouse.write(restored, 5) as con:
        con.execute("UPDATE articles SET title = 'changed' WHERE id = 'a1'")
    assert differences(filled, restored)["articles"] == 2


def test_restore_refuses_a_warehouse_with_data_unless_forced(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert veille("backup", str(out), "--db", str(filled)).returncode == 0
    other = tmp_path / "other.duckdb"
    with warehouse.write(other, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": [_article(9, "st-a9")]})
    refused = veille("restore", str(out), "--db", str(other))
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1 and "--force" in refused.stderr
    assert tables(other)["articles"] == 1  # untouched
    forced = veille("restore", str(out), "--db", str(other), "--force")
    assert forced.returncode == 0, forced.stderr
    assert all(n == 0 for n in differences(filled, other).values())


def test_restore_checks_row_counts_and_leaves_nothing_when_they_differ(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert veille("backup", str(out), "--db", str(filled)).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"]["articles"] = 4
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    target = tmp_path / "new.duckdb"
    done = veille("restore", str(out), "--db", str(target))
    assert done.returncode == 1 and "articles" in done.stderr
    assert not target.exists()


def test_restore_of_something_else_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notabackup").mkdir()
    done = veille("restore", str(tmp_path / "notabackup"), "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 1 and "not a veille backup" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_backup_goes_into_a_new_directory_only(filled: Path, tmp_path: Path) -> None:
    busy = tmp_path / "full"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    done = veille("backup", str(busy), "--db", str(filled))
    assert done.returncode == 1 and "not an empty directory" in done.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["keep.txt"]
    missing = veille("backup", str(tmp_path / "b"), "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 1 and "no warehouse" in missing.stderr


def _hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_backup_takes_the_write_lock(filled: Path, tmp_path: Path) -> None:
    proc = _hold(filled, 30)
    try:
        done = veille("backup", str(tmp_path / "b"), "--db", str(filled), VEILLE_WRITE_WAIT="0.5")
        assert done.returncode == 1
        assert "warehouse busy since" in done.stderr and f"pid {proc.pid}" in done.stderr
        assert not (tmp_path / "b").exists()
        assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]
    finally:
        proc.kill()
        proc.wait()
    # a short hold is waited for
    proc = _hold(filled, 1.5)
    try:
        done = veille("backup", str(tmp_path / "b"), "--db", str(filled), VEILLE_WRITE_WAIT="30")
        assert done.returncode == 0, done.stderr
    finally:
        proc.wait(timeout=30)
