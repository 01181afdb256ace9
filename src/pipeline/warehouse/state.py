"""What a run needs to know from the warehouse before crawling, and derived tables after loading."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import orjson


def seen_urls(con: duckdb.DuckDBPyConnection, source_id: str | None = None,
              domains: Sequence[str] = ()) -> set[str]:
    """Canonical URLs already stored (all, or one source's): the only filter on fetching articles.

    With `domains`, a source's set also holds the URLs on those hosts (and their subdomains) that
    another source stored. Its crawl requests the URLs its article pattern matches, and the declared
    patterns are anchored to the source's hosts, so the rest of the warehouse is left out of its set
    (each crawl process canonicalises every line it is given again). A pattern that reached another
    source's host would at worst fetch an article stored there again, and the upsert keeps one row.
    """
    if source_id is None:
        rows = con.execute("SELECT canonical_url FROM articles").fetchall()
    elif not domains:
        rows = con.execute("SELECT canonical_url FROM articles WHERE source_id = ?", [source_id]).fetchall()
    else:
        hosts = "|".join(re.escape(d.lower().rstrip(".")) for d in domains)
        rows = con.execute("SELECT canonical_url FROM articles WHERE source_id = ? OR "
                           "regexp_matches(lower(canonical_url), ?)",
                           [source_id, rf"^[a-z][a-z0-9+.-]*://([^/?#@]*@)?([^/?#:]*\.)?({hosts})(:[0-9]+)?([/?#]|$)"]
                           ).fetchall()
    return {r[0] for r in rows}


def validators(con: duckdb.DuckDBPyConnection, source_id: str) -> dict[str, dict[str, str | None]]:
    """Latest ETag / Last-Modified per feed or sitemap URL, for conditional GET."""
    rows = con.execute(
        "SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at) FROM pages "
        "WHERE source_id = ? AND kind IN ('feed', 'sitemap', 'json') AND status = 200 "
        "AND (etag IS NOT NULL OR last_modified IS NOT NULL) GROUP BY url", [source_id]).fetchall()
    return {url: {"etag": etag, "last_modified": modified} for url, etag, modified in rows}


def recent_articles(con: duckdb.DuckDBPyConnection, since: datetime) -> list[dict[str, Any]]:
    """Articles first seen or published since a time, with their story ids (story matching window)."""
    # Two plain range filters joined by UNION (not one OR over an expression): each can skip row groups by their
    # min/max, so the read grows with the window, not with the warehouse. Same rows as
    # `coalesce(published, first_seen) >= since OR first_seen >= since`.
    columns_sql = ("SELECT id, title, text, url, source_id, CAST(coalesce(published, first_seen) AS VARCHAR) "
                   "AS published, language, story_id FROM articles")
    cursor = con.execute(f"{columns_sql} WHERE first_seen >= ? UNION {columns_sql} WHERE published >= ?",
                         [since, since])
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _members_since(con: duckdb.DuckDBPyConnection, batch_first_seen: list[str] | None) -> Any:
    """The earliest `first_seen` any member of the touched stories can have, or None if unknown.

    A story's `first_seen` is its earliest member's and never changes, so its members were all first
    seen since then; a story new in this batch has only the batch's articles, stored with the batch's
    `first_seen` (an article's story id and first_seen never change on reload). Filtering on it lets
    DuckDB skip the row groups of older articles by their min/max: the refresh then reads the recent
    part of `articles`, not all of it (at 1M stored, 4 ms instead of 50-140 ms). Every article veille
    writes has a `first_seen`.
    """
    if not batch_first_seen:
        return None
    stored = con.execute("SELECT min(first_seen), count(*) FILTER (WHERE first_seen IS NULL) "
                         "FROM stories JOIN touched_stories USING (id)").fetchone()
    if stored is None or stored[1]:
        return None  # a stored story without first_seen: no bound holds for it
    row = con.execute(
        "SELECT least(CAST(? AS TIMESTAMPTZ), "
        "(SELECT min(CAST(v AS TIMESTAMPTZ)) FROM (SELECT unnest(CAST(CAST(? AS JSON) AS VARCHAR[])) AS v)))",
        [stored[0], orjson.dumps(batch_first_seen).decode()]).fetchone()
    return row[0] if row else None


def refresh_stories(con: duckdb.DuckDBPyConnection, story_ids: list[str],
                    batch_first_seen: list[str] | None = None) -> int:
    """Recompute the `stories` rows of the given ids from their articles (first article fixed by id).

    `batch_first_seen`, the `first_seen` of every article of the batch that touched them, bounds what
    is read (see `_members_since`); without it every article is read.
    """
    if not story_ids:
        return 0
    # one JSON text parameter: DuckDB converts a Python list parameter value by value (0.2 s for 1,000 ids)
    con.execute("CREATE OR REPLACE TEMP TABLE touched_stories AS "
                "SELECT unnest(CAST(CAST(? AS JSON) AS VARCHAR[])) AS id", [orjson.dumps(story_ids).decode()])
    since = _members_since(con, batch_first_seen)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE story_rows AS
            SELECT a.story_id AS id,
                   arg_min(a.id, coalesce(a.published, a.first_seen)) AS first_article_id,
                   min(a.first_seen) AS first_seen,
                   max(a.last_seen) AS last_seen,
                   arg_min(a.title, coalesce(a.published, a.first_seen)) AS title,
                   list_sort(list(DISTINCT split_part(a.source_id, '-', 1))) AS outlets,
                   list_sort(list(DISTINCT a.language)) AS languages,
                   count(*)::INTEGER AS article_count
            FROM articles a JOIN touched_stories s ON a.story_id = s.id
            WHERE ? IS NULL OR a.first_seen >= ?
            GROUP BY a.story_id""", [since, since])
    # An UPDATE joined on the id and an INSERT of the rest, not one MERGE: a MERGE read the kept columns
    # of every stored story to match them (0.1 s at 1M articles). A story's first article and first_seen
    # never change, and every stored row of a touched story was first seen since `since`: the same
    # filter lets both skip the row groups of older stories.
    recent, bound = ("TRUE", []) if since is None else ("stories.first_seen >= CAST(? AS TIMESTAMPTZ)", [since])
    con.execute("UPDATE stories SET last_seen = r.last_seen, outlets = r.outlets, languages = r.languages, "
                f"article_count = r.article_count FROM story_rows r WHERE stories.id = r.id AND {recent}", bound)
    con.execute("INSERT INTO stories BY NAME SELECT * FROM story_rows "
                f"ANTI JOIN (SELECT id FROM stories WHERE {recent}) USING (id)", bound)
    con.execute("DROP TABLE story_rows")
    con.execute("DROP TABLE touched_stories")
    return len(story_ids)
