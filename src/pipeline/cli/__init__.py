"""The `veille` command: a thin shell over the library, one module per command group."""

from __future__ import annotations

import argparse
import sys

from pipeline import __version__, exitguard
from pipeline.cli import (
    eval_cmds,
    mirror_cmds,
    ops_cmds,
    report_cmds,
    revision_cmds,
    run_cmds,
    source_cmds,
    story_cmds,
    text_cmds,
    topic_cmds,
    warehouse_cmds,
)
from pipeline.cli.common import BadInput, Misuse
from pipeline.settings import SettingsError

# How long a command that ran flows may take to exit once done (Prefect flushes its logs and events then).
EXIT_GRACE_SECONDS = 60.0

GROUPS = (run_cmds, text_cmds, topic_cmds, story_cmds, revision_cmds, warehouse_cmds, report_cmds, source_cmds,
          ops_cmds, mirror_cmds, eval_cmds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veille",
        description="veille: media monitoring of state news outlets — crawl, clean, tag, group, warehouse, alert.",
        epilog="example:\n  veille demo\n  veille run --sources xinhua-fr --as-of 2026-01-02\n"
               "  veille query \"select source_id, count(*) from articles group by 1\"",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"veille {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for group in GROUPS:
        group.register(sub)
    return parser


def _configure_logs(args: argparse.Namespace) -> None:
    """Structured log lines at the configured level; a broken configuration is the command's to report."""
    from pipeline import logs
    from pipeline import settings as settings_mod

    try:
        cfg = settings_mod.load(getattr(args, "config", None))
        logs.configure(cfg.log_level, cfg.log_format)
    except (SettingsError, ValueError, OSError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    _configure_logs(args)
    code = 1  # an error raised on is an exit with status 1
    try:
        code = _run(args)
    finally:
        if exitguard.wanted():
            # a command that ran flows: its work is done and said; a library's exit hook may not hold it
            exitguard.exit_within(EXIT_GRACE_SECONDS, code)
    return code


def _run(args: argparse.Namespace) -> int:
    """The command's exit status; expected errors said in one line."""
    try:
        code: int = args.handler(args)
        return code
    except Misuse as exc:
        print(f"veille: {exc}", file=sys.stderr)
        return 2
    except (BadInput, SettingsError, FileNotFoundError) as exc:
        print(f"veille: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("veille: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if _warehouse_busy(exc):
            print(f"veille: {exc}", file=sys.stderr)
            return 1
        raise


def _warehouse_busy(exc: Exception) -> bool:
    """Another process holds the warehouse. Only the warehouse's connection module raises this, so without
    that module loaded the error is another (and it is not imported just to say so). A missing warehouse
    is a FileNotFoundError, caught above."""
    connection = sys.modules.get("pipeline.warehouse.connection")
    return connection is not None and isinstance(exc, connection.WarehouseBusy)


if __name__ == "__main__":
    sys.exit(main())
