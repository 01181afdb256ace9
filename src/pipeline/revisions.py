"""Revisions and deletions: re-fetch known articles, keep edits as numbered revisions with a diff, mark the gone.

The revisit pass is separate from the daily crawl (which only fetches URLs it
has never stored): it takes the least recently checked articles of the last
`revisit_days`, at most `revisit_max` per run, and re-fetches them in a Scrapy
process of its own (`python -m spiders.crawl --revisit FILE`). This module
decides what each answer means and builds the rows; it never imports Scrapy.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from pipeline import crawl_watch, warehouse
from pipeline import sources as sources_mod
from pipeline.crawl_output import read_pages, read_summary
from pipeline.daily import tagger
from pipeline.process import clean_pages, page_row, topic_rows
from pipeline.settings import Settings
from pipeline.sources import Source
from pipeline.stories import content_hash

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# What sites answer at their root besides "/": a redirect of an article to any of these is a removal.
_INDEX_NAMES = frozenset({"", "index.html", "index.htm", "index.shtml", "index.php", "default.htm", "default.aspx",
                          "home", "home.html", "home.htm"})
URLS_FILE = "revisit.txt"
DIFF_CONTEXT = 2


@dataclass(frozen=True)
class Known:
    """A stored article as the revisit pass compares it."""

    id: str
    url: str
    canonical_url: str
    source_id: str
    title: str
    text: str
    content_hash: str
    story_id: str | None
    revision: int  # the last revision number recorded (0: none yet)


@dataclass(frozen=True)
class Change:
    """What one re-fetch found: an edit or a removal (unchanged answers give no Change)."""

    kind: str  # "edited" or "deleted"
    article_id: str
    revision: int
    seen_at: str
    reason: str
    title: str | None = None
    text: str | None = None
    content_hash: str | None = None
    diff: str | None = None

    def row(self) -> dict[str, Any]:
        """The `revisions` row."""
        return {"article_id": self.article_id, "revision": self.revision, "seen_at": self.seen_at,
                "kind": self.kind, "content_hash": self.content_hash, "title": self.title, "text": self.text,
                "diff": self.diff}


@dataclass
class RevisitResult:
    """What one source's revisit found, for the summary line and the Prefect artifact."""

    source_id: str
    checked: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    unreachable: int = 0
    error: str | None = None

    def line(self) -> str:
        """One human-readable summary line."""
        if self.error:
            return f"{self.source_id}: FAILED — {self.error}"
        return (f"{self.source_id}: {self.checked} articles re-fetched, {self.edited} edited, {self.deleted} deleted, "
                f"{self.unchanged} unchanged, {self.unreachable} not checked (errors)")


# ---- deciding -------------------------------------------------------------------------------------------------


def _home_key(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    return (host, parts.path.rstrip("/").lower()) if host else None


def is_home_page(url: str, home_urls: Iterable[str] = ()) -> bool:
    """True when a URL is a site's front page: its root (or an index file there) or a declared home URL."""
    key = _home_key(url)
    if key is None:
        return False
    host, path = key
    if path.lstrip("/") in _INDEX_NAMES:
        return True
    # an edition's home can sit below the root (prnewswire.com/fr/); its index files count too
    for home in home_urls:
        home_key = _home_key(home)
        if home_key is None or home_key[0] != host:
            continue
        if path == home_key[1]:
            return True
        head, _, last = path.rpartition("/")
        if head == home_key[1] and last in _INDEX_NAMES:
            return True
    return False


def gone_reason(page: dict[str, Any], home_urls: Iterable[str] = ()) -> str | None:
    """Why a re-fetched page says the article was removed ("http 404", "redirects to the home page"), or None."""
    status = page.get("status")
    if status in GONE_STATUSES:
        return f"http {status}"
    final = str(page.get("final_url") or "")
    moved = final and final != page.get("url")
    if moved and (status in REDIRECT_STATUSES or status == 200) and is_home_page(final, home_urls):
        return "redirects to the home page"
    return None


def unified_diff(old: str, new: str, article_id: str, old_revision: int, new_revision: int) -> str:
    """A unified diff of two texts, line by line (paragraphs are lines), labelled with the revision numbers."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=f"{article_id} r{old_revision}",
                                 tofile=f"{article_id} r{new_revision}", lineterm="", n=DIFF_CONTEXT)
    return "\n".join(lines) + "\n"


def diff_counts(diff: str | None) -> tuple[int, int]:
    """(lines added, lines removed) of a unified diff."""
    added = removed = 0
    for line in (diff or "").splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def compare(known: Known, title: str, text: str, seen_at: str) -> Change | None:
    """An `edited` Change when the normalised text differs from the stored one, else None."""
    new_hash = content_hash(text)
    if new_hash == known.content_hash:
        return None
    revision = known.revision + 1
    return Change("edited", known.id, revision, seen_at, "text changed", title=title, text=text,
                  content_hash=new_hash, diff=unified_diff(known.text, text, known.id, known.revision, revision))


def deletion(known: Known, reason: str, seen_at: str) -> Change:
    """A `deleted` Change, numbered after the article's last revision."""
    return Change("deleted", known.id, known.revision + 1, seen_at, reason)


# ---- the warehouse side ----------------------------------------------------------------------------------------


def due(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str], since: datetime, limit: int) -> list[Known]:
    """Articles to re-fetch: not deleted, published or first seen since `since`, least recently checked first."""
    if not source_ids or limit <= 0:
        return []
    cursor = con.execute(
        "SELECT a.id, a.url, a.canonical_url, a.source_id, coalesce(a.title, ''), coalesce(a.text, ''), "
        "coalesce(a.content_hash, ''), a.story_id, coalesce(r.revision, 0) "
        "FROM articles a LEFT JOIN (SELECT article_id, max(revision) AS revision FROM revisions GROUP BY 1) r "
        "ON r.article_id = a.id "
        "WHERE a.deleted_at IS NULL AND a.source_id IN (SELECT unnest(?)) "
        "AND (coalesce(a.published, a.first_seen) >= ? OR a.first_seen >= ?) "
        "ORDER BY a.last_seen NULLS FIRST, a.id LIMIT ?", [list(source_ids), since, since, limit])
    return [Known(*row) for row in cursor.fetchall()]


