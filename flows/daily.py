"""The daily flow: per source, crawl (own process) → clean/tag/group → load; then the report.

Thin wrappers over `pipeline.daily` and `pipeline.reports`: remove the
decorators and the code still works. Parameters are small and serialisable.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from prefect import State, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from pipeline import crawl_watch, daily, logs, reports, retention
from pipeline import settings as settings_mod
from pipeline import sources as sources_mod
from pipeline.daily import SourceResult
from pipeline.settings import Settings

log = logging.getLogger("veille.run")

WAREHOUSE_TAG = "veille-warehouse"  # a tag concurrency limit of 1 serialises warehouse writes across workers


def _settings(config: str | None, overrides: dict[str, str]) -> Settings:
    return settings_mod.load(config).with_overrides(**overrides)


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, tags=[WAREHOUSE_TAG])
def prepare_schema(cfg: Settings) -> None:
    """Migrations and source rows (touches the warehouse: retried)."""
    daily.ensure_schema(cfg)


def retry_unless_stuck(task: object, task_run: object, state: State[Any]) -> bool:
    """Whether a failed crawl is tried again: not one stopped for outliving its time limit, which would
    only hold up the run as long again."""
    try:
        state.result()
    except crawl_watch.CrawlStuck:
        return False
    except Exception:  # noqa: BLE001 - any other failure (a crash, a refused start) gets its retry
        return True
    return True


@task(retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE, task_run_name="crawl-{source_id}",
      retry_condition_fn=retry_unless_stuck)
def crawl_source(cfg: Settings, source_id: str, run_id: str, day: date, backfill_days: int | None = None) -> str:
    """Crawl one source in its own Scrapy process (touches the network: retried)."""
    source = sources_mod.get(source_id, cfg)
    out = daily.run_dir(cfg, run_id, source_id)
    daily.prepare_crawl(cfg, source, out)
    code = daily.crawl(cfg, source, out, run_id, day, backfill_days)
    if code != 0:
        raise RuntimeError(f"crawl of {source_id} exited with status {code}")
    return str(out)


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, task_run_name="load-{source_id}",
      tags=[WAREHOUSE_TAG])
def load_source(cfg: Settings, source_id: str, out: str, run_id: str, day: date) -> SourceResult:
    """Clean, tag, group and load one crawl (touches the warehouse: retried)."""
    from pathlib import Path

    return daily.load(cfg, sources_mod.get(source_id, cfg), Path(out), run_id, day)


@task(cache_policy=NO_CACHE)
def prune_files(cfg: Settings) -> None:
    """Apply the retention settings to WARC files and crawl output (local files only: not retried, never fatal)."""
    try:
        result = retention.prune(cfg, dry_run=False)
    except OSError as exc:
        logs.event(log, logging.WARNING, "prune-failed", error=str(exc))
        return
    for line in result.lines():
        get_run_logger().info(line)


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, tags=[WAREHOUSE_TAG])
def write_report(cfg: Settings) -> list[str]:
    """Render the report of new stories since the last one, record its alerts, deliver it."""
    report, paths = reports.build_and_write(cfg, record_alerts=True)
    create_markdown_artifact(key="veille-report", markdown=reports.summary_markdown(report),
                             description="The alert report of this run")
    rows = reports.alerts_table(report)
    if rows:
        create_table_artifact(key="veille-new-alerts", table=rows, description="New alerts of this run")
    return [str(p) for p in paths]


@flow(name="veille-daily")
def daily_flow(as_of: str | None = None, sources: list[str] | None = None, mirror: str | None = None,
               config: str | None = None, db: str | None = None) -> dict[str, object]:
    """One daily run over the chosen sources; one failing source never fails the others."""
    return _run(as_of, sources, mirror, config, db, backfill_days=None)


@flow(name="veille-backfill")
def backfill_flow(days: int, as_of: str | None = None, sources: list[str] | None = None, mirror: str | None = None,
                  config: str | None = None, db: str | None = None) -> dict[str, object]:
    """Walk date-ranged sitemaps back `days` days; only URLs not yet stored are fetched."""
    return _run(as_of, sources, mirror, config, db, backfill_days=days)


def _run(as_of: str | None, sources: list[str] | None, mirror: str | None, config: str | None, db: str | None,
         backfill_days: int | None) -> dict[str, object]:
    overrides = {k: v for k, v in {"mirror": mirror, "db": db}.items() if v is not None}
    cfg = _settings(config, overrides)
    day = daily.today(cfg, as_of)
    run_id = daily.new_run_id()
    chosen = [s.id for s in sources_mod.select(sources or cfg.sources or None, cfg)]
    prepare_schema(cfg)
    results: list[SourceResult] = []
    crawls = {sid: crawl_source.submit(cfg, sid, run_id, day, backfill_days) for sid in chosen}
    restored = False
    for sid, future in crawls.items():
        try:
            out = future.result()
            if not restored:
                # what earlier runs read of the story window, so the loads need not read it again; restored
                # here, not while every crawl runs, so the run's peak memory stays where it was
                daily.restore_story_features(cfg)
                restored = True
            result = load_source(cfg, sid, out, run_id, day)
        except Exception as exc:  # one source's failure is recorded, the others go on
            result = SourceResult(sid, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(result.line(), flush=True)
        get_run_logger().info(result.line())
        logs.source_summary(log, result.source_id, error=result.error, requests=result.requests,
                            articles=result.articles, topic_matches=result.topic_matches, failures=result.failures,
                            not_stored=result.not_stored)
        results.append(result)
    daily.keep_story_features(cfg)
    paths = write_report(cfg)
    prune_files(cfg)
    table = "\n".join(f"| {r.source_id} | {r.requests} | {r.articles} | {r.topic_matches} | {r.failures} | "
                      f"{r.error or ''} |" for r in results)
    create_markdown_artifact(
        key="veille-run-summary",
        markdown=f"# veille run {run_id} ({day})\n\n| source | requests | new articles | topic matches | "
                 f"failures | error |\n|---|---|---|---|---|---|\n{table}\n\nReports: {', '.join(paths)}\n",
        description="Per-source summary of the daily run")
    return {"run_id": run_id, "as_of": day.isoformat(), "db": cfg.db, "reports": paths,
            "sources": [r.__dict__ for r in results]}
