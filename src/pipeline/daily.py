"""The steps of one daily run as plain functions (the Prefect flow wraps them, one task each)."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline import crawl_watch, logs, stories, story_reading, topics, warehouse
from pipeline import sources as sources_mod
from pipeline.output import counted
from pipeline.process import PageCleaner, build_batch
from pipeline.seen import write_seen
from pipeline.settings import Settings
from pipeline.sources import Source
from pipeline.warehouse import search

# Where each source's crawls keep the stored URLs they found canonical (pipeline.seen), in work_dir
SEEN_CACHE_DIR = "seen-canonical"
# Where a run keeps the story features of the articles it read, for the next run (in work_dir)
STORY_FEATURES_FILE = "story-features.pickle"

log = logging.getLogger("pipeline.daily")


@dataclass
class SourceResult:
    """What one source's run did, for the summary line and the Prefect artifact."""

    source_id: str
    requests: int = 0
    articles: int = 0
    topic_matches: int = 0
    failures: int = 0
    not_stored: int = 0
    error: str | None = None

    def line(self) -> str:
        """One human-readable summary line."""
        if self.error:
            return f"{self.source_id}: FAILED — {self.error}"
        return (f"{self.source_id}: {counted(self.requests, 'request')}, {counted(self.articles, 'new article')}, "
                f"{counted(self.topic_matches, 'topic match', 'topic matches')}, "
                f"{counted(self.not_stored, 'page')} not stored, {counted(self.failures, 'failure')}")


# the run's crawl threads all ask for the tagger at once: one builds it, the others wait for it
_tagger_built = threading.Lock()


def tagger(cfg: Settings) -> topics.Tagger:
    """The configured topic rules, with the trained model beside them when one is set.

    Built once per process for the same files as they are on disk: a run's loads (one per source)
    compiled the same rules each time, ~0.12 s apiece. An edited file (new size or time) is read again.
    """
    with _tagger_built:
        return _tagger(cfg.topics_file or "", _stamp(cfg.topics_file), cfg.min_topic_score,
                       cfg.topics_model or "", _stamp(cfg.topics_model))


def _stamp(path: str | None) -> tuple[int, int] | None:
    """A file's modification time and size, the part of its identity an edit changes."""
    if not path:
        return None
    try:
        found = Path(path).stat()
    except OSError:
        return None  # the loader says what is wrong with it
    return found.st_mtime_ns, found.st_size


@functools.lru_cache(maxsize=4)
def _tagger(topics_file: str, topics_stamp: tuple[int, int] | None, threshold: float, model_file: str,
            model_stamp: tuple[int, int] | None) -> topics.Tagger:
    rules = topics.load_rules(topics_file or None, default_threshold=threshold)
    model = topics.load_model(Path(model_file)) if model_file else None
    return topics.Tagger(rules, model)


def today(cfg: Settings, as_of: str | None = None) -> date:
    """The run's day: --as-of, or today in the configured time zone."""
    if as_of:
        try:
            return date.fromisoformat(as_of)
        except ValueError as exc:
            raise ValueError(f"--as-of: expected YYYY-MM-DD, got {as_of!r}") from exc
    return datetime.now(ZoneInfo(cfg.timezone)).date()


def new_run_id() -> str:
    """A sortable id for one run (UTC time plus pid, unique on one machine)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"


def ensure_schema(cfg: Settings) -> None:
    """Apply pending migrations (holds the write lock for a moment)."""
    with warehouse.write(cfg.db, cfg.write_wait) as con:
        warehouse.migrate(con)
        search.reindex_missing(con)
        rows = [{"id": s.id, "outlet": s.outlet, "language": s.language, "home_url": s.home_url,
                 "enabled": s.enabled} for s in sources_mod.all_sources(cfg)]
        warehouse.merge_batch(con, {"sources": rows})


def run_dir(cfg: Settings, run_id: str, source_id: str) -> Path:
    """Where one source's crawl output of one run lives."""
    path = Path(cfg.work_dir) / run_id / source_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def prepare_crawl(cfg: Settings, source: Source, out: Path) -> None:
    """Write the seen-URL list and the feed validators the crawl reads (read-only warehouse access)."""
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        seen = warehouse.seen_urls(con, source.id, source.domains)
        checks = warehouse.validators(con, source.id)
    write_seen(out / "seen.txt", seen)
    (out / "validators.json").write_text(json.dumps(checks), encoding="utf-8")


