"""Backup and restore of the warehouse: DuckDB `EXPORT DATABASE` to Parquet, with a manifest.

An export (schema.sql, load.sql, one Parquet file per table) restores
exactly, `schema_migrations` included, and unlike a copy of the DuckDB file
it stays readable by a later DuckDB version. The export is taken under the
write lock, so no writer is mid-batch, and lands in a temporary directory
renamed into place at the end: a directory with a manifest is a whole backup.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline import __version__, warehouse
from pipeline.settings import Settings

MANIFEST = "manifest.json"
FORMAT = "veille-backup/1"
REGENERATED = frozenset({"schema_migrations", "sources"})


class BackupError(ValueError):
    """A backup cannot be written or restored as asked (the message says why and where)."""


@dataclass
class Manifest:
    """What a backup holds: enough to check a restore against it."""

    schema_version: int
    tables: dict[str, int]
    created_at: str
    veille_version: str
    duckdb_version: str
    source_db: str
    format: str = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {"format": self.format, "created_at": self.created_at, "veille_version": self.veille_version,
                "duckdb_version": self.duckdb_version, "schema_version": self.schema_version,
                "source_db": self.source_db, "tables": self.tables, **self.extra}
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per base table of the main schema, by name."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary ORDER BY 1").fetchall()]
    counts = {}
    for name in names:
        row = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def _schema_version(con: duckdb.DuckDBPyConnection, tables: dict[str, int]) -> int:
    if "schema_migrations" not in tables:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a backup directory; BackupError when it is missing or not one of ours."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{folder}: not a veille backup (no {MANIFEST})") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path}: unreadable manifest ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tables"), dict):
        raise BackupError(f"{path}: not a {FORMAT} manifest")
    known = {"format", "created_at", "veille_version", "duckdb_version", "schema_version", "source_db", "tables"}
    return Manifest(schema_version=int(data.get("schema_version") or 0),
                    tables={str(k): int(v) for k, v in data["tables"].items()},
                    created_at=str(data.get("created_at", "")), veille_version=str(data.get("veille_version", "")),
                    duckdb_version=str(data.get("duckdb_version", "")), source_db=str(data.get("source_db", "")),
                    extra={k: v for k, v in data.items() if k not in known})


def backup(cfg: Settings, folder: str | Path) -> Manifest:
    """Export the warehouse into `folder` (new or empty) under the write lock; its manifest."""
    db = Path(cfg.db)
    target = Path(folder).resolve()
    if not db.is_file():
        raise warehouse.WarehouseMissing(f"no warehouse at {db} (nothing to back up)")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target}: exists and is not an empty directory (a backup goes into a new one)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with warehouse.write(db, cfg.write_wait) as con:
            tables = table_counts(con)
            manifest = Manifest(schema_version=_schema_version(con, tables), tables=tables,
                                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                                veille_version=__version__, duckdb_version=duckdb.__version__,
                                source_db=str(db.resolve()))
            try:
                con.execute(f"EXPORT DATABASE {_sql_string(str(partial))} (FORMAT parquet)")
            except duckdb.Error as exc:
                raise BackupError(f"{target}: export failed ({str(exc).splitlines()[0]})") from exc
        # the manifest goes in last: a directory without one is an interrupted backup
        (partial / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        if target.exists():
            target.rmdir()
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return manifest


def _user_objects(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(kind, name) of every view, table, sequence and macro in the main schema, in a safe drop order."""
    found: list[tuple[str, str]] = []
    here = "database_name = current_database() AND schema_name = 'main'"
    for kind, query in (
            ("VIEW", f"SELECT view_name FROM duckdb_views() WHERE {here} AND NOT internal AND NOT temporary"),
            ("MACRO", f"SELECT DISTINCT function_name FROM duckdb_functions() WHERE {here} AND NOT internal "
                      "AND function_type = 'macro'"),
            ("MACRO TABLE", f"SELECT DISTINCT function_name FROM duckdb_functions() WHERE {here} "
                            "AND NOT internal AND function_type = 'table_macro'"),
            ("TABLE", f"SELECT table_name FROM duckdb_tables() WHERE {here} AND NOT temporary"),
            ("SEQUENCE", f"SELECT sequence_name FROM duckdb_sequences() WHERE {here} AND NOT temporary")):
        found += [(kind, r[0]) for r in con.execute(query).fetchall()]
    return found


@dataclass
class RestoreResult:
    """What a restore brought back."""

    db: str
    manifest: Manifest
    replaced: bool

    def line(self) -> str:
        """One summary line."""
        rows = sum(self.manifest.tables.values())
        return (f"restored {self.db} from the backup of {self.manifest.created_at}: schema version "
                f"{self.manifest.schema_version}, {len(self.manifest.tables)} tables, {rows} rows, row counts verified"
                + (" (replaced the previous warehouse)" if self.replaced else ""))


def restore(cfg: Settings, folder: str | Path, force: bool = False) -> RestoreResult:
    """Import a backup into the warehouse file `cfg.db` under the write lock, in one transaction.

    An existing warehouse holding rows is replaced only with `force`; row
    counts are checked against the manifest before the transaction commits,
    so a failed or mismatching restore leaves the previous file as it was.
    """
    source = Path(folder).resolve()
    manifest = read_manifest(source)
    for name in ("schema.sql", "load.sql"):
        if not (source / name).is_file():
            raise BackupError(f"{source}: incomplete backup ({name} is missing)")
    db = Path(cfg.db)
    created = not db.exists()
    try:
        return _import(cfg, db, source, manifest, force)
    except BaseException as exc:
        # a failed restore into a new path leaves no half-made warehouse behind (unless someone else made it)
        if created and not isinstance(exc, warehouse.WarehouseBusy):
            for leftover in (db, warehouse.log_path(db)):
                leftover.unlink(missing_ok=True)
        raise


def _import(cfg: Settings, db: Path, source: Path, manifest: Manifest, force: bool) -> RestoreResult:
    with warehouse.write(db, cfg.write_wait) as con:
        existing = table_counts(con)
        # migrations and source rows are rewritten by every run: a file holding only those holds no data
        held = {t: n for t, n in existing.items() if n and t not in REGENERATED}
        if held and not force:
            rows = ", ".join(f"{n} {t}" for t, n in sorted(held.items()))
            raise BackupError(f"{db} already holds a warehouse ({rows}); use --force to replace it")
        con.execute("BEGIN TRANSACTION")
        try:
            for kind, name in _user_objects(con):
                con.execute(f"DROP {kind} IF EXISTS {_quote(name)}")
            try:
                con.execute(f"IMPORT DATABASE {_sql_string(str(source))}")
            except duckdb.Error as exc:
                raise BackupError(f"{source}: cannot be imported ({str(exc).splitlines()[0]})") from exc
            restored = table_counts(con)
            if restored != manifest.tables:
                wrong = sorted(set(restored) ^ set(manifest.tables)) or sorted(
                    t for t in restored if restored[t] != manifest.tables.get(t))
                raise BackupError(f"{source}: restored row counts differ from the manifest for {', '.join(wrong)}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        # one file again, so the restored warehouse does not depend on a write-ahead log beside it
        con.execute("CHECKPOINT")
    return RestoreResult(db=str(db), manifest=manifest, replaced=bool(existing))
