"""`veille revisions`."""

from __future__ import annotations

import argparse

from pipeline import output
from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "revisions", "list edited and deleted articles",
                    "veille revisions --since 2026-01-01", not_implemented)
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--format", choices=output.FORMATS, default="table")
