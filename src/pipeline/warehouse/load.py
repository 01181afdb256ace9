"""The one write path: stage a batch, then upsert it by name into its table."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import orjson

from pipeline.warehouse import search
from pipeline.warehouse.state import refresh_stories

# Columns a MERGE must not overwrite on a row that already exists: when an
# article was first seen and which story it was put in never change on reload.
KEEP_ON_UPDATE: dict[str, frozenset[str]] = {
    "articles": frozenset({"first_seen", "story_id", "url"}),
    "stories": frozenset({"first_article_id", "first_seen"}),
    "alerts": frozenset({"created"}),
}

# The key each table's rows are upserted on. The small tables declare it as their primary key; the ones
# that grow with every load (articles, article_topics, stories, pages) do not (migration 008), and the
# load keeps their keys unique itself: batches are deduplicated on the key, the upsert matches on it, and
# one writer holds the warehouse at a time.
KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("id",),
    "crawl_runs": ("id",),
    "pages": ("id",),
    "articles": ("id",),
    "article_topics": ("article_id", "topic"),
    "stories": ("id",),
    "revisions": ("article_id", "revision"),
    "reports": ("id",),
    "alerts": ("topic", "story_id", "report_id", "kind"),
}


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position", [table]
    ).fetchall()
    return {name: kind for name, kind in rows}


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _upsert_sql(table: str, columns: Sequence[str], staged: str) -> str:
    keys = KEYS[table]
    keep = KEEP_ON_UPDATE.get(table, frozenset())
    updated = [c for c in columns if c not in keys and c not in keep]
    # MERGE matches on the key columns with a hash join of the batch against them, so it needs no key
    # index: an index on a growing table made every connection load it and every checkpoint rewrite it
    # whole, a cost that grew with the warehouse (migration 008)
    matched = f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{c} = s.{c}' for c in updated)} " if updated else ""
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    return f"MERGE INTO {table} AS t USING ({staged}) AS s ON {on} {matched}WHEN NOT MATCHED THEN INSERT BY NAME"


def _stored_count(con: duckdb.DuckDBPyConnection, table: str, types: Mapping[str, str],
                  keys: Sequence[str], batch_keys: Iterable[tuple[Any, ...]]) -> int:
    """How many of `batch_keys` (values of `keys`) the table already holds; reads the key columns alone."""
    struct = ", ".join(f'"{k}": "{types[k]}"' for k in keys)
    # one JSON text parameter: DuckDB converts a Python list parameter value by value
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage_keys AS SELECT unnest(from_json(?, '[{{{struct}}}]'), "
                "recursive := true)",
                [orjson.dumps([dict(zip(keys, key, strict=True)) for key in batch_keys],
                              default=_json_default).decode()])
    row = con.execute(f"SELECT count(*) FROM stage_keys SEMI JOIN {table} USING ({', '.join(keys)})").fetchone()
    con.execute("DROP TABLE stage_keys")
    return int(row[0]) if row else 0


def merge_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert `rows` into `table` (staged through a JSON lines file); returns the row count.

    Rows are deduplicated on the table's key first (the last one wins), so a
    batch that repeats a key still merges cleanly.
    """
    if not rows:
        return 0
    keys = KEYS[table]
    types = _column_types(con, table)
    columns = [c for c in types if any(c in r for r in rows)]
    unique: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        unique[tuple(row[k] for k in keys)] = row
    spec = ", ".join(f"'{c}': '{types[c]}'" for c in columns)
    fd, path = tempfile.mkstemp(suffix=".jsonl", prefix=f"veille-stage-{table}-")
    try:
        # orjson: serialising the stage was the slowest step of a load with the standard json module
        with os.fdopen(fd, "wb") as out:
            out.writelines(orjson.dumps({c: row.get(c) for c in columns}, default=_json_default,
                                        option=orjson.OPT_APPEND_NEWLINE) for row in unique.values())
        # the staged file is read by the statement itself: copying it into a temporary table first
        # cost a fifth of a bulk load's CPU time
        staged = (f"SELECT * FROM read_json(?, columns={{{spec}}}, format='newline_delimited', "
                  f"maximum_object_size=268435456)")
        # a batch of new rows (every row of a daily load's new articles) is inserted: MERGE reads the kept
        # columns of every stored row to match them (0.09 s per million articles), where finding that
        # no key is stored reads the key columns alone (8 ms)
        stored = _stored_count(con, table, types, keys, unique)
        sql = _upsert_sql(table, columns, staged) if stored else f"INSERT INTO {table} BY NAME {staged}"
        con.execute(sql, [path])
    finally:
        os.unlink(path)
    return len(unique)


def merge_batch(con: duckdb.DuckDBPyConnection, batch: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, int]:
    """Merge several tables' rows in one transaction: all of the batch lands, or none of it."""
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        story_ids: set[str] = set()
        first_seen: list[str] | None = []
        for table, rows in batch.items():
            listed = list(rows)
            counts[table] = merge_rows(con, table, listed)
            if table == "articles":
                grouped = [r for r in listed if r.get("story_id")]
                story_ids.update(str(r["story_id"]) for r in grouped)
                if first_seen is not None and all(r.get("first_seen") for r in grouped):
                    first_seen += [_json_default(r["first_seen"]) for r in grouped]
                else:  # without every first_seen the refresh cannot bound its read: it reads every article
                    first_seen = None
                # the search index changes with its articles, in the same transaction
                search.index(con, listed)
        # stories are derived from their articles, so they change in the same transaction
        counts["stories"] = refresh_stories(con, sorted(story_ids), first_seen)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return counts
