"""Ranked full-text search on veille's own inverted index (`search_terms`, `search_postings`, `search_docs`).

The index is written in the same transaction as the articles it covers, so
search is up to date after every load and the cost of a load grows with the
new articles, not with the warehouse. Ranking is BM25 over the tokens of
`pipeline.searchtext` (folded words with digits kept, CJK bigrams).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import orjson

from pipeline.searchtext import terms_for, tokens

K1 = 1.2
B = 0.75
COLUMNS = ["id", "url", "title", "source_id", "published", "snippet", "score"]
SNIPPET_CHARS = 200
# the whitespace of DuckDB's (RE2's) `\s`, which migration 009 filled the older snippets with
_SPACES = re.compile(r"[\t\n\f\r ]+")


def snippet(text: str | None) -> str | None:
    """The first SNIPPET_CHARS characters of `text` with each run of whitespace made one space."""
    if text is None:
        return None
    # a prefix collapses to a prefix of the whole text's collapse: most texts need only their start
    head = _SPACES.sub(" ", text[:5 * SNIPPET_CHARS])
    if len(head) <= SNIPPET_CHARS and len(text) > 5 * SNIPPET_CHARS:
        head = _SPACES.sub(" ", text)
    return head[:SNIPPET_CHARS]


def index(con: duckdb.DuckDBPyConnection, articles: Sequence[Mapping[str, Any]], unindexed: bool = False) -> int:
    """(Re)index the given article rows (id, title, text, and the terms counted where they were cleaned when
    the row carries them: `searchtext.terms_for`); call inside the load transaction.

    `unindexed` says the caller knows that none of them is indexed yet (articles the same transaction
    stores for the first time), so the index is not searched for old entries to replace.
    """
    # last one wins when a batch repeats an article, as in merge_rows
    unique = {str(a["id"]): a for a in articles if a.get("id") and ("text" in a or "title" in a)}
    if not unique:
        return 0
    fd, path = tempfile.mkstemp(suffix=".jsonl", prefix="veille-postings-")
    try:
        # one JSON object per article, its terms one string that DuckDB splits and their counts an array:
        # far fewer objects to write and parse than one per posting or term, and orjson (the standard
        # encoder was most of the indexing time). Terms counted where the page was cleaned are used as
        # they come (searchtext.terms_for).
        with os.fdopen(fd, "wb") as out:
            for aid, a in unique.items():
                terms = terms_for(a)
                out.write(orjson.dumps({"article_id": aid, "length": terms["length"], "terms": terms["terms"],
                                        "tf": terms["tf"], "snippet": snippet(a.get("text"))},
                                       option=orjson.OPT_APPEND_NEWLINE))
        # doc numbers continue after the highest in use: every (re)indexed article gets a fresh one
        con.execute("CREATE OR REPLACE TEMP TABLE stage_search AS SELECT *, "
                    "((SELECT coalesce(max(doc), 0) FROM search_docs) + row_number() OVER ())::INTEGER AS doc "
                    "FROM read_json(?, format='newline_delimited', maximum_object_size=268435456, "
                    "columns={'article_id': 'VARCHAR', 'length': 'INTEGER', 'terms': 'VARCHAR', 'tf': 'INTEGER[]', "
                    "'snippet': 'VARCHAR'})",
                    [path])
    finally:
        os.unlink(path)
    # only articles indexed before have postings to drop: on a daily load that is rarely any, and
    # skipping the DELETE keeps a load's cost independent of the size of search_postings. The ids
    # come from the stage table, not a Python list parameter (DuckDB converts those value by value).
    known = (None if unindexed else
             con.execute("SELECT count(*) FROM search_docs SEMI JOIN stage_search USING (article_id)").fetchone())
    if known and known[0]:
        # the old doc numbers reach the postings scan as a dynamic IN/min-max filter, so only the
        # row groups written by the loads that indexed them are read
        con.execute("DELETE FROM search_postings WHERE doc IN "
                    "(SELECT doc FROM search_docs SEMI JOIN stage_search USING (article_id))")
        con.execute("DELETE FROM search_docs WHERE article_id IN (SELECT article_id FROM stage_search)")
    con.execute("CREATE OR REPLACE TEMP TABLE stage_postings AS "
                "SELECT unnest(string_split(terms, ' ')) AS term, unnest(tf) AS tf, doc FROM stage_search "
                "WHERE terms <> ''")
    con.execute("INSERT INTO search_terms SELECT term, "
                "((SELECT coalesce(max(id), 0) FROM search_terms) + row_number() OVER (ORDER BY term))::INTEGER "
                "FROM (SELECT DISTINCT term FROM stage_postings) n ANTI JOIN search_terms USING (term)")
    # sorted by term: each load's postings form runs whose row groups cover narrow term_id ranges,
    # which is what lets a query skip the rest (insertion order is kept by DuckDB)
    con.execute("INSERT INTO search_postings SELECT t.id, p.doc, p.tf FROM stage_postings p "
                "JOIN search_terms t USING (term) ORDER BY t.id, p.doc")
    con.execute("INSERT INTO search_docs (article_id, doc, length, snippet) "
                "SELECT article_id, doc, length, snippet FROM stage_search")
    con.execute("DROP TABLE stage_postings")
    con.execute("DROP TABLE stage_search")
    return len(unique)


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
    # term ids first (an ART index scan on the dictionary's primary key), then inlined as constants:
    # the postings scan compares them with each row group's min/max term_id and skips the rest
    # (EXPLAIN ANALYZE on DuckDB 1.5.5: 3.3M of 40.7M postings read for a two-term query at 100k)
    ids = [int(r[0]) for r in con.execute("SELECT id FROM search_terms WHERE term IN (SELECT unnest(?))",
                                          [terms]).fetchall()]
    if len(ids) * 2 < len(terms):
        return COLUMNS, []
    where, params = _filters(filters)
    id_list = ", ".join(str(i) for i in sorted(ids))
    # The best `cap` hits (and any tied with the last) are checked against the filters and deletions
    # first: joining every hit with search_docs' article ids and with articles was most of a query at
    # 1M articles. When fewer than `limit` of them pass and more hits exist, the query runs again
    # uncapped (selective filters), so the rows are those of an uncapped query.
    rows: list[tuple[Any, ...]] = []
    for cap in (max(limit * 10, 200), None):
        edge = "" if cap is None else f"LIMIT 1 OFFSET {cap - 1}"
        sql = f"""
        WITH posting AS (SELECT term_id, doc, tf FROM search_postings WHERE term_id IN ({id_list})),
        stats AS (SELECT count(*) AS n, greatest(avg(length), 1) AS avglen FROM search_docs),
        df AS (SELECT term_id, count(*) AS df FROM posting GROUP BY term_id),
        hits AS (
            SELECT p.doc, count(*) AS matched,
                   sum(ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
                       * p.tf * ({K1} + 1) / (p.tf + {K1} * (1 - {B} + {B} * d.length / s.avglen))) AS score
            FROM posting p JOIN df USING (term_id) JOIN search_docs d USING (doc) CROSS JOIN stats s
            GROUP BY p.doc
            HAVING count(*) * 2 >= ?
        ),
        edge AS (SELECT matched, score FROM hits ORDER BY matched DESC, score DESC {edge if cap else "LIMIT 0"}),
        candidates AS (
            SELECT h.* FROM hits h WHERE NOT EXISTS (SELECT 1 FROM edge) OR EXISTS (SELECT 1 FROM edge e
                WHERE h.matched > e.matched OR (h.matched = e.matched AND h.score >= e.score))
        ),
        shown AS (
            SELECT d.article_id, d.doc, c.matched, c.score, a.url, a.title, a.source_id, a.published
            FROM candidates c JOIN search_docs d USING (doc) JOIN articles a ON a.id = d.article_id
            WHERE {where}
            ORDER BY c.matched DESC, c.score DESC, a.id
            LIMIT ?
        )
        SELECT article_id, url, title, source_id, published, doc, round(score, 4) AS rounded,
               (SELECT count(*) FROM candidates) < (SELECT count(*) FROM hits) AS capped
        FROM shown ORDER BY matched DESC, score DESC, article_id"""
        found = con.execute(sql, [len(terms), *params, limit]).fetchall()
        rows = [r[:-1] for r in found]
        if len(rows) >= limit or cap is None or (found and not found[0][-1]):
            break
    return COLUMNS, _with_snippets(con, rows)


def _with_snippets(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Replace each row's doc number (6th field) by its snippet.

    One equality lookup per row, not a join: DuckDB prunes row groups by min/max for an equality on
    `doc` (numbered in load order), where a join with the shown rows read the whole snippet column.
    """
    if not rows:
        return rows
    sql = " UNION ALL ".join(f"SELECT {int(r[5])} AS doc, snippet FROM search_docs WHERE doc = {int(r[5])}"
                             for r in rows)
    snippets = dict(con.execute(sql).fetchall())
    return [(*r[:5], snippets.get(r[5]), r[6]) for r in rows]
