"""Read-only warehouse commands (query, search, show) and `migrate`."""

from __future__ import annotations

import argparse
import json
import sys

from pipeline import output
from pipeline.cli.common import BadInput, add_command, load_settings

# duckdb and the warehouse package (which loads pyarrow) are imported by the commands that use them:
# at the top they cost every `veille` command ~0.2 s before it does anything.


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline import warehouse

    cfg = load_settings(args)
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        try:
            cursor = con.execute(args.sql)
        except duckdb.Error as exc:
            raise BadInput(f"query failed: {str(exc).splitlines()[0]}") from exc
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    sys.stdout.write(output.render(columns, rows, args.format))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline import warehouse
    from pipeline.warehouse import search

    cfg = load_settings(args)
    filters = {"sources": [x for x in (args.source or "").split(",") if x], "language": args.language,
               "topic": args.topic, "since": args.since, "until": args.until}
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        try:
            columns, rows = search.search(con, args.text, filters, args.limit)
        except duckdb.Error as exc:
            raise BadInput(f"search failed: {str(exc).splitlines()[0]}") from exc
    sys.stdout.write(output.render(columns, rows, args.format))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from pipeline import warehouse
    from pipeline.warehouse.show import as_text, describe

    cfg = load_settings(args)
    key = args.id
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        shown = describe(con, key)
        if shown is None:
            raise BadInput(f"no article or story with id or URL {key!r}")
        text = con.execute("SELECT text FROM articles WHERE id = ? OR url = ? OR canonical_url = ? LIMIT 1",
                           [key, key, key]).fetchone()
    if args.format == "json":
        sys.stdout.write(json.dumps(shown, ensure_ascii=False, default=str) + "\n")
    elif args.format == "csv":
        columns = ["id", "source_id", "outlet", "language", "published", "first_seen", "deleted_at", "title", "url",
                   "topics", "revisions", "warc_file", "warc_offset"]
        rows = [[c["id"], c["source_id"], c.get("outlet"), c["language"], c["published"], c["first_seen"],
                 c.get("deleted_at"), c["title"], c["url"], " ".join(t["topic"] for t in c["topics"]),
                 len(c["revisions"]), c["captures"][0]["warc_file"] if c["captures"] else None,
                 c["captures"][0]["warc_offset"] if c["captures"] else None] for c in shown["copies"]]
        sys.stdout.write(output.render(columns, rows, "csv"))
    else:
        sys.stdout.write(as_text(shown, text[0] if text else None))
    return 0


EXPORT_FORMATS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)", "jsonl": "(FORMAT json)"}


def cmd_export(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline import warehouse

    cfg = load_settings(args)
    where, params = ["TRUE"], []
    if args.source:
        where.append("a.source_id IN (SELECT unnest(?))")
        params.append([x for x in args.source.split(",") if x])
    if args.language:
        where.append("a.language = ?")
        params.append(args.language)
    if args.topic:
        where.append("a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)")
        params.append(args.topic)
    if args.since:
        where.append("a.first_seen >= CAST(? AS TIMESTAMPTZ)")
        params.append(args.since)
    if args.until:
        where.append("a.first_seen < CAST(? AS TIMESTAMPTZ)")
        params.append(args.until)
    out = args.out or f"veille-export.{args.format}"
    sql = ("SELECT a.id, a.url, a.source_id, a.language, a.published, a.first_seen, a.title, a.text, a.authors, "
           "a.story_id, (SELECT list(t.topic) FROM article_topics t WHERE t.article_id = a.id) AS topics "
           f"FROM articles a WHERE {' AND '.join(where)} ORDER BY a.first_seen, a.id")
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        try:
            count = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
            con.execute(f"COPY ({sql}) TO '{out.replace(chr(39), chr(39) * 2)}' {EXPORT_FORMATS[args.format]}", params)
        except duckdb.Error as exc:
            raise BadInput(f"export failed: {str(exc).splitlines()[0]}") from exc
    print(f"{count[0] if count else 0} articles written to {out}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from pipeline import warehouse
    from pipeline.warehouse import search

    cfg = load_settings(args)
    with warehouse.write(cfg.db, cfg.write_wait) as con:
        names = warehouse.migrate(con)
        version = warehouse.schema_version(con)
        search.reindex_missing(con)
    print(f"{cfg.db}: schema version {version}" + (f" (applied {', '.join(names)})" if names else " (up to date)"))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "query", "run read-only SQL on the warehouse",
                    'veille query --format csv "select source_id, count(*) from articles group by 1"', cmd_query)
    p.add_argument("sql", help="SQL to run (read-only)")
    p.add_argument("--format", choices=output.FORMATS, default="table")

    p = add_command(sub, "search", "full-text search of stored articles",
                    'veille search "économie numérique" --source xinhua-fr --since 2026-01-01 --format json',
                    cmd_search)
    p.add_argument("text")
    p.add_argument("--source", help="source id(s), comma-separated")
    p.add_argument("--language", "--lang", dest="language")
    p.add_argument("--topic")
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=output.FORMATS, default="table")

    p = add_command(sub, "show", "show one article or story with its topics and copies",
                    "veille show 3f2a9c0d11e84b7a", cmd_show)
    p.add_argument("id", help="article id, story id or URL")
    p.add_argument("--format", choices=output.FORMATS, default="table")

    p = add_command(sub, "export", "export articles (with topics and story ids) to Parquet, CSV or JSON lines",
                    "veille export --format parquet --out articles.parquet --topic digital-economy", cmd_export)
    p.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="parquet")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--source", help="source id(s), comma-separated")
    p.add_argument("--language")
    p.add_argument("--topic")
    p.add_argument("--since", metavar="DATE", help="first seen on or after")
    p.add_argument("--until", metavar="DATE", help="first seen before")

    add_command(sub, "migrate", "create or upgrade the warehouse schema (re-running changes nothing)",
                "veille migrate --db warehouse/veille.duckdb", cmd_migrate)
