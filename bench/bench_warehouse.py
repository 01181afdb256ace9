"""Warehouse loading and query latency at 100k (and 1M) articles of realistic size.

Rows are generated, not crawled: each article's text (~3 KB) joins real
sentences (SIB-200 and the seeds, the pools of bench/make_mirror.py) in its
edition's language; topics, stories and crawl runs are generated beside them
so that every view has something to join. Loading goes through the one write
path (`merge_rows`, batches of 10k); the bulk-load measure times the same
articles again in one staged MERGE and in those batches, on new files; the
baseline is a row-by-row INSERT on a small sample, whose rate is
extrapolated. Each tier ends with the growth measure (`growth`): one day's
new articles assigned to stories and loaded the way the daily run does it,
with the same story window whatever the tier, so
the tiers differ only by what is stored; `--growth-on` runs it alone on a kept
warehouse (an A/B of two versions on copies of one file).

    .venv/bin/python bench/bench_warehouse.py [--articles 100000] [--batch 10000] [--row-sample 2000] [--dir var/bench]
    .venv/bin/python bench/bench_warehouse.py --growth-on var/bench/tier-100000.duckdb [--round 1]

The last stdout line is a JSON object (bench/run.py reads it).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_SHARED, emit, peak_rss_mb, warm_story_reading  # noqa: E402  (sibling bench module)
from make_mirror import sentence_pools  # noqa: E402

from pipeline import stories as stories_module  # noqa: E402
from pipeline.seen import write_seen  # noqa: E402
from pipeline.sources import all_sources  # noqa: E402
from pipeline.stories import Doc, assign_stories  # noqa: E402
from pipeline.topics import load_rules  # noqa: E402
from pipeline.urls import canonical_url  # noqa: E402
from pipeline.warehouse import (  # noqa: E402
    merge_batch,
    merge_rows,
    migrate,
    read,
    recent_articles,
    search,
    seen_urls,
    write,
)

TEXT_BYTES = 3000
START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 30
WINDOW_DAYS = 3                         # the daily run's story window (defaults.toml story_window_days)
BULK_MAX = 100_000                      # the bulk-load measure runs on tiers up to this size (the 100k)
COPY_SHARE = 0.2                        # articles that join an earlier story (copies, translations)
VIEWS: dict[str, str] = {
    "daily_topic_counts": "SELECT * FROM daily_topic_counts",
    "latest_matches": "SELECT * FROM latest_matches",
    "source_health": "SELECT * FROM source_health",
    # analysts open the copies of recent stories, not all 100k rows at once
    "story_copies": ("SELECT * FROM story_copies WHERE story_id IN (SELECT id FROM stories "
                     "WHERE article_count > 1 ORDER BY last_seen DESC LIMIT 50)"),
}
BASELINE_SQL = "SELECT count(*), sum(length(text)) FROM articles"
FTS_QUERY = "économie numérique"
# more shapes of query, reported beside the headline one: a Chinese bigram, a kept digit term, a
# common word (long postings), and the headline query behind a source filter
MORE_QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "zh bigram": ("数字", {}),
    "digits": ("5G", {}),
    "common word": ("le", {}),
    "filtered by source": (FTS_QUERY, {"sources": ["xinhua-fr"]}),
}


class Generator:
    """Deterministic article, topic and story rows; article k is the same whatever the batch size."""

    def __init__(self, shared: Path, seed: int) -> None:
        pools = sentence_pools(shared)
        self.pools = {lang: [s for _, s in rows] for lang, rows in pools.items()}
        # the stored URL as a load stores it, canonical (https, no www): a seen-URL cache keeps only those
        self.sources = [(s.id, s.language, canonical_url(s.home_url).rstrip("/")) for s in all_sources()]
        self.topics = [t.id for t in load_rules().topics]
        self.seed = seed

    def article(self, k: int, prefix: str = "a") -> dict[str, Any]:
        rng = random.Random(self.seed * 1_000_003 + k)
        source_id, lang, home = self.sources[k % len(self.sources)]
        pool = self.pools[lang]
        joiner = "" if lang == "zh" else " "
        parts: list[str] = []
        size = 0
        while size < TEXT_BYTES:
            sentence = pool[rng.randrange(len(pool))]
            parts.append(sentence)
            size += len(sentence.encode()) + 1
        paras = [joiner.join(parts[i:i + 3]) for i in range(0, len(parts), 3)]
        text = "\n".join(paras)
        aid = hashlib.sha256(f"{prefix}{k}".encode()).hexdigest()[:20]
        published = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        seen = published + timedelta(minutes=rng.randrange(5, 180))
        title = min(parts[:6], key=len)[:140]
        return {
            "id": aid, "url": f"{home}/bench/{prefix}{k}.html", "canonical_url": f"{home}/bench/{prefix}{k}.html",
            "source_id": source_id, "title": title, "text": text, "published": published.isoformat(),
            "date_source": "meta", "authors": ["Rédaction"] if rng.random() < 0.3 else [], "language": lang,
            "language_confidence": round(0.9 + rng.random() * 0.099, 4),
            "content_hash": hashlib.sha256(text.encode()).hexdigest()[:32],
            "story_id": None, "first_seen": seen.isoformat(), "last_seen": seen.isoformat(),
            "method": "trafilatura", "flags": [],
        }

    def batch(self, lo: int, hi: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Articles lo..hi-1 with story ids, and their topic rows."""
        articles, topics = [], []
        for k in range(lo, hi):
            row = self.article(k)
            rng = random.Random(k)
            # a copy joins the story of an earlier article (same k-derived id whatever the batching)
            head = rng.randrange(k) if k and rng.random() < COPY_SHARE else k
            row["story_id"] = "st-" + hashlib.sha256(f"a{head}".encode()).hexdigest()[:20]
            articles.append(row)
            for topic in rng.sample(self.topics, rng.choice((0, 0, 1, 1, 1, 2, 3))):
                topics.append({"article_id": row["id"], "topic": topic, "rules_version": "bench",
                               "score": round(1 + rng.random() * 3, 4), "evidence": ["terme", "mot"]})
        return articles, topics


