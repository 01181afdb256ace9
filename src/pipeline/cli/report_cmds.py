"""`veille report`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "report", "render the alert report of new topic matches",
                    "veille report --format html --out var/reports/today.html", not_implemented)
    p.add_argument("--since", metavar="DATETIME", help="default: the last recorded report")
    p.add_argument("--until", metavar="DATETIME", help="default: now")
    p.add_argument("--format", choices=("html", "md", "json", "all"), default="all")
    p.add_argument("--out", metavar="PATH", help="file (one format) or folder (all)")
    p.add_argument("--record", action="store_true", help="record the alerts as reported (the flow does this)")
