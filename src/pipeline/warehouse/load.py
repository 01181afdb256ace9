"""The one write path: stage a batch, then upsert it by name into its table."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import duckdb
import orjson
import pyarrow as pa

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
    # pragma_table_info resolves the name as the INSERT does and gives the same type names as
    # information_schema.columns, which builds every catalog's column list first: 17 ms on a new
    # connection (each load opens one per source) against 2.7 ms
    rows = con.execute("SELECT name, type FROM pragma_table_info(?) ORDER BY cid", [table]).fetchall()
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


def _stored_count(con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str], staged: str) -> int:
    """How many of the staged rows' keys the table already holds; reads the key columns alone."""
    row = con.execute(f"SELECT count(*) FROM ({staged}) AS s SEMI JOIN {table} USING ({', '.join(keys)})").fetchone()
    return int(row[0]) if row else 0


# Column types staged as Arrow numbers or booleans; every other type travels as text (or a list of
# text) and is cast by DuckDB, as its JSON reader did: timestamps, dates and JSON parse the same way.
_ARROW_TYPES: dict[str, pa.DataType] = {"DOUBLE": pa.float64(), "FLOAT": pa.float32(), "INTEGER": pa.int64(),
                                        "BIGINT": pa.int64(), "SMALLINT": pa.int64(), "BOOLEAN": pa.bool_()}
_stage_names = itertools.count()
# Rows per Arrow record batch streamed to DuckDB: its vector size (1,024 and 2,048 loaded 100k bench articles
# equally fast, 8,192 a third slower)
STREAM_ROWS = 2048


def _as_text(value: Any) -> str | None:
    """A value of a text-staged column as the JSON stage wrote it: strings as they are, others as JSON."""
    if value is None or type(value) is str:
        return value
    decoded = orjson.loads(orjson.dumps(value, default=_json_default))
    return decoded if isinstance(decoded, str) else orjson.dumps(decoded).decode()


def _as_json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, default=_json_default).decode()


def _column(values: list[Any], kind: str) -> tuple[pa.Array, bool]:
    """One staged column, and whether DuckDB must cast it to `kind`."""
    if kind in _ARROW_TYPES:
        try:
            return pa.array(values, _ARROW_TYPES[kind]), False
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass  # numbers given as text, say: DuckDB casts them, as its JSON reader did
    if kind == "JSON":  # any value, a string included, is stored as its JSON text
        return pa.array([_as_json(v) for v in values], pa.string()), True
    if kind.endswith("[]"):
        if kind != "JSON[]":  # JSON items are always encoded, strings included
            try:
                return pa.array(values, pa.list_(pa.string())), True
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass
        item = _as_json if kind == "JSON[]" else _as_text
        return pa.array([None if v is None else [item(x) for x in v] for v in values], pa.list_(pa.string())), True
    try:
        return pa.array(values, pa.string()), kind != "VARCHAR"
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_as_text(v) for v in values], pa.string()), kind != "VARCHAR"


def _typed(name: str, kind: str, cast: bool) -> str:
    """A staged column in the SELECT list: cast to its warehouse type where it was staged as text."""
    return f"CAST({name} AS {kind}) AS {name}" if cast else name


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], types: Mapping[str, str]
           ) -> tuple[pa.Table, str]:
    """Some columns of the rows as one Arrow table, and the SELECT list that gives each its warehouse type."""
    arrays: list[pa.Array] = []
    select: list[str] = []
    for name in columns:
        array, cast = _column([r.get(name) for r in rows], types[name])
        arrays.append(array)
        select.append(_typed(name, types[name], cast))
    return pa.Table.from_arrays(arrays, names=list(columns)), ", ".join(select)