def crawl_runs(sources: list[str]) -> list[dict[str, Any]]:
    """Four runs a day per source over the whole period."""
    rows = []
    for day in range(DAYS):
        for slot in range(4):
            started = START + timedelta(days=day, hours=6 * slot)
            for sid in sources:
                rows.append({"id": f"r{day}-{slot}:{sid}", "run_id": f"r{day}-{slot}", "source_id": sid,
                             "as_of": started.date().isoformat(), "started": started.isoformat(),
                             "finished": (started + timedelta(minutes=7)).isoformat(), "status": "ok",
                             "requests": 120, "responses_by_status": '{"200": 118, "404": 2}',
                             "new_articles": 40, "failures": 2, "bytes": 4_000_000, "error": None})
    return rows


def stories_sql() -> str:
    """Stories derived from their articles, as the loader keeps them (one DELETE, one INSERT ... SELECT)."""
    # the bench loads articles in bulk and derives every story once at the end (the table has no key to
    # upsert on: migration 008)
    return ("DELETE FROM stories; INSERT INTO stories SELECT story_id, arg_min(id, first_seen), min(first_seen), "
            "max(last_seen), arg_min(title, first_seen), list_distinct(list(split_part(source_id, '-', 1))), "
            "list_distinct(list(language)), count(*) FROM articles GROUP BY story_id")


def latency(con: duckdb.DuckDBPyConnection, fn: Callable[[duckdb.DuckDBPyConnection], Any],
            repeat: int = 5) -> dict[str, float]:
    """Cold (first) and median warm latency in milliseconds."""
    times = []
    rows = 0
    for _ in range(repeat + 1):
        start = time.perf_counter()
        result = fn(con)
        times.append((time.perf_counter() - start) * 1000)
        rows = len(result) if isinstance(result, list) else rows
    return {"cold_ms": round(times[0], 2), "median_ms": round(statistics.median(times[1:]), 2), "rows": rows}


