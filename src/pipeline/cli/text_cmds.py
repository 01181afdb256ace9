"""`veille extract` and `veille language`."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "extract", "extract main text and metadata from saved HTML pages",
                    "veille extract page.html --url https://french.news.cn/20260101/ab.../c.html\n"
                    "  veille extract --batch pages.jsonl > extracted.jsonl", not_implemented)
    p.add_argument("file", nargs="?", help="an HTML file (gzipped or not)")
    p.add_argument("--url", default="", help="the page's URL (improves dates and hints)")
    p.add_argument("--batch", metavar="LIST.jsonl", help='JSON lines of {"id", "path", "url"}')

    add_command(sub, "language", 'detect the language of {"id", "text"} JSON lines on stdin',
                "echo '{\"id\": 1, \"text\": \"La coopération numérique\"}' | veille language", not_implemented)
