"""Serve every deployment on a schedule from one process (`veille serve`)."""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.daily import backfill_flow, daily_flow
from flows.maintenance import reprocess_flow, revisit_flow
from pipeline.settings import Settings


def deployments(cfg: Settings, config: str | None = None) -> list[RunnerDeployment]:
    """The scheduled deployments; "daily" means the configured time zone's day."""
    common = {"config": config, "db": cfg.db}
    return [
        daily_flow.to_deployment("daily", schedules=[Cron(cfg.daily_cron, timezone=cfg.timezone)],
                                 parameters=common, tags=["veille"]),
        backfill_flow.to_deployment("weekly-backfill", schedules=[Cron(cfg.backfill_cron, timezone=cfg.timezone)],
                                    parameters={**common, "days": cfg.backfill_days}, tags=["veille"]),
        # the daily flow already writes the report; this one re-renders on demand without recording
        revisit_flow.to_deployment("revisit", schedules=[Cron(cfg.revisit_cron, timezone=cfg.timezone)],
                                   parameters=common, tags=["veille"]),
        reprocess_flow.to_deployment("reprocess", parameters=common, tags=["veille"]),
    ]


def serve_all(cfg: Settings, config: str | None = None) -> None:
    """Register the deployments and run them as they come due (blocks until interrupted)."""
    serve(*deployments(cfg, config), print_starting_message=True)
