"""Numbered SQL migrations, recorded in `schema_migrations`; re-running changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.warehouse.sql import sql_dir

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, str, Path]]:
    """(version, name, path) of every migration file, in order."""
    found = []
    for path in sorted((sql_dir() / "migrations").glob("*.sql")):
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path.stem, path))
    return found


def applied(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions already applied to this warehouse."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())")
    return [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the pending migrations, each in its own transaction; return their names."""
    done = set(applied(con))
    names = []
    for version, name, path in available():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        names.append(name)
    # views are definitions, not data: re-created each time so an edit to warehouse/views/ applies
    apply_views(con)
    return names


def apply_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every view in warehouse/views/ (CREATE OR REPLACE VIEW ...)."""
    folder = sql_dir() / "views"
    names = []
    for path in sorted(folder.glob("*.sql")) if folder.is_dir() else []:
        con.execute(path.read_text(encoding="utf-8"))
        names.append(path.stem)
    return names


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration (0 for an empty file)."""
    versions = applied(con)
    return max(versions) if versions else 0
