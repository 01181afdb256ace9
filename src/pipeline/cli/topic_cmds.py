"""`veille topics train` and `veille classify`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "topics", "manage tracked topics (train a model from labelled examples)",
                    "veille topics train --examples labelled.tsv --out topics.model", not_implemented)
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION")
    t = add_command(tsub, "train", "train a topic model from a TSV of category/headline/text",
                    "veille topics train --examples labelled.tsv --out topics.model", not_implemented)
    t.add_argument("--examples", required=True, metavar="FILE.tsv")
    t.add_argument("--out", required=True, metavar="MODEL")

    p = add_command(sub, "classify", 'tag {"id", "title", "text", "language"?} JSON lines on stdin with topics',
                    "veille classify --topics topics.yaml < articles.jsonl", not_implemented)
    p.add_argument("--topics", metavar="YAML", help="topics rules file")
    p.add_argument("--model", metavar="MODEL", help="trained topic model file")
