"""`veille report`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from pipeline.cli.common import BadInput, add_command, load_settings


def _when(value: str | None, flag: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"{flag}: expected an ISO date or date-time, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline import reports  # Jinja, DuckDB and pyarrow: only when a report is made

    cfg = load_settings(args)
    formats = reports.FORMATS if args.format == "all" else (args.format,)
    report, paths = reports.build_and_write(cfg, since=_when(args.since, "--since"), until=_when(args.until, "--until"),
                                            formats=formats, out=args.out, record_alerts=args.record,
                                            deliver=args.deliver)
    for path in paths:
        print(path)
    # a delivery failure is told, never turned into a failing exit status
    for sent in report.deliveries:
        print(f"delivered to {sent.target}" if sent.ok else f"delivery to {sent.target} failed: {sent.error}",
              file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "report", "render the alert report: new stories, follow-ups, spikes, source health "
                    "(read-only unless --record)", "veille report --format html --out today.html", cmd_report)
    p.add_argument("--since", metavar="DATETIME", help="default: the end of the last recorded report")
    p.add_argument("--until", metavar="DATETIME", help="default: now")
    p.add_argument("--format", choices=("html", "md", "json", "all"), default="all")
    p.add_argument("--out", metavar="PATH", help="a file (one format) or a folder (default: setting reports_dir)")
    p.add_argument("--record", action="store_true",
                   help="record the alerts as reported and deliver to the `notify` targets (the flow does this)")
    p.add_argument("--deliver", action=argparse.BooleanOptionalAction, default=None,
                   help="send to the `notify` targets (default: only with --record)")
