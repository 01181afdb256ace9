"""`veille sources`."""

from __future__ import annotations

import argparse
import sys

from pipeline import output
from pipeline import sources as sources_mod
from pipeline.cli.common import add_command, load_settings


def cmd_sources(args: argparse.Namespace) -> int:
    load_settings(args)  # a broken --config is an error here too
    columns = ["id", "outlet", "language", "home_url", "enabled", "feeds", "sitemaps", "listings", "json_sources"]
    rows = [[s.id, s.outlet, s.language, s.home_url, s.enabled, len(s.feeds), len(s.sitemaps), len(s.listings),
             len(s.json_sources)] for s in sources_mod.all_sources()]
    sys.stdout.write(output.render(columns, rows, args.format))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "sources", "list the declared sources", "veille sources --format json", cmd_sources)
    p.add_argument("--format", choices=output.FORMATS, default="table")
