"""`veille doctor` and `veille sources`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(sub, "doctor", "check configuration, warehouse, sources and the Prefect API",
                "veille doctor --mirror http://127.0.0.1:8000", not_implemented).add_argument("--mirror")

    p = add_command(sub, "sources", "list the declared sources", "veille sources --format json", not_implemented)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