def row_by_row(gen: Generator, db: Path, n: int) -> dict[str, Any]:
    """INSERT one row per statement (autocommit), the way a naive loader would."""
    rows = [gen.article(k, prefix="r") for k in range(n)]
    for row in rows:
        row["story_id"] = "st-" + row["id"]
    columns = list(rows[0])
    sql = f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    with write(db, wait=5) as con:
        migrate(con)
        start = time.perf_counter()
        for row in rows:
            con.execute(sql, [row[c] for c in columns])
        seconds = time.perf_counter() - start
    return {"rows": n, "seconds": seconds, "rows_per_s": n / seconds}


def _remove(db: Path) -> None:
    """A bench database and its write-ahead log, gone."""
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)


def bulk_load(gen: Generator, db: Path, n: int, batch: int) -> dict[str, Any]:
    """n articles through merge_rows in batches into a new file, the closing checkpoint included.

    Articles only, so that the figure is the write path's own; the checkpoint is where DuckDB
    compresses what its write-ahead log holds, so a load is not done until it has run.
    """
    _remove(db)
    seconds = 0.0
    with write(db, wait=5) as con:
        migrate(con)
        for lo, hi in _batches(n, batch):
            articles, _ = gen.batch(lo, hi)
            start = time.perf_counter()
            merge_rows(con, "articles", articles)
            seconds += time.perf_counter() - start
        start = time.perf_counter()
        con.execute("CHECKPOINT")
        checkpoint = time.perf_counter() - start
    _remove(db)
    total = seconds + checkpoint
    return {"articles": n, "batch": batch, "seconds": total, "checkpoint_seconds": checkpoint, "rows_per_s": n / total}


def daily_load(gen: Generator, db: Path, new: int, repeats: int = 3) -> dict[str, Any]:
    """One day's new work of a fixed size through the real write path, on a warehouse already loaded.

    The seen-URL reads the crawls need (one per source, once) and `merge_batch` (articles, topics,
    search index, stories in one transaction) are timed apart: the first scans the stored URLs by
    design, the second should cost the same whatever the warehouse holds.
    The load runs `repeats` times with fresh articles, each in its own connection (as
    each day's load opens the warehouse); the median is reported (single loads vary by ~30%).
    """
    merges: list[float] = []
    with read(db, wait=5) as con:
        # what the crawl of each source is given (pipeline.daily.prepare_crawl): its own URLs and any
        # other source's on its hosts
        start = time.perf_counter()
        per_source = {source.id: seen_urls(con, source.id, source.domains) for source in all_sources()}
        seen_s = time.perf_counter() - start
    seen = set().union(*per_source.values())
    for rnd in range(repeats):
        # a day's new articles are first seen that day (the load stamps them with the run's time), after
        # everything stored: what lets the story refresh skip older row groups
        day = START + timedelta(days=DAYS + 1 + rnd)
        articles, topics = [], []
        for k in range(new):
            row = _dated(gen.article(k, prefix=f"day{rnd}-"), day + timedelta(seconds=k))
            row["story_id"] = "st-" + row["id"]
            articles.append(row)
            topics.append(_topic(gen, k, row["id"]))
        with write(db, wait=5) as con:
            start = time.perf_counter()
            merge_batch(con, {"articles": articles, "article_topics": topics})
            merges.append(time.perf_counter() - start)
    first_read, cached_read = _crawl_seen_read(per_source)
    return {"new": new, "seen_urls_seconds": round(seen_s, 3), "seen_urls": len(seen),
            "crawl_seen_read_seconds": round(first_read, 3), "crawl_seen_read_cached_seconds": round(cached_read, 3),
            "merge_batch_seconds": round(statistics.median(merges), 3),
            "merge_batch_runs": [round(m, 3) for m in merges]}


