"""Everything an analyst needs to cite one story: its copies, their topics and evidence, revisions, archive captures."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

_COPIES = """
SELECT a.id, a.url, a.source_id, s.outlet, a.language, a.published, a.date_source, a.first_seen, a.last_seen,
       a.deleted_at, a.title, a.authors, a.content_hash
FROM articles a LEFT JOIN sources s ON s.id = a.source_id
WHERE a.story_id = ?
ORDER BY coalesce(a.published, a.first_seen), a.id
"""


def find_story(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """The story of an article id, article URL (original or canonical) or story id; None when nothing matches."""
    row = con.execute("SELECT story_id FROM articles WHERE id = ? OR url = ? OR canonical_url = ? OR story_id = ? "
                      "ORDER BY id = ? DESC LIMIT 1", [key, key, key, key, key]).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    """Timestamps as ISO text, so the result is JSON as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def describe(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any] | None:
    """The story of `key` with every copy; None when neither an article nor a story has that id or URL."""
    story_id = find_story(con, key)
    if story_id is None:
        return None
    story = _rows(con, "SELECT id, first_article_id, first_seen, last_seen, title, outlets, languages, article_count "
                       "FROM stories WHERE id = ?", [story_id])
    copies = _rows(con, _COPIES, [story_id])
    for copy in copies:
        aid = copy["id"]
        copy["topics"] = _rows(con, "SELECT topic, score, rules_version, evidence, spans FROM article_topics "
                                    "WHERE article_id = ? ORDER BY score DESC, topic", [aid])
        for topic in copy["topics"]:
            # DuckDB hands JSON columns back as text
            topic["spans"] = json.loads(topic["spans"]) if isinstance(topic["spans"], str) else topic["spans"]
        copy["revisions"] = _rows(con, "SELECT revision, kind, seen_at, content_hash, diff FROM revisions "
                                       "WHERE article_id = ? ORDER BY revision", [aid])
        # every capture of the page, newest first: the WARC file and offset are what a citation points to
        copy["captures"] = _rows(con, "SELECT fetched_at, status, final_url, warc_file, warc_offset, content_hash "
                                      "FROM pages WHERE kind = 'article' AND (url = ? OR final_url = ?) "
                                      "ORDER BY fetched_at DESC", [copy["url"], copy["url"]])
    head = story[0] if story else {"id": story_id, "first_article_id": copies[0]["id"] if copies else None}
    result: dict[str, Any] = _deep_plain({**head, "asked": key, "copies": copies})
    return result


def _deep_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_deep_plain(v) for v in value]
    return _plain(value)


def as_text(shown: dict[str, Any], text: str | None) -> str:
    """A readable page: the story, then each copy with its topics, revisions and captures."""
    lines = [f"story {shown['id']}  ({len(shown['copies'])} copies; first article {shown.get('first_article_id')})"]
    if shown.get("title"):
        lines.append(f"  {shown['title']}")
    for c in shown["copies"]:
        lines += ["", f"- {c['id']}  {c['source_id']} ({c.get('outlet') or '?'}, {c['language'] or '?'})",
                  f"  {c['title'] or '(no title)'}", f"  {c['url']}",
                  f"  published {c['published'] or '?'} ({c['date_source'] or 'none'}); "
                  f"first seen {c['first_seen']}; last seen {c['last_seen']}"
                  + (f"; DELETED {c['deleted_at']}" if c.get("deleted_at") else "")]
        for t in c["topics"]:
            evidence = "; ".join(str(e) for e in (t["evidence"] or [])[:6])
            lines.append(f"  topic {t['topic']} {t['score']:.2f} [{t['rules_version']}]: {evidence}")
        for r in c["revisions"]:
            lines.append(f"  revision {r['revision']} {r['kind']} at {r['seen_at']}")
        for p in c["captures"]:
            lines.append(f"  capture {p['fetched_at']} status {p['status']}: "
                         f"{p['warc_file'] or '(not archived)'} @ {p['warc_offset']}")
    if text:
        lines += ["", text]
    return "\n".join(lines) + "\n"
