"""Commands that start flows: run, demo, backfill, reprocess, serve (Prefect is imported lazily)."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_command, not_implemented


def _fetch_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mirror", metavar="URL", help="send every request to URL/HOST/PATH (replay mirror)")
    p.add_argument("--sources", metavar="ID,...", help="source ids (default: every enabled source)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_command(sub, "demo", "run the whole pipeline offline on the bundled two-day demo mirror",
                "veille demo", not_implemented)

    p = add_command(sub, "run", "one daily run: crawl what is new, clean, tag, group, load, report",
                    "veille run --sources xinhua-fr,sputnik-fr --as-of 2026-01-02", not_implemented)
    _fetch_flags(p)
    p.add_argument("--as-of", metavar="DATE", help="pretend the run happens on DATE (YYYY-MM-DD)")

    p = add_command(sub, "backfill", "walk sitemaps and listings back N days",
                    "veille backfill --days 30 --sources xinhua-en", not_implemented)
    _fetch_flags(p)
    p.add_argument("--days", type=int, required=True)

    p = add_command(sub, "reprocess", "rebuild articles from the WARC archive (no network)",
                    "veille reprocess --since 2026-01-01", not_implemented)
    p.add_argument("--since", metavar="DATE")

    add_command(sub, "serve", "serve the scheduled deployments with a local Prefect server",
                "veille serve", not_implemented)
