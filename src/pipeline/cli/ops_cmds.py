"""Operations: `veille doctor`, `veille backup`, `veille restore`, `veille prune`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import BadInput, add_command, load_settings


def _show(level: str, name: str, message: str, fix: str) -> None:
    print(f"{level.upper():7} {name}: {message}" + (f"\n        → {fix}" if fix else ""), flush=True)


def cmd_doctor(args: argparse.Namespace) -> int:
    from pipeline.doctor import run_checks

    try:
        cfg = load_settings(args, mirror=args.mirror)
    except BadInput as exc:
        # the configuration is the first check: shown like the others, and nothing else can run without it
        _show("error", "configuration", str(exc), "fix or remove the setting named (file, or VEILLE_* variable)")
        return 1
    problems = 0
    for check in run_checks(cfg):
        _show(check.level, check.name, check.message, check.fix)
        problems += check.level == "error"
    return 1 if problems else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pipeline.backup import BackupError, backup

    cfg = load_settings(args)
    try:
        manifest = backup(cfg, args.dir)
    except BackupError as exc:
        raise BadInput(str(exc)) from exc
    rows = sum(manifest.tables.values())
    print(f"backed up {cfg.db} to {args.dir}: schema version {manifest.schema_version}, "
          f"{len(manifest.tables)} tables, {rows} rows")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pipeline.backup import BackupError, restore

    cfg = load_settings(args)
    try:
        print(restore(cfg, args.dir, force=args.force).line())
    except BackupError as exc:
        raise BadInput(str(exc)) from exc
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from pipeline.retention import prune

    cfg = load_settings(args)
    try:
        result = prune(cfg, dry_run=args.dry_run)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    for line in result.lines():
        print(line)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(sub, "doctor", "check configuration, warehouse, sources and the Prefect API",
                "veille doctor --mirror http://127.0.0.1:8000", cmd_doctor).add_argument("--mirror")

    p = add_command(sub, "backup", "write a consistent copy of the warehouse (Parquet export plus a manifest) "
                    "into a new directory, under the write lock", "veille backup backups/2026-01-06", cmd_backup)
    p.add_argument("dir", metavar="DIR", help="new or empty directory to write the backup into")

    p = add_command(sub, "restore", "bring a backup back into a warehouse file (--db) and check its row counts",
                    "veille restore backups/2026-01-06 --db warehouse/restored.duckdb", cmd_restore)
    p.add_argument("dir", metavar="DIR", help="a directory written by `veille backup`")
    p.add_argument("--force", action="store_true", help="replace a warehouse that already holds rows")

    p = add_command(sub, "prune", "delete WARC files and crawl output older than keep_archive_days / keep_work_days",
                    "veille prune --dry-run", cmd_prune)
    p.add_argument("--dry-run", action="store_true", help="only print what would be removed")