def crawl_argv(cfg: Settings, source: Source, out: Path, run_id: str, day: date,
               backfill_days: int | None = None) -> list[str]:
    """The command line of one crawl process."""
    argv = [sys.executable, "-m", "spiders.crawl", "--source", source.id, "--out", str(out),
            "--seen", str(out / "seen.txt"), "--seen-cache", str(Path(cfg.work_dir) / SEEN_CACHE_DIR / f"{source.id}.txt"),
            "--validators", str(out / "validators.json"),
            "--as-of", day.isoformat(), "--lookback-days", str(cfg.lookback_days),
            "--archive", str(Path(cfg.archive_dir).resolve()), "--run-id", run_id,
            "--max-articles", str(cfg.max_articles_per_source)]
    if cfg.mirror:
        argv += ["--mirror", cfg.mirror]
    if backfill_days:
        argv += ["--days", str(backfill_days)]
    return argv


def crawl(cfg: Settings, source: Source, out: Path, run_id: str, day: date,
          backfill_days: int | None = None) -> int:
    """Run one source's crawl in its own process (Scrapy's reactor cannot restart); its exit status.

    While the crawl waits on the network, this process cleans the article pages it has written
    (process.PageCleaner) and tags them with the load's tagger, so the load after it is left with stories
    and the merge.
    """
    env = {**os.environ, **cfg.as_env()}
    argv = crawl_argv(cfg, source, out, run_id, day, backfill_days)
    with PageCleaner(out, source, cfg.language_seed, tagger(cfg)) as cleaner:
        code = crawl_watch.run(argv, env, cfg.crawl_time_limit, source.id, cleaner.step)
        cleaner.step()  # the pages written after the last step
    return code


def restore_story_features(cfg: Settings) -> int:
    """The features of the articles earlier runs read for story grouping, back in this process's cache
    (a cache: nothing restored only means the loads read the window again)."""
    try:
        count = story_reading.restore_read_articles(Path(cfg.work_dir) / STORY_FEATURES_FILE)
    except Exception as exc:  # noqa: BLE001 - never fails the run
        logs.event(log, logging.WARNING, "story-features-not-restored", error=str(exc))
        return 0
    logs.event(log, logging.INFO, "story-features-restored", articles=count)
    return count


def keep_story_features(cfg: Settings) -> int:
    """Keep what this run's loads read for story grouping, for the next run (never fails the run)."""
    try:
        count = story_reading.keep_read_articles(Path(cfg.work_dir) / STORY_FEATURES_FILE)
    except Exception as exc:  # noqa: BLE001 - a disk full or a read-only work_dir costs the next run time only
        logs.event(log, logging.WARNING, "story-features-not-kept", error=str(exc))
        return 0
    logs.event(log, logging.INFO, "story-features-kept", articles=count)
    return count


def load(cfg: Settings, source: Source, out: Path, run_id: str, day: date) -> SourceResult:
    """Clean, tag and group one crawl's pages, then merge them into the warehouse in one transaction."""
    since = datetime.combine(day - timedelta(days=cfg.story_window_days), datetime.min.time(), tzinfo=UTC)
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        recent = [stories.Doc.from_stored(r) for r in warehouse.recent_articles(con, since)]
    batch = build_batch(out, source, run_id, day.isoformat(), tagger(cfg), recent, seed=cfg.language_seed,
                        window_days=cfg.story_window_days, story_workers=cfg.story_workers)
    # the batch is committed to the write-ahead log; the run's report (its last writer) folds every
    # source's batch into the file in one checkpoint, which at 1M stored articles costs ~2 s each time
    with warehouse.write(cfg.db, cfg.write_wait, checkpoint=False) as con:
        warehouse.merge_batch(con, batch.rows)
    summary: dict[str, Any] = batch.rows.get("crawl_runs", [{}])[0]
    # a crawl that failed outright (its site never answered, say) fails the source; its pages are recorded
    failed = summary.get("error") if summary.get("status") == "failed" else None
    return SourceResult(source.id, requests=int(summary.get("requests") or 0), articles=batch.counts["articles"],
                        topic_matches=batch.counts["topic_matches"], failures=int(summary.get("failures") or 0),
                        not_stored=batch.counts["not_stored"], error=failed)