def _crawl_seen_read(per_source: dict[str, set[str]]) -> tuple[float, float]:
    """Seconds the crawl processes spend reading their seen-URL files: the first time, when each
    canonicalises every line, and the day after (one new URL per source), with the lines it kept as
    canonical (`pipeline.seen`)."""
    from pipeline.seen import read_seen

    first = cached = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for sid, urls in per_source.items():
            path, cache = Path(tmp) / f"{sid}.txt", Path(tmp) / f"{sid}.cache"
            write_seen(path, urls)
            start = time.perf_counter()
            read_seen(path, cache)
            first += time.perf_counter() - start
            write_seen(path, urls | {f"https://{sid}.example/next-day"})
            start = time.perf_counter()
            read_seen(path, cache)
            cached += time.perf_counter() - start
    return first, cached


def _dated(row: dict[str, Any], when: datetime) -> dict[str, Any]:
    row["published"] = when.isoformat()
    row["first_seen"] = row["last_seen"] = (when + timedelta(minutes=30)).isoformat()
    return row


def _topic(gen: Generator, k: int, aid: str) -> dict[str, Any]:
    return {"article_id": aid, "topic": gen.topics[k % len(gen.topics)], "rules_version": "bench",
            "score": 2.0, "evidence": ["terme"]}


def _recent_layer(gen: Generator, db: Path, count: int, day: datetime, prefix: str) -> None:
    """The articles of the story window before `day` (untimed), one in five a copy of an earlier one."""
    articles, topics = [], []
    for k in range(count):
        rng = random.Random(k)
        row = _dated(gen.article(k, prefix=prefix), day - timedelta(seconds=rng.randrange(WINDOW_DAYS * 86400)))
        head = articles[rng.randrange(k)] if k and rng.random() < COPY_SHARE else None
        row["story_id"] = head["story_id"] if head else "st-" + row["id"]
        if head:
            row["text"], row["title"] = head["text"], head["title"]
        articles.append(row)
        topics.append(_topic(gen, k, row["id"]))
    with write(db, wait=5) as con:
        merge_batch(con, {"articles": articles, "article_topics": topics})


def _round_prefix(kind: str, rnd: int) -> str:
    # a separator after the round: "growth1" + "0" would be round 0's "growth" + "10", an article already stored
    return f"{kind}{rnd}-" if rnd else kind


def _new_day(gen: Generator, new: int, recent: int, day: datetime, rnd: int) -> list[dict[str, Any]]:
    """The day's new articles: one in five repeats a recent article's text (it must join that story)."""
    rows = []
    for k in range(new):
        rng = random.Random(-1 - k)
        row = _dated(gen.article(k, prefix=_round_prefix("growth", rnd)), day + timedelta(seconds=rng.randrange(86400)))
        if recent and rng.random() < COPY_SHARE:
            copied = gen.article(rng.randrange(recent), prefix=_round_prefix("recent", rnd))
            row["text"], row["title"] = copied["text"], copied["title"]
        rows.append(row)
    return rows