def _stream(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], types: Mapping[str, str]
            ) -> tuple[pa.RecordBatchReader, str, list[BaseException]]:
    """The rows as a stream of Arrow record batches of STREAM_ROWS, made as DuckDB reads them; the SELECT
    list that gives each column its warehouse type; and where an error met while making them is kept
    (DuckDB reports it wrapped in its own).

    100k bench articles in one merge loaded at 42-51k rows/s streamed, 27-30k as one table made of the same
    pieces (four alternating runs each), 25-27k staged whole before. Making the 100k articles' batches took
    0.95 s as DuckDB read them and 1.9 s when all were kept: likely the memory of a batch DuckDB has taken
    is reused by the next, where a whole table fills fresh memory for all of it.
    """
    # A column's staged type must be the same in every record batch. Only a numeric or boolean column's
    # depends on its values (numbers given as text are staged as text), so those are staged whole first;
    # every other column is staged as text or a list of text whatever its values.
    whole: dict[str, pa.Array] = {}
    fields: list[pa.Field] = []
    select: list[str] = []
    for name in columns:
        kind = types[name]
        if kind in _ARROW_TYPES:
            array, cast = _column([r.get(name) for r in rows], kind)
            whole[name] = array
            staged_type = array.type
        else:
            staged_type = pa.list_(pa.string()) if kind.endswith("[]") else pa.string()
            cast = kind != "VARCHAR"
        fields.append(pa.field(name, staged_type))
        select.append(_typed(name, kind, cast))
    schema = pa.schema(fields)
    errors: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for lo in range(0, len(rows), STREAM_ROWS):
                chunk = rows[lo:lo + STREAM_ROWS]
                yield pa.RecordBatch.from_arrays(
                    [whole[name].slice(lo, len(chunk)) if name in whole
                     else _column([r.get(name) for r in chunk], types[name])[0] for name in columns],
                    schema=schema)
        except BaseException as exc:
            errors.append(exc)
            raise

    return pa.RecordBatchReader.from_batches(schema, batches()), ", ".join(select), errors


def merge_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert `rows` into `table` (streamed to DuckDB as Arrow record batches); returns the row count.

    Rows are deduplicated on the table's key first (the last one wins), so a
    batch that repeats a key still merges cleanly.
    """
    return _merge(con, table, rows)[0]


def _merge(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]],
           unstored: bool = False) -> tuple[int, int]:
    """`merge_rows`, also returning how many of the rows' keys were stored before. `unstored` says the caller
    knows that none is, so the table is not asked (the answer is then 0)."""
    if not rows:
        return 0, 0
    keys = KEYS[table]
    types = _column_types(con, table)
    columns = [c for c in types if any(c in r for r in rows)]
    unique: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        unique[tuple(row[k] for k in keys)] = row
    listed = list(unique.values())
    # Arrow, not a JSON lines file: writing and parsing the JSON cost as much as the insert itself.
    # A stream is read once, so whether any key is stored is asked of the keys staged on their own.
    name = f"veille_stage_{next(_stage_names)}"
    stored = 0
    if not unstored:
        key_table, key_select = _table(listed, keys, types)
        con.register(name, key_table)
        try:
            # a batch of new rows (every row of a daily load's new articles) is inserted: MERGE reads the kept
            # columns of every stored row to match them (0.09 s per million articles), where finding that
            # no key is stored reads the key columns alone (8 ms at 10k stored, 30-40 ms at 1M)
            stored = _stored_count(con, table, keys, f"SELECT {key_select} FROM {name}")
        finally:
            con.unregister(name)
    stream, select, errors = _stream(listed, columns, types)
    con.register(name, stream)
    try:
        staged = f"SELECT {select} FROM {name}"
        con.execute(_upsert_sql(table, columns, staged) if stored else f"INSERT INTO {table} BY NAME {staged}")
    except duckdb.Error:
        if errors:  # the staging's own error (a text with no UTF-8 form, say), not DuckDB's wrapping of it
            raise errors[0] from None
        raise
    finally:
        con.unregister(name)
    return len(listed), stored


def merge_batch(con: duckdb.DuckDBPyConnection, batch: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, int]:
    """Merge several tables' rows in one transaction: all of the batch lands, or none of it."""
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        story_ids: set[str] = set()
        first_seen: list[str] | None = []
        # Ids of this batch's articles that no load stored before it (a daily load's new articles). Topic
        # rows and search entries are written only in the transaction that merges their article, and no
        # article is ever deleted, so an article that was not stored has neither: their tables need not
        # be asked, a question whose cost grows with the warehouse (30-40 ms a table at 1M articles).
        new_articles: set[str] = set()
        for table, rows in batch.items():
            listed = list(rows)
            unstored = (table == "article_topics" and bool(new_articles)
                        and all(str(r.get("article_id")) in new_articles for r in listed))
            counts[table], stored = _merge(con, table, listed, unstored)
            if table == "articles":
                if not stored:
                    new_articles = {str(r["id"]) for r in listed}
                grouped = [r for r in listed if r.get("story_id")]
                story_ids.update(str(r["story_id"]) for r in grouped)
                if first_seen is not None and all(r.get("first_seen") for r in grouped):
                    first_seen += [_json_default(r["first_seen"]) for r in grouped]
                else:  # without every first_seen the refresh cannot bound its read: it reads every article
                    first_seen = None
                # the search index changes with its articles, in the same transaction
                search.index(con, listed, unindexed=not stored)
        # stories are derived from their articles, so they change in the same transaction
        counts["stories"] = refresh_stories(con, sorted(story_ids), first_seen)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return counts
