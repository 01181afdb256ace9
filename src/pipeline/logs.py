"""Structured log lines: one line per event, as `key=value` text or one JSON object.

An expected failure (a URL that timed out, a source whose crawl failed) is an
event with fields, never a stack trace; only an unexpected exception logged
with `exc_info` carries its traceback (in a field, under the JSON format, so
the output stays one object per line).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Attribute names on a LogRecord that carry an event; chosen not to clash with LogRecord's own.
_EVENT = "veille_event"
_FIELDS = "veille_fields"
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@+,%?&#~[]")


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    # '=' is allowed unquoted only after the first one of the pair: URLs carry query strings
    if text and all(c in _SAFE or c == "=" or ord(c) > 127 for c in text) and not text[0] == "=":
        return text
    return json.dumps(text, ensure_ascii=False)


class LineFormatter(logging.Formatter):
    """Formats every record as one line: `ts level logger event=... key=value` or a JSON object."""

    def __init__(self, kind: str = "text") -> None:
        if kind not in FORMATS:
            raise ValueError(f"log_format: expected one of {', '.join(FORMATS)}, got {kind!r}")
        super().__init__()
        self.kind = kind

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The record as ordered fields (time, level, logger, event or message, then the event's fields)."""
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "logger": record.name,
        }
        event = getattr(record, _EVENT, None)
        if event:
            out["event"] = event
            out.update(getattr(record, _FIELDS, {}) or {})
        else:
            out["msg"] = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            out["error"] = f"{type(exc).__name__}: {exc}"
        return out

    def format(self, record: logging.LogRecord) -> str:
        out = self.fields(record)
        trace = self.formatException(record.exc_info) if record.exc_info else ""
        if self.kind == "json":
            if trace:
                out["traceback"] = trace
            return json.dumps(out, ensure_ascii=False, default=str)
        head = f"{out.pop('ts')} {out.pop('level')} {out.pop('logger')}"
        line = " ".join([head, *(f"{k}={_text_value(v)}" for k, v in out.items() if v is not None)])
        return f"{line}\n{trace}" if trace else line


_installed: logging.Handler | None = None


def configure(level: str = "WARNING", kind: str = "text", stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's records to `stream` (stderr) as structured lines; calling again replaces the handler."""
    global _installed
    name = level.strip().upper()
    if name not in LEVELS:
        raise ValueError(f"log_level: expected one of {', '.join(LEVELS)}, got {level!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LineFormatter(kind))
    # the level goes on the handler too: libraries such as Scrapy set DEBUG on their own loggers, which the
    # root logger's level alone would not hold back
    handler.setLevel(name)
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    root.addHandler(handler)
    root.setLevel(name)
    _installed = handler
    return handler


def event(logger: logging.Logger, level: int, name: str, **fields: Any) -> None:
    """Log one event with its fields (no stack trace: an event is an expected outcome)."""
    logger.log(level, name, extra={_EVENT: name, _FIELDS: fields})


def failed_url(logger: logging.Logger, source_id: str, url: str, reason: str, status: int | None = None,
               kind: str | None = None) -> None:
    """The one line of a URL that could not be used: which source, which URL, what went wrong."""
    event(logger, logging.WARNING, "failed-url", source=source_id, url=url, kind=kind, status=status, reason=reason)


def source_summary(logger: logging.Logger, source_id: str, error: str | None = None, **counts: Any) -> None:
    """The one line of a source's run: its counts, and its error when the run failed (a warning then)."""
    event(logger, logging.WARNING if error else logging.INFO, "source-summary", source=source_id, **counts,
          error=error)
