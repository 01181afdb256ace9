"""Full-text search over articles with DuckDB's FTS extension, loaded from its packaged file (offline).

The FTS index is not updated on insert, so the writer rebuilds it after each
run's loads. Its tokenizer has no Chinese word splitting, so queries in CJK
scripts fall back to substring matching.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

# keep digits and letters of every script ("5G", "2025", "numérique"); the default pattern drops digits
IGNORE = r"(\.|[^\w])+"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def extension_file() -> Path:
    """The fts extension shipped by the duckdb-extension-fts package for this DuckDB version."""
    import duckdb_extension_fts  # the package holds only the binary; imported for its location

    version = duckdb.__version__
    return Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{version}" / "fts.duckdb_extension"


def load(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the extension; False when it is not available (search then uses substring matching)."""
    path = extension_file()
    if not path.exists():
        return False
    try:
        con.execute(f"LOAD '{path}'")
    except duckdb.Error:
        return False
    return True


def rebuild(con: duckdb.DuckDBPyConnection) -> bool:
    """(Re)build the articles index; call with the write connection after loading."""
    if not load(con):
        return False
    con.execute("PRAGMA create_fts_index('articles', 'id', 'title', 'text', stemmer = 'none', "
                f"ignore = '{IGNORE}', strip_accents = 1, lower = 1, overwrite = 1)")
    return True


def _has_index(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles'").fetchone()
    return bool(row and row[0])


def search(con: duckdb.DuckDBPyConnection, text: str, filters: dict[str, Any], limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Rows `id, url, title, source_id, published, snippet, score`, best first."""
    where = ["TRUE"]
    params: list[Any] = []
    if filters.get("sources"):
        where.append("a.source_id IN (SELECT unnest(?))")
        params.append(filters["sources"])
    if filters.get("language"):
        where.append("a.language = ?")
        params.append(filters["language"])
    if filters.get("since"):
        where.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(filters["since"])
    if filters.get("until"):
        where.append("coalesce(a.published, a.first_seen) < ?")
        params.append(filters["until"])
    if filters.get("topic"):
        where.append("a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)")
        params.append(filters["topic"])
    snippet = "substr(regexp_replace(a.text, '\\s+', ' ', 'g'), 1, 200)"
    columns = ["id", "url", "title", "source_id", "published", "snippet", "score"]
    if _CJK.search(text) or not (load(con) and _has_index(con)):
        terms = text.split()
        score = " + ".join(["(CASE WHEN a.title ILIKE ? THEN 2 ELSE 0 END) + (CASE WHEN a.text ILIKE ? THEN 1 ELSE 0 END)"] * len(terms)) or "0"
        like = [p for t in terms for p in (f"%{t}%", f"%{t}%")]
        sql = (f"SELECT a.id, a.url, a.title, a.source_id, a.published, {snippet}, ({score})::DOUBLE AS score "
               f"FROM articles a WHERE {' AND '.join(where)} AND ({score}) > 0 ORDER BY score DESC, a.published DESC "
               f"LIMIT ?")
        rows = con.execute(sql, [*like, *params, *like, limit]).fetchall()
        return columns, rows
    sql = (f"SELECT a.id, a.url, a.title, a.source_id, a.published, {snippet}, s.score FROM "
           f"(SELECT id, fts_main_articles.match_bm25(id, ?) AS score FROM articles) s "
           f"JOIN articles a ON a.id = s.id WHERE s.score IS NOT NULL AND {' AND '.join(where)} "
           f"ORDER BY s.score DESC LIMIT ?")
    return columns, con.execute(sql, [text, *params, limit]).fetchall()