def growth(gen: Generator, db: Path, new: int, recent: int, sources: int, rnd: int = 0) -> dict[str, Any]:
    """A day's new work on a warehouse of any size, as `pipeline.daily.load` does it per source.

    `recent` articles fill the story window before the day (the same in every tier, so the
    work is equal and only the stored size differs); the `new` articles come as `sources`
    loads, each one: read the window (`recent_articles`), `assign_stories`, `merge_batch`,
    and opening and closing the write connection (the batch stays in DuckDB's write-ahead log, as
    the daily run's loads leave it); then the one checkpoint of the day, all timed. Round `rnd`
    adds fresh articles on a later day, so the measure can run again on the same warehouse.
    """
    day = START + timedelta(days=DAYS + 10 * (rnd + 1))
    stories_module.forget_read_articles()  # what an earlier tier of this process read must not be reused here
    warm_story_reading()  # the first tier of a process must not pay the imports the others do not
    _recent_layer(gen, db, recent, day, _round_prefix("recent", rnd))
    rows = _new_day(gen, new, recent, day, rnd)
    steps = {"read_window": 0.0, "assign_stories": 0.0, "merge_batch": 0.0, "open_close": 0.0, "checkpoint": 0.0}
    window: list[int] = []
    joined = 0
    for part in range(sources):
        chunk = rows[part::sources]
        start = time.perf_counter()
        with read(db, wait=5) as con:
            stored = recent_articles(con, day - timedelta(days=WINDOW_DAYS))
        steps["read_window"] += time.perf_counter() - start
        window.append(len(stored))
        # as `pipeline.daily.load` reads the window; the day's generated rows have no story id yet
        existing = [Doc.from_stored(r) for r in stored]
        docs = [Doc.from_stored(r) for r in chunk]
        start = time.perf_counter()
        assigned = assign_stories(existing, docs, window_days=WINDOW_DAYS)
        steps["assign_stories"] += time.perf_counter() - start
        for row in chunk:
            row["story_id"] = assigned[row["id"]]
            joined += row["story_id"] != "st-" + row["id"]
        topics = [_topic(gen, k, row["id"]) for k, row in enumerate(chunk)]
        start = time.perf_counter()
        with write(db, wait=5, checkpoint=False) as con:
            begin = time.perf_counter()
            merge_batch(con, {"articles": chunk, "article_topics": topics})
            merged = time.perf_counter() - begin
        steps["merge_batch"] += merged
        # opening (replaying the log of the day's earlier loads) and closing
        steps["open_close"] += time.perf_counter() - start - merged
    # as in the daily run, the loads leave their batches in the write-ahead log and the run's last writer
    # (the report) checkpoints them into the file once
    start = time.perf_counter()
    with write(db, wait=5):
        pass
    steps["checkpoint"] = time.perf_counter() - start
    out: dict[str, Any] = {f"{k}_seconds": round(v, 3) for k, v in steps.items()}
    out.update({"new": new, "loads": sources, "recent": recent, "window_rows": window,
                "joined_existing": joined, "seconds": round(sum(steps.values()), 3)})
    return out


def _batches(n: int, size: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, size):
        yield lo, min(lo + size, n)


