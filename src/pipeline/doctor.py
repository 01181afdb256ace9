"""Health checks behind `veille doctor`: configuration, warehouse, sources, Prefect API."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from pipeline import logs, places, topics, warehouse
from pipeline import sources as sources_mod
from pipeline.settings import Settings
from pipeline.warehouse.migrations import available

TIMEOUT = 5.0


@dataclass
class Check:
    """One finding: level is ok, warning or error (errors make doctor exit 1)."""

    name: str
    level: str
    message: str
    fix: str = ""


def _mirrored(url: str, mirror: str) -> str:
    if not mirror:
        return url
    rest = url.split("://", 1)[-1]
    return mirror.rstrip("/") + "/" + rest


def check_warehouse(cfg: Settings) -> list[Check]:
    """Schema version and lock holder of the warehouse file."""
    path = Path(cfg.db)
    if not path.exists():
        return [Check("warehouse", "warning", f"{path} does not exist yet", "run `veille migrate` or `veille run`")]
    holder = warehouse.holder(path)
    if holder:
        return [Check("warehouse", "warning", f"held by pid {holder.get('pid')} since {holder.get('since')} "
                      f"({holder.get('command')})", "wait for that run to finish")]
    try:
        with warehouse.read(path, cfg.read_wait) as con:
            # read directly: warehouse.schema_version creates the table first, which a read-only connection may not
            has_table = con.execute("SELECT count(*) FROM information_schema.tables "
                                    "WHERE table_name = 'schema_migrations'").fetchone() != (0,)
            row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone() \
                if has_table else (0,)
            version = int(row[0]) if row else 0
    except warehouse.WarehouseBusy as exc:
        return [Check("warehouse", "warning", str(exc), "wait for the writer to finish")]
    except duckdb.Error as exc:
        return [Check("warehouse", "error", f"{path} cannot be opened: {exc}",
                      "restore it from a backup or move it away and run `veille reprocess`")]
    latest = max((v for v, _, _ in available()), default=0)
    if version > latest:
        return [Check("warehouse", "error", f"schema version {version} was written by a newer veille "
                      f"(this one knows up to {latest})", "upgrade veille, or restore a backup taken with this version")]
    if version < latest:
        return [Check("warehouse", "error", f"schema version {version}, code expects {latest}", "run `veille migrate`")]
    return [Check("warehouse", "ok", f"{path}: schema version {version}")]


def _probe(source: sources_mod.Source, cfg: Settings) -> Check:
    url = _mirrored(source.home_url, cfg.mirror)
    via = f" through {cfg.mirror}" if cfg.mirror else ""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": cfg.user_agent})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http only)
            return Check(f"source {source.id}", "ok", f"{source.home_url} answers {response.status}{via}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        fix = ("check that the mirror is being served (`veille mirror serve DIR`) and the --mirror URL"
               if cfg.mirror else "check the network, DNS and proxy; the source will show in source health")
        return Check(f"source {source.id}", "warning", f"{source.home_url} unreachable{via}: {reason}", fix)


def check_sources(cfg: Settings) -> list[Check]:
    """Each chosen source's home page answers (through the mirror when one is set), probed in parallel."""
    try:
        chosen = sources_mod.select(cfg.sources or None, cfg)
    except KeyError as exc:
        return [Check("sources", "error", str(exc.args[0] if exc.args else exc),
                      "fix the setting `sources` (VEILLE_SOURCES); `veille sources` lists the known ids")]
    if not chosen:
        return [Check("sources", "warning", "no enabled source", "enable one, or name them in the setting `sources`")]
    # one slow host must not make doctor take TIMEOUT seconds per source
    with ThreadPoolExecutor(max_workers=min(8, len(chosen))) as pool:
        return list(pool.map(lambda source: _probe(source, cfg), chosen))


def check_configuration(cfg: Settings) -> list[Check]:
    """Settings whose values load but cannot work."""
    found = []
    fix = "fix the setting named (in the --config file or its VEILLE_* variable)"
    try:
        ZoneInfo(cfg.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(Check("configuration", "error", f"timezone {cfg.timezone!r} is not a known time zone", fix))
    try:
        logs.LineFormatter(cfg.log_format)
        if cfg.log_level.strip().upper() not in logs.LEVELS:
            raise ValueError(f"log_level: expected one of {', '.join(logs.LEVELS)}, got {cfg.log_level!r}")
    except ValueError as exc:
        found.append(Check("configuration", "error", str(exc), fix))
    for name in ("keep_archive_days", "keep_work_days", "read_wait", "write_wait", "crawl_time_limit"):
        if getattr(cfg, name) < 0:
            found.append(Check("configuration", "error", f"{name} is {getattr(cfg, name)}, must be 0 or more", fix))
    if not found:
        def kept(days: int) -> str:
            return f"kept {days} days" if days else "kept forever"

        found.append(Check("configuration", "ok", f"settings load; WARC archive {kept(cfg.keep_archive_days)}, "
                           f"crawl output {kept(cfg.keep_work_days)}"))
    return found


def check_directories(cfg: Settings) -> list[Check]:
    """The directories a run writes to: each must be, or be makeable as, a writable directory."""
    problems = places.unusable(cfg)
    if not problems:
        return [Check("directories", "ok", "the warehouse's directory, work_dir, archive_dir, reports_dir and "
                      "prefect_home can be written")]
    return [Check("directories", "error", f"{setting} {why}", f"set {setting} to a directory you can write")
            for setting, why in problems.items()]


def check_prefect() -> Check:
    """The Prefect API, when one is configured (ephemeral mode needs none)."""
    api = os.environ.get("PREFECT_API_URL", "")
    if not api:
        return Check("prefect", "ok", "no PREFECT_API_URL: flows run in ephemeral mode")
    try:
        with urllib.request.urlopen(api.rstrip("/") + "/health", timeout=TIMEOUT) as response:  # noqa: S310
            return Check("prefect", "ok", f"{api} answers {response.status}")
    except (urllib.error.URLError, OSError) as exc:
        return Check("prefect", "warning", f"{api} unreachable: {exc}", "start it (`veille serve` or `prefect server start`), or unset PREFECT_API_URL to run flows without a server")


def run_checks(cfg: Settings) -> list[Check]:
    """Every check, in the order a person would fix them."""
    found = check_configuration(cfg)
    try:
        rules = topics.load_rules(cfg.topics_file or None, default_threshold=cfg.min_topic_score)
        found.append(Check("topics", "ok", f"rules version {rules.version}"))
    except (OSError, ValueError) as exc:
        found.append(Check("topics", "error", str(exc), "fix the topics file named in the message"))
    if cfg.topics_model and not Path(cfg.topics_model).is_file():
        found.append(Check("topics", "error", f"topics_model {cfg.topics_model} does not exist",
                           "train one with `veille topics train`, or set topics_model to \"\""))
    found += check_directories(cfg)
    found += check_warehouse(cfg)
    found += check_sources(cfg)
    found.append(check_prefect())
    return found
