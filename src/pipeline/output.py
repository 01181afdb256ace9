"""Rendering query results as a table, CSV or JSON lines, and counts in words for summary lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "csv", "json")


def counted(n: int, one: str, many: str | None = None) -> str:
    """"1 request", "3 requests": a count with its noun in the right number."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _cell(value: Any, width: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        text = json.dumps(_plain(value), ensure_ascii=False)
    else:
        text = str(_plain(value))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Rows as `table` (aligned text), `csv` (with a header row) or `json` (JSON lines)."""
    if fmt == "json":
        return "".join(json.dumps({c: _plain(v) for c, v in zip(columns, row, strict=True)},
                                  ensure_ascii=False) + "\n" for row in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, list | dict)
                             else ("" if v is None else _plain(v)) for v in row])
        return buffer.getvalue()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({counted(len(rows), 'row')})")
    return "\n".join(lines) + "\n"
