"""The daily flow end to end: real Prefect flow runs, real Scrapy processes, a real mirror on 127.0.0.1.

Two runs over the bundled demo mirror (day 1, then day 2), checked against its manifest.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from pipeline import daily, sources, warehouse
from pipeline import settings as settings_mod
from pipeline.mirror import serve_mirror
from tests.conftest import finish_veille, run_veille, start_veille

pytestmark = pytest.mark.slow
DEMO = Path(str(resources.files("pipeline"))) / "demo_mirror"
MANIFEST: dict[str, Any] = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
SEED_SOURCES = {"sputnik-fr", "people-fr"}


@dataclass
class Runs:
    db: Path
    env: dict[str, str]
    day1_requests: list[str]
    day2_requests: list[str]
    day1_rows: list[dict[str, Any]]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update({"VEILLE_DB": str(tmp / "w.duckdb"), "VEILLE_WORK_DIR": str(tmp / "work"),
                "VEILLE_ARCHIVE_DIR": str(tmp / "archive"), "VEILLE_REPORTS_DIR": str(tmp / "reports"),
                "VEILLE_DOWNLOAD_DELAY": "0", "PREFECT_HOME": str(tmp / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    return env


def _veille(env: dict[str, str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    # under pytest's own limit (900 s), so that a hang fails with the stacks of the run's processes
    return run_veille(list(args), env, timeout)


def _articles(db: Path) -> list[dict[str, Any]]:
    with warehouse.read(db, 30) as con:
        cur = con.execute("SELECT id, url, source_id, title, text, published, language, story_id FROM articles")
        cols = [d[0] for d in cur.description or []]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _manifest_urls(day: str) -> dict[str, set[str]]:
    return {sid: {a["url"] for a in items} for sid, items in MANIFEST["days"][day]["sources"].items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    tmp = tmp_path_factory.mktemp("daily")
    env = _env(tmp)
    with serve_mirror(DEMO / "day1") as server:
        done = _veille(env, "run", "--mirror", server.url, "--as-of", MANIFEST["days"]["1"]["as_of"])
        day1_requests = list(server.requests)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    day1_rows = _articles(tmp / "w.duckdb")
    with serve_mirror(DEMO / "day2") as server:
        done = _veille(env, "run", "--mirror", server.url, "--as-of", MANIFEST["days"]["2"]["as_of"])
        day2_requests = list(server.requests)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield Runs(tmp / "w.duckdb", env, day1_requests, day2_requests, day1_rows)


def test_day1_stores_every_article_and_nothing_else(runs: Runs) -> None:
    expected = _manifest_urls("1")
    stored: dict[str, set[str]] = {}
    for row in runs.day1_rows:
        stored.setdefault(row["source_id"], set()).add(row["url"])
    for sid, urls in expected.items():
        assert stored.get(sid, set()) == urls, f"{sid}: missing {urls - stored.get(sid, set())}, " \
                                               f"extra {stored.get(sid, set()) - urls}"
    assert set(stored) <= set(expected)


def test_listing_pages_are_fetched_but_not_stored(runs: Runs) -> None:
    with warehouse.read(runs.db, 30) as con:
        kinds = dict(con.execute("SELECT kind, count(*) FROM pages GROUP BY 1").fetchall())
        not_articles = con.execute(
            "SELECT count(*) FROM pages p WHERE p.kind IN ('feed', 'listing', 'sitemap', 'json') "
            "AND p.url IN (SELECT url FROM articles)").fetchone()
    assert kinds.get("feed", 0) + kinds.get("listing", 0) > 0
    assert not_articles == (0,)


def test_day2_requests_no_day1_article_and_stores_every_new_one(runs: Runs) -> None:
    day1 = {u for urls in _manifest_urls("1").values() for u in urls}
    day1_paths = {"/" + u.split("://", 1)[1] for u in day1}
    assert not day1_paths & set(runs.day2_requests), "day 2 re-requested day-1 articles"
    stored = {r["url"] for r in _articles(runs.db)}
    expected = {u for urls in _manifest_urls("2").values() for u in urls}
    assert expected <= stored
    assert len(stored) == len({r["id"] for r in _articles(runs.db)})


def test_every_article_is_complete(runs: Runs) -> None:
    for row in _articles(runs.db):
        assert row["title"] and row["text"] and row["published"] and row["language"], row["url"]
        assert row["language"] == sources.get(row["source_id"]).language, row["url"]


def test_seeds_get_their_topics(runs: Runs) -> None:
    with warehouse.read(runs.db, 30) as con:
        tagged = dict(con.execute(
            "SELECT a.source_id, count(DISTINCT t.article_id) FROM article_topics t JOIN articles a "
            "ON a.id = t.article_id GROUP BY 1").fetchall())
    for sid in SEED_SOURCES & set(tagged) | SEED_SOURCES:
        assert tagged.get(sid, 0) >= 1, f"no topic match in {sid}, which carries a seed article"


def test_reports_were_written_and_recorded(runs: Runs) -> None:
    with warehouse.read(runs.db, 30) as con:
        reports = con.execute("SELECT paths FROM reports ORDER BY created").fetchall()
        alerts = con.execute("SELECT count(*) FROM alerts").fetchone()
    assert len(reports) == 2
    for (paths,) in reports:
        assert any(p.endswith(".html") for p in paths) and all(Path(p).exists() for p in paths)
    assert alerts is not None and alerts[0] >= 1


def test_a_run_keeps_the_story_features_it_read_for_the_next(runs: Runs) -> None:
    # day 2 restored what day 1 read and kept it with its own articles: every stored article's features
    from pipeline import daily, story_reading

    kept = Path(runs.env["VEILLE_WORK_DIR"]) / daily.STORY_FEATURES_FILE
    try:
        assert story_reading.restore_read_articles(kept) >= len(_articles(runs.db)) > len(runs.day1_rows)
    finally:
        story_reading.forget_read_articles()


def test_loading_the_same_batch_twice_leaves_one_row(runs: Runs, tmp_path: Path) -> None:
    cfg = settings_mod.load(None, environ=runs.env)
    crawl_dirs = sorted(Path(runs.env["VEILLE_WORK_DIR"]).glob("*/xinhua-fr"))
    assert crawl_dirs
    before = len(_articles(runs.db))
    for _ in range(2):
        daily.load(cfg, sources.get("xinhua-fr"), crawl_dirs[0], "reload-test", daily.today(cfg, "2026-01-05"))
    assert len(_articles(runs.db)) == before


def test_a_reader_during_a_run_succeeds(runs: Runs) -> None:
    env = dict(runs.env)
    with serve_mirror(DEMO / "day2") as server:
        proc = start_veille(["run", "--mirror", server.url, "--as-of", "2026-01-07"], env)
        answers = []
        try:
            while proc.poll() is None:
                q = _veille(env, "query", "--format", "csv", "select count(*) as n from articles", timeout=120)
                answers.append(q.returncode)
                time.sleep(0.5)
        finally:
            out, err = finish_veille(proc, 600)
    assert proc.returncode == 0, err[-2000:]
    assert answers and all(code == 0 for code in answers)


def test_reprocess_rebuilds_from_the_archive_without_changing_ids(runs: Runs) -> None:
    before = {r["id"]: (r["url"], r["story_id"]) for r in _articles(runs.db)}
    done = _veille(runs.env, "reprocess")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{len(before)} articles rebuilt" in done.stdout
    after = {r["id"]: (r["url"], r["story_id"]) for r in _articles(runs.db)}
    assert after == before


def test_keeping_or_restoring_story_features_never_fails_a_run(tmp_path: Path) -> None:
    # a work_dir that cannot be created (its parent is a file): nothing kept, nothing restored, no error
    from pipeline import daily, settings

    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    cfg = settings.load().with_overrides(work_dir=str(blocker / "work"))
    assert daily.keep_story_features(cfg) == 0
    assert daily.restore_story_features(cfg) == 0


def test_a_source_line_counts_in_words() -> None:
    one = daily.SourceResult("xinhua-fr", requests=1, articles=1, topic_matches=1, failures=1, not_stored=1)
    assert one.line() == "xinhua-fr: 1 request, 1 new article, 1 topic match, 1 page not stored, 1 failure"
    many = daily.SourceResult("xinhua-fr", requests=12, articles=0, topic_matches=5, failures=0, not_stored=2)
    assert many.line() == ("xinhua-fr: 12 requests, 0 new articles, 5 topic matches, 2 pages not stored, "
                           "0 failures")
    assert daily.SourceResult("xinhua-fr", error="crawl of xinhua-fr exited with status 1").line() == \
        "xinhua-fr: FAILED — crawl of xinhua-fr exited with status 1"
