"""Flows besides the daily run: the report on its own, re-processing history from the archive, revisiting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.daily import WAREHOUSE_TAG, prepare_schema, retry_unless_stuck
from pipeline import daily, reports, revisions
from pipeline import settings as settings_mod
from pipeline import sources as sources_mod
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


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def plan_revisit(cfg: Settings, source_ids: list[str], run_id: str) -> dict[str, str]:
    """Choose the articles to re-fetch and write each source's URL list (reads the warehouse: retried)."""
    chosen = revisions.plan(cfg, source_ids)
    dirs: dict[str, str] = {}
    for sid, known in chosen.items():
        out = revisions.run_dir(cfg, run_id, sid)
        revisions.write_plan(out, known)
        if known:
            dirs[sid] = str(out)
    return dirs


@task(retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE, task_run_name="revisit-{source_id}",
      retry_condition_fn=retry_unless_stuck)
def revisit_crawl(cfg: Settings, source_id: str, out: str, run_id: str) -> str:
    """Re-fetch one source's planned URLs in their own Scrapy process (touches the network: retried)."""
    code = revisions.crawl(cfg, sources_mod.get(source_id, cfg), Path(out), run_id)
    if code != 0:
        raise RuntimeError(f"revisit crawl of {source_id} exited with status {code}")
    return out


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, task_run_name="revisions-{source_id}",
      tags=[WAREHOUSE_TAG])
def load_revisions(cfg: Settings, source_id: str, out: str, run_id: str) -> revisions.RevisitResult:
    """Record edits and removals found by one source's revisit (touches the warehouse: retried)."""
    return revisions.load(cfg, sources_mod.get(source_id, cfg), Path(out), run_id)


@flow(name="veille-revisit")
def revisit_flow(sources: list[str] | None = None, mirror: str | None = None, config: str | None = None,
                 db: str | None = None) -> dict[str, object]:
    """Re-fetch recently stored articles (rate-limited) and record which were edited or removed."""
    overrides = {k: v for k, v in {"mirror": mirror, "db": db}.items() if v is not None}
    cfg = settings_mod.load(config).with_overrides(**overrides)
    run_id = daily.new_run_id()
    chosen = [s.id for s in sources_mod.select(sources or cfg.sources or None, cfg)]
    prepare_schema(cfg)
    planned = plan_revisit(cfg, chosen, run_id)
    crawls = {sid: revisit_crawl.submit(cfg, sid, out, run_id) for sid, out in planned.items()}
    results: list[revisions.RevisitResult] = []
    for sid in chosen:
        if sid not in crawls:
            result = revisions.RevisitResult(sid)
        else:
            try:
                result = load_revisions(cfg, sid, crawls[sid].result(), run_id)
            except Exception as exc:  # one source's failure is recorded, the others go on
                result = revisions.RevisitResult(sid, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(result.line(), flush=True)
        get_run_logger().info(result.line())
        results.append(result)
    table = "\n".join(f"| {r.source_id} | {r.checked} | {r.edited} | {r.deleted} | {r.unchanged} | "
                      f"{r.unreachable} | {r.error or ''} |" for r in results)
    create_markdown_artifact(
        key="veille-revisit-summary",
        markdown=f"# veille revisit {run_id}\n\n| source | re-fetched | edited | deleted | unchanged | "
                 f"not checked | error |\n|---|---|---|---|---|---|---|\n{table}\n",
        description="Per-source summary of the revisit run")
    return {"run_id": run_id, "db": cfg.db, "sources": [r.__dict__ for r in results]}