def plan(cfg: Settings, source_ids: Sequence[str], now: datetime | None = None) -> dict[str, list[Known]]:
    """The articles of each source this run re-fetches (read-only warehouse access)."""
    since = (now or datetime.now(UTC)) - timedelta(days=cfg.revisit_days)
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        chosen = due(con, source_ids, since, cfg.revisit_max)
    by_source: dict[str, list[Known]] = {sid: [] for sid in source_ids}
    for known in chosen:
        by_source.setdefault(known.source_id, []).append(known)
    return by_source


def write_plan(out: Path, known: Sequence[Known]) -> Path:
    """The URL list the revisit crawl reads, and the stored state the load compares with (both in `out`)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / URLS_FILE).write_text("".join(k.url + "\n" for k in known), encoding="utf-8")
    with (out / "known.jsonl").open("w", encoding="utf-8") as fh:
        for k in known:
            fh.write(json.dumps(k.__dict__, ensure_ascii=False) + "\n")
    return out / URLS_FILE


def read_plan(out: Path) -> list[Known]:
    """The stored state written by `write_plan`."""
    path = out / "known.jsonl"
    if not path.is_file():
        return []
    return [Known(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def crawl_argv(cfg: Settings, source: Source, out: Path, run_id: str) -> list[str]:
    """The command line of one revisit crawl process."""
    argv = [sys.executable, "-m", "spiders.crawl", "--source", source.id, "--out", str(out),
            "--revisit", str(out / URLS_FILE), "--archive", str(Path(cfg.archive_dir).resolve()),
            "--run-id", run_id]
    if cfg.mirror:
        argv += ["--mirror", cfg.mirror]
    return argv


def crawl(cfg: Settings, source: Source, out: Path, run_id: str) -> int:
    """Re-fetch one source's planned URLs in their own process (Scrapy's reactor cannot restart); exit status."""
    env = {**os.environ, **cfg.as_env()}
    return crawl_watch.run(crawl_argv(cfg, source, out, run_id), env, cfg.crawl_time_limit, source.id)


@dataclass
class RevisitBatch:
    """Rows of one source's revisit, grouped so that no MERGE writes a column some of its rows lack."""

    result: RevisitResult
    changes: list[Change] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    edited: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    checked: list[dict[str, Any]] = field(default_factory=list)


