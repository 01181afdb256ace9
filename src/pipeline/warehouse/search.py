"""Ranked full-text search on veille's own inverted index (`search_postings`, `search_docs`).

The index is written in the same transaction as the articles it covers, so
search is up to date after every load and the cost of a load grows with the
new articles, not with the warehouse. Ranking is BM25 over the tokens of
`pipeline.searchtext` (folded words with digits kept, CJK bigrams).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from pipeline.searchtext import term_counts, tokens

K1 = 1.2
B = 0.75
COLUMNS = ["id", "url", "title", "source_id", "published", "snippet", "score"]


def index(con: duckdb.DuckDBPyConnection, articles: Sequence[Mapping[str, Any]]) -> int:
    """(Re)index the given article rows (id, title, text); call inside the load transaction."""
    rows = [a for a in articles if a.get("id") and ("text" in a or "title" in a)]
    if not rows:
        return 0
    ids = [str(a["id"]) for a in rows]
    con.execute("DELETE FROM search_postings WHERE article_id IN (SELECT unnest(?))", [ids])
    con.execute("DELETE FROM search_docs WHERE article_id IN (SELECT unnest(?))", [ids])
    fd, path = tempfile.mkstemp(suffix=".jsonl", prefix="veille-postings-")
    docs: list[tuple[str, int]] = []
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for a in rows:
                counts, length = term_counts(str(a.get("title") or ""), str(a.get("text") or ""))
                docs.append((str(a["id"]), length))
                for term, tf in counts.items():
                    out.write(json.dumps({"term": term, "article_id": a["id"], "tf": tf}, ensure_ascii=False) + "\n")
        con.execute("INSERT INTO search_postings SELECT * FROM read_json(?, format='newline_delimited', "
                    "columns={'term': 'VARCHAR', 'article_id': 'VARCHAR', 'tf': 'INTEGER'})", [path])
    finally:
        os.unlink(path)
    con.executemany("INSERT INTO search_docs VALUES (?, ?)", docs)
    return len(rows)


def reindex_missing(con: duckdb.DuckDBPyConnection, batch: int = 5000) -> int:
    """Index the articles that have no index entry yet (after an upgrade, or a warehouse built elsewhere)."""
    done = 0
    while True:
        cursor = con.execute("SELECT id, title, text FROM articles a WHERE NOT EXISTS "
                             "(SELECT 1 FROM search_docs d WHERE d.article_id = a.id) LIMIT ?", [batch])
        rows = [{"id": r[0], "title": r[1], "text": r[2]} for r in cursor.fetchall()]
        if not rows:
            return done
        done += index(con, rows)


def _filters(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    where, params = ["a.deleted_at IS NULL"], []
    if filters.get("sources"):
        where.append("a.source_id IN (SELECT unnest(?))")
        params.append(list(filters["sources"]))
    if filters.get("language"):
        where.append("a.language = ?")
        params.append(filters["language"])
    if filters.get("since"):
        where.append("coalesce(a.published, a.first_seen) >= CAST(? AS TIMESTAMPTZ)")
        params.append(filters["since"])
    if filters.get("until"):
        where.append("coalesce(a.published, a.first_seen) < CAST(? AS TIMESTAMPTZ)")
        params.append(filters["until"])
    if filters.get("topic"):
        where.append("a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)")
        params.append(filters["topic"])
    return " AND ".join(where), params


def search(con: duckdb.DuckDBPyConnection, text: str, filters: Mapping[str, Any],
           limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Rows `id, url, title, source_id, published, snippet, score`, best first.

    Articles matching more of the query's terms rank first, then by BM25; at
    least half of the terms must match.
    """
    terms = sorted(set(tokens(text)))
    if not terms:
        return COLUMNS, []
    where, params = _filters(filters)
    sql = f"""
        WITH q AS (SELECT unnest(?) AS term),
        stats AS (SELECT count(*) AS n, greatest(avg(length), 1) AS avglen FROM search_docs),
        posting AS (SELECT p.term, p.article_id, p.tf FROM search_postings p SEMI JOIN q ON p.term = q.term),
        df AS (SELECT term, count(*) AS df FROM posting GROUP BY term),
        hits AS (
            SELECT p.article_id, count(*) AS matched,
                   sum(ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
                       * p.tf * ({K1} + 1) / (p.tf + {K1} * (1 - {B} + {B} * d.length / s.avglen))) AS score
            FROM posting p JOIN df USING (term) JOIN search_docs d USING (article_id) CROSS JOIN stats s
            GROUP BY p.article_id
            HAVING count(*) * 2 >= ?
        )
        SELECT a.id, a.url, a.title, a.source_id, a.published,
               substr(regexp_replace(a.text, '\\s+', ' ', 'g'), 1, 200) AS snippet,
               round(h.score, 4) AS score
        FROM hits h JOIN articles a ON a.id = h.article_id
        WHERE {where}
        ORDER BY h.matched DESC, h.score DESC, a.id
        LIMIT ?"""
    rows = con.execute(sql, [terms, len(terms), *params, limit]).fetchall()
    return COLUMNS, rows
