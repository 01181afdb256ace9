"""Health checks behind `veille doctor`: configuration, warehouse, sources, Prefect API."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import sources as sources_mod
from pipeline import topics, warehouse
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
            version = warehouse.schema_version(con) if con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
            ).fetchone() != (0,) else 0
    except warehouse.WarehouseBusy as exc:
        return [Check("warehouse", "warning", str(exc), "wait for the writer to finish")]
    except duckdb.Error as exc:
        return [Check("warehouse", "error", f"{path} cannot be opened: {exc}",
                      "restore it from a backup or move it away and run `veille reprocess`")]
    latest = max((v for v, _, _ in available()), default=0)
    if version < latest:
        return [Check("warehouse", "error", f"schema version {version}, code expects {latest}", "run `veille migrate`")]
    return [Check("warehouse", "ok", f"{path}: schema version {version}")]


def check_sources(cfg: Settings) -> list[Check]:
    """Each enabled source's home page answers (through the mirror when one is set)."""
    found = []
    for source in sources_mod.select(cfg.sources or None):
        url = _mirrored(source.home_url, cfg.mirror)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": cfg.user_agent})
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http only)
                found.append(Check(f"source {source.id}", "ok", f"{source.home_url} answers {response.status}"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            found.append(Check(f"source {source.id}", "warning", f"{source.home_url} unreachable: {reason}",
                               "check the network or the --mirror URL; the source will show in source health"))
    return found


def check_prefect() -> Check:
    """The Prefect API, when one is configured (ephemeral mode needs none)."""
    api = os.environ.get("PREFECT_API_URL", "")
    if not api:
        return Check("prefect", "ok", "no PREFECT_API_URL: flows run in ephemeral mode")
    try:
        with urllib.request.urlopen(api.rstrip("/") + "/health", timeout=TIMEOUT) as response:  # noqa: S310
            return Check("prefect", "ok", f"{api} answers {response.status}")
    except (urllib.error.URLError, OSError) as exc:
        return Check("prefect", "warning", f"{api} unreachable: {exc}", "start it with `prefect server start`")


def run_checks(cfg: Settings) -> list[Check]:
    """Every check, in the order a person would fix them."""
    found = [Check("configuration", "ok", "settings load")]
    try:
        rules = topics.load_rules(cfg.topics_file or None, default_threshold=cfg.min_topic_score)
        found.append(Check("topics", "ok", f"rules version {rules.version}"))
    except (OSError, ValueError) as exc:
        found.append(Check("topics", "error", str(exc), "fix the topics file named in the message"))
    found += check_warehouse(cfg)
    found += check_sources(cfg)
    found.append(check_prefect())
    return found