def build(out: Path, source: Source, run_id: str, known: Sequence[Known], seed: int = 0) -> RevisitBatch:
    """Compare one revisit crawl's pages with the stored articles; a page that cannot be read is skipped."""
    by_url = {k.url: k for k in known}
    batch = RevisitBatch(RevisitResult(source.id))
    crawl_run_id = f"{run_id}:{source.id}:revisit"
    homes = [source.home_url]
    statuses: Counter[str] = Counter()
    # the pages that answered are cleaned after this loop, a block at a time as a run cleans them
    readable: list[tuple[dict[str, Any], dict[str, Any], Known, dict[str, Any], str]] = []
    for page in read_pages(out):
        if "url" not in page:
            continue
        row = page_row(page, source.id, crawl_run_id, run_id)
        batch.pages.append(row)
        article = by_url.get(page["url"])
        if article is None or page.get("kind") != "article":
            continue
        batch.result.checked += 1
        seen_at = str(page.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds"))
        ids = {"id": article.id, "url": article.url, "canonical_url": article.canonical_url,
               "story_id": article.story_id}
        reason = gone_reason(page, homes)
        if reason is not None:
            row["failure"] = f"deleted: {reason}"
            batch.changes.append(deletion(article, reason, seen_at))
            batch.deleted.append({**ids, "deleted_at": seen_at})
            batch.result.deleted += 1
            continue
        if page.get("status") != 200 or page.get("failure"):
            statuses[str(page.get("status") or page.get("failure"))] += 1
            batch.result.unreachable += 1
            continue
        readable.append((page, row, article, ids, seen_at))
    cleaned_pages = clean_pages([page for page, *_ in readable], source, seed)
    for (_, row, article, ids, seen_at), (cleaned, why) in zip(readable, cleaned_pages, strict=True):
        if cleaned is None:
            # a 200 that no longer reads as an article may be a consent wall or an outage page: not a removal
            row["failure"] = why
            batch.result.unreachable += 1
            continue
        change = compare(article, cleaned["title"], cleaned["text"], seen_at)
        if change is None:
            batch.checked.append({**ids, "last_seen": seen_at})
            batch.result.unchanged += 1
            continue
        batch.changes.append(change)
        batch.edited.append({**ids, "title": cleaned["title"], "text": cleaned["text"],
                             "content_hash": change.content_hash, "language": cleaned["language"],
                             "language_confidence": cleaned["language_confidence"], "last_seen": seen_at})
        batch.result.edited += 1
    if statuses:
        log.info("%s revisit: not checked %s", source.id, dict(statuses))
    summary = read_summary(out)
    batch.result.error = summary.get("error") if summary else "crawl left no summary"
    return batch


def merge(cfg: Settings, batch: RevisitBatch) -> None:
    """Write one revisit: revisions, pages and article updates, each article group in its own MERGE."""
    # an edited text is tagged again: a tag on words that were removed must not outlive them
    tag = tagger(cfg)
    tags = [row for article in batch.edited for row in topic_rows(tag, article)]
    groups: list[dict[str, list[dict[str, Any]]]] = [
        {"pages": batch.pages, "revisions": [c.row() for c in batch.changes], "articles": batch.edited,
         "article_topics": tags},
        {"articles": batch.deleted},
        {"articles": batch.checked},
    ]
    with warehouse.write(cfg.db, cfg.write_wait) as con:
        if batch.edited:
            con.execute("DELETE FROM article_topics WHERE article_id IN (SELECT unnest(?))",
                        [[a["id"] for a in batch.edited]])
        for group in groups:
            rows = {table: listed for table, listed in group.items() if listed}
            if rows:
                warehouse.merge_batch(con, rows)


def load(cfg: Settings, source: Source, out: Path, run_id: str) -> RevisitResult:
    """Compare one revisit crawl with the stored articles and write what changed."""
    batch = build(out, source, run_id, read_plan(out), seed=cfg.language_seed)
    merge(cfg, batch)
    return batch.result


def run_dir(cfg: Settings, run_id: str, source_id: str) -> Path:
    """Where one source's revisit output of one run lives."""
    path = Path(cfg.work_dir) / f"revisit-{run_id}" / source_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def revisit_source(cfg: Settings, source_id: str, known: Sequence[Known], run_id: str) -> RevisitResult:
    """Plan, crawl and load one source without an orchestrator (the flow runs the same steps as tasks)."""
    source = sources_mod.get(source_id, cfg)
    out = run_dir(cfg, run_id, source_id)
    write_plan(out, known)
    if not known:
        return RevisitResult(source_id)
    code = crawl(cfg, source, out, run_id)
    if code != 0:
        return RevisitResult(source_id, error=f"revisit crawl exited with status {code}")
    return load(cfg, source, out, run_id)


# ---- listing --------------------------------------------------------------------------------------------------

LIST_COLUMNS = ["article_id", "url", "source_id", "kind", "revision", "seen_at", "changes"]


def listing(con: duckdb.DuckDBPyConnection, since: datetime | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Edits and removals, newest first: article, url, source, kind, revision, when, and +added/-removed lines."""
    cursor = con.execute(
        "SELECT r.article_id, a.url, a.source_id, r.kind, r.revision, r.seen_at, r.diff "
        "FROM revisions r LEFT JOIN articles a ON a.id = r.article_id "
        "WHERE CAST(? AS TIMESTAMPTZ) IS NULL OR r.seen_at >= CAST(? AS TIMESTAMPTZ) "
        "ORDER BY r.seen_at DESC, r.article_id, r.revision DESC", [since, since])
    rows = []
    for article_id, url, source_id, kind, revision, seen_at, diff in cursor.fetchall():
        if kind == "edited":
            added, removed = diff_counts(diff)
            changes = f"+{added}/-{removed} lines"
        else:
            changes = ""
        rows.append((article_id, url, source_id, kind, revision, seen_at, changes))
    return LIST_COLUMNS, rows
