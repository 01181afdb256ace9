"""Shared pieces of the CLI: common flags, settings, JSON lines in and out, errors."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TextIO

from pipeline import settings as settings_mod
from pipeline.settings import Settings

Handler = Callable[[argparse.Namespace], int]


class BadInput(Exception):
    """Input the user gave is wrong: exit 1 with one readable line."""


class Misuse(Exception):
    """The command was called the wrong way (e.g. a group without its action): exit 2."""


def common_parent() -> argparse.ArgumentParser:
    """Flags every command accepts."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--config", metavar="FILE", help="settings file (TOML); default ./veille.toml if present")
    parent.add_argument("--db", metavar="PATH", help="warehouse file (default: setting db, env VEILLE_DB)")
    return parent


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str,
                example: str, handler: Handler) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with an example."""
    parser = sub.add_parser(name, help=summary, description=summary, parents=[common_parent()],
                            epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


def load_settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from defaults, file, environment, then the command's own flags."""
    try:
        loaded = settings_mod.load(getattr(args, "config", None))
        return loaded.with_overrides(db=getattr(args, "db", None), **overrides)
    except settings_mod.SettingsError as exc:
        raise BadInput(str(exc)) from exc


def dumps(obj: Any) -> str:
    """JSON with non-ASCII characters kept as themselves."""
    return json.dumps(obj, ensure_ascii=False, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))


def write_json_line(obj: Any, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    stream.write(dumps(obj) + "\n")
    stream.flush()


def read_json_lines(stream: TextIO) -> Iterator[tuple[Any, dict[str, Any] | None, str | None]]:
    """Yield (id, object, error) per non-blank input line; a broken line gives an error, not an exception."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield None, None, f"line {number}: not JSON ({exc})"
            continue
        if not isinstance(obj, dict):
            yield None, None, f"line {number}: expected a JSON object"
            continue
        yield obj.get("id"), obj, None


def needs_action(actions: str) -> Handler:
    """The handler of a command group called without its action."""
    def handler(args: argparse.Namespace) -> int:
        raise Misuse(f"{args.command}: say which action ({actions}); see `veille {args.command} --help`")
    return handler


def parse_day(value: str | None, flag: str) -> date | None:
    """A YYYY-MM-DD option, None when absent; anything else is bad input naming the flag."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"{flag}: expected YYYY-MM-DD, got {value!r}") from exc
