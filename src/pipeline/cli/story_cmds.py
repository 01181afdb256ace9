"""`veille dedup`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(sub, "dedup", 'group {"id", "title", "text", ...} JSON lines on stdin into stories',
                "veille dedup < articles.jsonl > stories.jsonl", not_implemented)
