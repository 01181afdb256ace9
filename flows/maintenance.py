"""Flows besides the daily run: the report on its own, and re-processing history from the archive."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.daily import WAREHOUSE_TAG
from pipeline import reports
from pipeline import settings as settings_mod
from pipeline.reprocess import reprocess
from pipeline.settings import Settings


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, tags=[WAREHOUSE_TAG])
def reprocess_archive(cfg: Settings, since: str | None) -> str:
    """Re-clean and re-tag archived articles (touches the warehouse: retried)."""
    return reprocess(cfg, date.fromisoformat(since) if since else None).line()


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, tags=[WAREHOUSE_TAG])
def render_report(cfg: Settings, record: bool) -> list[str]:
    """Render (and with `record`, record) the report since the last recorded one."""
    return [str(p) for p in reports.write_reports(cfg, record_alerts=record)]


@flow(name="veille-reprocess")
def reprocess_flow(since: str | None = None, config: str | None = None, db: str | None = None) -> str:
    """Rebuild articles from the WARC archive with the current cleaning and topic rules (no network)."""
    cfg = settings_mod.load(config).with_overrides(db=db)
    line = reprocess_archive(cfg, since)
    create_markdown_artifact(key="veille-reprocess", markdown=f"# veille reprocess\n\n{line}\n")
    return line


@flow(name="veille-report")
def report_flow(record: bool = True, config: str | None = None, db: str | None = None) -> list[str]:
    """The report of new matches since the last recorded report."""
    cfg = settings_mod.load(config).with_overrides(db=db)
    return render_report(cfg, record)