def tier(gen: Generator, db: Path, n: int, batch: int, new: int = 1000, recent: int = 6000,
         sources: int = 4) -> dict[str, Any]:
    """Load n articles through merge_rows, then time the views and full-text search."""
    merge_s = topics_s = gen_s = index_s = 0.0
    topic_rows = 0
    with write(db, wait=5) as con:
        migrate(con)
        merge_rows(con, "crawl_runs", crawl_runs([s[0] for s in gen.sources]))
        for lo, hi in _batches(n, batch):
            start = time.perf_counter()
            articles, topics = gen.batch(lo, hi)
            gen_s += time.perf_counter() - start
            start = time.perf_counter()
            merge_rows(con, "articles", articles)
            merge_s += time.perf_counter() - start
            start = time.perf_counter()
            # the load path (merge_batch) indexes articles for search in the same transaction
            search.index(con, articles)
            index_s += time.perf_counter() - start
            start = time.perf_counter()
            topic_rows += merge_rows(con, "article_topics", topics)
            topics_s += time.perf_counter() - start
            print(f"  merged {hi:,}/{n:,} articles ({hi / merge_s:,.0f} rows/s)", file=sys.stderr, flush=True)
        start = time.perf_counter()
        con.execute(stories_sql())
        stories_s = time.perf_counter() - start
        con.execute("CHECKPOINT")
        size_fts = db.stat().st_size
        index_bytes = con.execute("SELECT sum(estimated_size) FROM duckdb_tables() "
                                  "WHERE table_name IN ('search_postings', 'search_docs')").fetchone()
        size_no_fts = size_fts - int((index_bytes or [0])[0] or 0)
        has_fts = True
        fts_build_s = index_s
    out: dict[str, Any] = {
        "articles": n, "batch": batch, "generate_seconds": round(gen_s, 2), "merge_seconds": merge_s,
        "rows_per_s": n / merge_s, "topic_rows": topic_rows, "topics_merge_seconds": round(topics_s, 2),
        "stories_refresh_seconds": round(stories_s, 2), "fts": has_fts, "fts_build_seconds": round(fts_build_s, 2),
        "file_bytes": size_no_fts, "file_bytes_with_fts": size_fts,
        "mb_per_1k": size_no_fts / 1e6 / (n / 1000), "mb_per_1k_with_fts": size_fts / 1e6 / (n / 1000),
    }
    out["daily"] = daily_load(gen, db, new)
    out["growth"] = growth(gen, db, new, recent, sources)
    with read(db, wait=5) as con:
        out["baseline_scan"] = latency(con, lambda c: c.execute(BASELINE_SQL).fetchall())
        out["views"] = {name: latency(con, lambda c, q=sql: c.execute(q).fetchall()) for name, sql in VIEWS.items()}
        out["stories"] = con.execute("SELECT count(*) FROM stories").fetchone()[0]  # type: ignore[index]
        found = latency(con, lambda c: search.search(c, FTS_QUERY, {}, 20)[1])
        found["engine"] = "bm25 on veille's index"
        out["search"] = found
        out["search_more"] = {name: latency(con, lambda c, q=q, f=f: search.search(c, q, f, 20)[1])
                              for name, (q, f) in MORE_QUERIES.items()}
        out["search_index"] = {
            "postings": con.execute("SELECT count(*) FROM search_postings").fetchone()[0],  # type: ignore[index]
            "terms": con.execute("SELECT count(*) FROM search_terms").fetchone()[0],  # type: ignore[index]
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, action="append", help="tier size (repeatable); default 100000")
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--daily", type=int, default=1000, help="new articles of the daily-load (growth) measure")
    ap.add_argument("--recent", type=int, default=6000,
                    help="articles in the story window before the growth measure's day (same in every tier)")
    ap.add_argument("--daily-loads", type=int, default=4, help="loads (sources) the growth measure's day comes in")
    ap.add_argument("--growth-on", type=Path, action="append",
                    help="only run the growth measure on this existing warehouse (repeatable), as round --round")
    ap.add_argument("--round", type=int, default=1, help="round of --growth-on (fresh articles for each round)")
    ap.add_argument("--row-sample", type=int, default=2000, help="rows inserted one by one for the baseline")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="data dir holding SIB-200 and the seeds")
    ap.add_argument("--dir", type=Path, default=None, help="where the bench databases go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    tiers = args.articles or [100_000]
    if min(tiers) < 1 or args.batch < 1 or args.row_sample < 1:
        ap.error("--articles, --batch and --row-sample must be positive")
    base = args.dir or Path(tempfile.mkdtemp(prefix="veille-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    gen = Generator(args.shared, args.seed)
    result: dict[str, Any] = {"duckdb": duckdb.__version__, "tiers": {}}
    if args.growth_on:
        result["growth"] = {str(db): growth(gen, db, args.daily, args.recent, args.daily_loads, args.round)
                            for db in args.growth_on}
        emit(result)
        return 0
    try:
        result["row_by_row"] = row_by_row(gen, base / "rowbyrow.duckdb", args.row_sample)
        # The whole tier in one staged MERGE (the measure), and in the tier's batches, which below a
        # row group (16,384) pass through the write-ahead log and are written twice. Measured before any tier
        # is built, as a load run on its own would be: after a tier, in a process holding what its measures
        # left, one run gave 37.8k rows/s; before it, 44.3k; bulk_load in a process of its own, 48.2k and 56.8k
        bulk: dict[int, dict[str, Any]] = {n: {} for n in tiers}
        for n in tiers:
            if n <= BULK_MAX:
                bulk[n]["bulk"] = bulk_load(gen, base / f"bulk-{n}.duckdb", n, n)
                if args.batch < n:
                    bulk[n]["bulk_batches"] = bulk_load(gen, base / f"bulk-{n}.duckdb", n, args.batch)
        for n in tiers:
            db = base / f"tier-{n}.duckdb"
            _remove(db)
            result["tiers"][str(n)] = tier(gen, db, n, args.batch, args.daily, args.recent, args.daily_loads) | bulk[n]
            if not args.keep:
                db.unlink(missing_ok=True)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(base, ignore_errors=True)
    result["rss"] = peak_rss_mb()
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
