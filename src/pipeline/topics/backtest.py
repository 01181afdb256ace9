"""Backtests and precision samples of topic rules over the warehouse history (read-only).

A backtest re-tags every stored article with new rules and compares with the
tags the warehouse holds (or with another rules file): per topic, how many
articles the change adds and removes, with example titles. The warehouse is
read in chunks, each under its own short read-only connection, so a long
backtest never keeps the daily writer out for more than a moment.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import warehouse
from pipeline.topics.tagging import Tagger

CHUNK = 2000
EXAMPLES = 3

_ARTICLES = """
SELECT a.id, coalesce(a.title, ''), coalesce(a.text, ''), a.language,
       (SELECT list(t.topic ORDER BY t.topic) FROM article_topics t WHERE t.article_id = a.id) AS topics
FROM articles a
WHERE a.id > ? AND a.deleted_at IS NULL
  AND (CAST(? AS DATE) IS NULL OR CAST(coalesce(a.published, a.first_seen) AS DATE) >= CAST(? AS DATE))
ORDER BY a.id
LIMIT ?
"""


class BacktestError(ValueError):
    """Bad arguments to a backtest or a sample (a malformed date, an unknown topic)."""


@dataclass
class TopicChange:
    """What new rules change for one topic."""

    topic: str
    before: int = 0
    after: int = 0
    added: int = 0
    removed: int = 0
    added_examples: list[tuple[str, str]] = field(default_factory=list)     # (article id, title)
    removed_examples: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BacktestReport:
    """A backtest: the rules versions compared, how many articles were re-tagged, the change per topic."""

    new_version: str
    old_version: str
    articles: int
    changes: dict[str, TopicChange]
    failures: int = 0


def parse_since(since: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD) or None; anything else is a BacktestError."""
    if since is None or since == "":
        return None
    try:
        return date.fromisoformat(since).isoformat()
    except ValueError as exc:
        raise BacktestError(f"--since: expected a date such as 2026-01-01, got {since!r}") from exc


def _articles(db: Path, wait: float, since: str | None, chunk: int) -> Iterator[list[tuple[Any, ...]]]:
    last = ""
    while True:
        with warehouse.read(db, wait) as con:
            rows = con.execute(_ARTICLES, [last, since, since, chunk]).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def backtest(db: Path, wait: float, new: Tagger, old: Tagger | None = None, since: str | None = None,
             examples: int = EXAMPLES, chunk: int = CHUNK) -> BacktestReport:
    """Re-tag the stored articles with `new` and compare with the stored tags (or with `old`'s tags)."""
    since = parse_since(since)
    changes: dict[str, TopicChange] = {}
    count = failures = 0

    def change(topic: str) -> TopicChange:
        return changes.setdefault(topic, TopicChange(topic))

    for rows in _articles(Path(db), wait, since, chunk):
        items = [(title, text, language) for _, title, text, language, _ in rows]
        try:
            tagged = new.tag_batch(items)
            before_tags = old.tag_batch(items) if old is not None else None
        except Exception:  # noqa: BLE001 - one bad article must not sink the chunk: retag one by one
            tagged, before_tags = [], [] if old is not None else None
            for item in items:
                try:
                    tagged.append(new.tag(*item))
                    if before_tags is not None and old is not None:
                        before_tags.append(old.tag(*item))
                except Exception:  # noqa: BLE001 - counted as a failure; the article keeps its tags
                    failures += 1
                    tagged.append([])
                    if before_tags is not None:
                        before_tags.append([])
        for n, (aid, title, _text, _lang, stored) in enumerate(rows):
            count += 1
            before = ({m.topic for m in before_tags[n]} if before_tags is not None else set(stored or []))
            after = {m.topic for m in tagged[n]}
            for topic in before | after:
                c = change(topic)
                c.before += topic in before
                c.after += topic in after
                if topic in after and topic not in before:
                    c.added += 1
                    if len(c.added_examples) < examples:
                        c.added_examples.append((aid, title))
                elif topic in before and topic not in after:
                    c.removed += 1
                    if len(c.removed_examples) < examples:
                        c.removed_examples.append((aid, title))
    if new.rules is not None:
        for t in new.rules.topics:
            change(t.id)
    old_version = old.version if old is not None else "stored tags"
    return BacktestReport(new.version, old_version, count, dict(sorted(changes.items())), failures)


def render_backtest(report: BacktestReport) -> str:
    """The report as text: one line per topic, then example titles of what is added and removed."""
    lines = [f"{report.articles} articles re-tagged with rules {report.new_version} "
             f"(compared with {report.old_version})"
             + (f"; {report.failures} could not be tagged" if report.failures else "")]
    width = max([5] + [len(t) for t in report.changes])
    lines.append(f"{'topic':{width}}  {'before':>7}  {'after':>7}  {'added':>7}  {'removed':>7}")
    for c in report.changes.values():
        lines.append(f"{c.topic:{width}}  {c.before:>7}  {c.after:>7}  {'+' + str(c.added):>7}  "
                     f"{'-' + str(c.removed):>7}")
    for c in report.changes.values():
        for sign, what in (("+", c.added_examples), ("-", c.removed_examples)):
            for aid, title in what:
                lines.append(f"  {sign} {c.topic}  {aid}  {' '.join((title or '(no title)').split())[:100]}")
    return "\n".join(lines) + "\n"


def report_json(report: BacktestReport) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    return {"new_version": report.new_version, "compared_with": report.old_version, "articles": report.articles,
            "failures": report.failures,
            "topics": [{"topic": c.topic, "before": c.before, "after": c.after, "added": c.added,
                        "removed": c.removed,
                        "added_examples": [{"id": a, "title": t} for a, t in c.added_examples],
                        "removed_examples": [{"id": a, "title": t} for a, t in c.removed_examples]}
                       for c in report.changes.values()]}


SAMPLE_COLUMNS = ["id", "title", "score", "evidence"]


def sample(db: Path, wait: float, topic: str, n: int, seed: int = 0,
           since: str | None = None) -> list[tuple[str, str, float, list[str]]]:
    """A seeded random sample of up to n articles stored with `topic`: (id, title, score, evidence)."""
    if n < 1:
        raise BacktestError(f"-n must be at least 1, got {n}")
    since = parse_since(since)
    with warehouse.read(Path(db), wait) as con:
        ids = [r[0] for r in con.execute(
            "SELECT t.article_id FROM article_topics t JOIN articles a ON a.id = t.article_id "
            "WHERE t.topic = ? AND a.deleted_at IS NULL AND (CAST(? AS DATE) IS NULL OR "
            "CAST(coalesce(a.published, a.first_seen) AS DATE) >= CAST(? AS DATE)) ORDER BY t.article_id",
            [topic, since, since]).fetchall()]
        if not ids:
            known = [r[0] for r in con.execute("SELECT DISTINCT topic FROM article_topics ORDER BY 1").fetchall()]
            if topic not in known:
                raise BacktestError(f"no article is tagged {topic!r} (topics in the warehouse: "
                                    f"{', '.join(known) or 'none'})")
            return []
        picked = sorted(random.Random(seed).sample(ids, min(n, len(ids))))
        rows = con.execute(
            "SELECT t.article_id, a.title, t.score, t.evidence FROM article_topics t JOIN articles a "
            "ON a.id = t.article_id WHERE t.topic = ? AND list_contains(?, t.article_id)",
            [topic, picked]).fetchall()
    order = {aid: i for i, aid in enumerate(picked)}
    return sorted(((r[0], r[1] or "", float(r[2]), list(r[3] or [])) for r in rows), key=lambda r: order[r[0]])
