"""Rebuild articles from the WARC archive with no network, so better cleaning or new rules reach history."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any

from pipeline import logs, warehouse
from pipeline import sources as sources_mod
from pipeline.daily import tagger
from pipeline.process import UNREADABLE, blocks, clean_pages, topic_rows
from pipeline.settings import Settings
from pipeline.sources import Source

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class ReprocessResult:
    """Counts of one reprocessing pass."""

    pages: int = 0
    articles: int = 0
    skipped: int = 0
    topic_matches: int = 0

    def line(self) -> str:
        """One summary line."""
        return (f"reprocessed {self.pages} archived article pages: {self.articles} articles rebuilt, "
                f"{self.topic_matches} topic matches, {self.skipped} skipped")


def _archived(cfg: Settings, since: date | None) -> Iterator[dict[str, Any]]:
    """The latest archived 200 response of every stored article (fetched on or after `since`)."""
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        cursor = con.execute(
            "SELECT p.url, p.source_id, p.warc_file, p.warc_offset, a.story_id, a.first_seen "
            "FROM (SELECT url, source_id, warc_file, warc_offset, fetched_at, "
            "      row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) AS n "
            "      FROM pages WHERE kind = 'article' AND status = 200 AND warc_file IS NOT NULL) p "
            "JOIN articles a ON a.url = p.url "
            "WHERE p.n = 1 AND (CAST(? AS DATE) IS NULL OR CAST(p.fetched_at AS DATE) >= ?) ORDER BY p.url",
            [since, since])
        columns = [d[0] for d in cursor.description or []]
        rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    yield from rows


def reprocess(cfg: Settings, since: date | None = None) -> ReprocessResult:
    """Re-clean, re-detect and re-tag archived articles; ids, stories and first_seen stay as they were."""
    rules = tagger(cfg)
    result = ReprocessResult()
    pending: dict[str, list[dict[str, Any]]] = {"articles": [], "article_topics": []}

    def flush() -> None:
        if pending["articles"]:
            with warehouse.write(cfg.db, cfg.write_wait) as con:
                ids = [a["id"] for a in pending["articles"]]
                con.execute("DELETE FROM article_topics WHERE article_id IN (SELECT unnest(?))", [ids])
                warehouse.merge_batch(con, pending)
        pending["articles"], pending["article_topics"] = [], []

    def rebuild(block: Sequence[dict[str, Any]], source: Source) -> None:
        records = [{"url": page["url"], "warc_file": page["warc_file"], "warc_offset": page["warc_offset"],
                    "fetched_at": (page["first_seen"].isoformat() if isinstance(page["first_seen"], datetime)
                                   else page["first_seen"])} for page in block]
        for page, (article, reason) in zip(block, clean_pages(records, source, cfg.language_seed), strict=True):
            if article is None:
                result.skipped += 1
                if reason and reason.startswith(UNREADABLE):
                    # a pruned or moved WARC file: the page keeps its reference, the rebuild goes on without it
                    logs.event(log, logging.WARNING, "archive-missing", url=page["url"],
                               warc_file=page["warc_file"], reason=reason)
                continue
            article["story_id"] = page["story_id"]
            del article["last_seen"]  # reprocessing is not seeing the article again
            pending["articles"].append(article)
            result.articles += 1
            tags = topic_rows(rules, article)
            pending["article_topics"] += tags
            result.topic_matches += len(tags)
            if len(pending["articles"]) >= BATCH:
                flush()

    # pages of one source in a row are cleaned together, by blocks as a run cleans (process.blocks)
    for source_id, group in groupby(_archived(cfg, since), key=lambda page: page["source_id"]):
        pages = list(group)
        result.pages += len(pages)
        try:
            source = sources_mod.get(source_id, cfg)
        except KeyError:
            result.skipped += len(pages)
            continue
        for block in blocks(pages):
            rebuild(block, source)
    flush()
    return result
