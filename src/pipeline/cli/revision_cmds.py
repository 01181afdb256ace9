"""`veille revisit` (re-fetch known articles; starts the flow lazily) and `veille revisions` (list what changed)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pipeline import output
from pipeline.cli.common import BadInput, add_command, load_settings, parse_day


def cmd_revisit(args: argparse.Namespace) -> int:
    from pipeline import sources as sources_mod
    from pipeline.cli.run_cmds import flow_process, flow_settings, prepare_places

    cfg = load_settings(args, mirror=args.mirror)
    try:
        chosen = [s.id for s in sources_mod.select(args.sources or cfg.sources or None)]
    except KeyError as exc:
        raise BadInput(str(exc.args[0] if exc.args else exc)) from exc
    prepare_places(cfg)
    server = flow_process(cfg)
    from flows.maintenance import revisit_flow

    with flow_settings(server):
        result: dict[str, Any] = revisit_flow(sources=chosen, mirror=cfg.mirror or None,
                                              config=getattr(args, "config", None), db=cfg.db)
    print(f"warehouse: {result['db']}")
    failed = [s for s in result["sources"] if s.get("error")]
    return 1 if failed and len(failed) == len(result["sources"]) else 0


def _since(value: str | None, timezone: str) -> datetime | None:
    day = parse_day(value, "--since")
    # a date means the start of that day where the analysts are
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)) if day else None


def cmd_revisions(args: argparse.Namespace) -> int:
    from pipeline import revisions, warehouse

    cfg = load_settings(args)
    since = _since(args.since, cfg.timezone)
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        columns, rows = revisions.listing(con, since)
    sys.stdout.write(output.render(columns, rows, args.format))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "revisit", "re-fetch recently stored articles (rate-limited) to find edits and removals",
                    "veille revisit --sources xinhua-fr --mirror http://127.0.0.1:8000", cmd_revisit)
    p.add_argument("--mirror", metavar="URL", help="send every request to URL/HOST/PATH (replay mirror)")
    p.add_argument("--sources", metavar="ID,...", help="source ids (default: every enabled source)")

    p = add_command(sub, "revisions", "list edited and deleted articles",
                    "veille revisions --since 2026-01-01", cmd_revisions)
    p.add_argument("--since", metavar="DATE", help="only changes seen on or after DATE (YYYY-MM-DD)")
    p.add_argument("--format", choices=output.FORMATS, default="table")
