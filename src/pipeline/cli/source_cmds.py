"""`veille sources [list|health]`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipeline import output
from pipeline import sources as sources_mod
from pipeline.cli.common import BadInput, add_command, load_settings
from pipeline.sources import Source

LIST_COLUMNS = ["id", "outlet", "language", "enabled", "origin", "home_url", "feeds", "sitemaps", "listings",
                "json_sources", "multipage", "proxy"]


def _discovery(source: Source, fmt: str) -> list[Any]:
    methods: list[list[str]] = [list(source.feeds), list(source.sitemaps),
                                [f"{lst.url} {lst.link_selector or ''}".strip() for lst in source.listings],
                                list(source.json_sources)]
    if fmt == "json":
        return list(methods)
    if fmt == "csv":
        return [" ".join(m) for m in methods]
    return [len(m) for m in methods]


def cmd_list(args: argparse.Namespace) -> int:
    cfg = load_settings(args)  # a broken --config is an error here too
    rows = [[s.id, s.outlet, s.language, s.enabled, origin, s.home_url, *_discovery(s, args.format),
             bool(s.page_pattern), s.proxy or None]
            for s, origin in sources_mod.declared(cfg)]
    sys.stdout.write(output.render(LIST_COLUMNS, rows, args.format))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from pipeline import source_health

    if args.days < 1:
        raise BadInput(f"--days: expected a positive number of days, got {args.days}")
    cfg = load_settings(args)
    runs = args.runs if args.runs is not None else cfg.health_runs
    report = source_health.health(cfg, days=args.days, runs=runs)
    columns = list(source_health.COLUMNS)
    sys.stdout.write(output.render(columns, [h.row() for h in report], args.format))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "sources", "list the declared sources (shipped and from sources_file), or their health",
                    "veille sources list --format json", cmd_list)
    p.add_argument("--format", choices=output.FORMATS, default="table")
    ssub = p.add_subparsers(dest="sources_command", metavar="ACTION")
    lst = add_command(ssub, "list", "every source with its discovery methods, whether it is enabled and where it "
                      "is declared (shipped, user or shipped+user); plain `veille sources` does the same",
                      "veille sources list --format csv", cmd_list)
    lst.add_argument("--format", choices=output.FORMATS, default="table")
    health = add_command(ssub, "health", "per source over the last N days of crawl runs: requests, responses by "
                         "status, new articles, failures, empty extractions, challenge pages; flags sources whose "
                         "last runs only failed or brought nothing new (read-only)",
                         "veille sources health --days 7 --format json", cmd_health)
    health.add_argument("--days", type=int, default=7, help="how many days of crawl runs (default 7)")
    health.add_argument("--runs", type=int, default=None, help="runs that must all look dark for a flag "
                        "(default: setting health_runs)")
    health.add_argument("--format", choices=output.FORMATS, default="table")
