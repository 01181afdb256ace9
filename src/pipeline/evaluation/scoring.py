"""Scoring shared by the evaluations: shingle precision/recall, averages, shares, table cells."""

from __future__ import annotations

import json
import platform
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.cjk import CJK

# Each Chinese/Japanese/Korean character is a token of its own, as in the scrapinghub
# article-extraction benchmark; elsewhere a token is a run of word characters.
_TOKEN = re.compile(rf"[{CJK}]|\w+", re.U)
SHINGLE = 4


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, one per CJK character."""
    return _TOKEN.findall(text.lower())


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of n-token shingles of `text` (a text shorter than n is one shingle)."""
    words = tokens(text)
    if len(words) < n:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def precision_recall(got: str, gold: str) -> tuple[float, float]:
    """Shingle precision and recall of one extracted text against its gold text."""
    g, e = shingles(got), shingles(gold)
    overlap = sum((g & e).values())
    # an empty extraction of an empty gold is right; an empty extraction of a real gold has no precision
    p = overlap / sum(g.values()) if g else (1.0 if not e else 0.0)
    r = overlap / sum(e.values()) if e else 1.0
    return p, r


def mean(values: Iterable[float]) -> float | None:
    """The average, or None for no values (a column with nothing to score)."""
    items = list(values)
    return sum(items) / len(items) if items else None


def share(flags: Iterable[bool]) -> float | None:
    """The share of true flags, or None for none."""
    items = list(flags)
    return sum(items) / len(items) if items else None


def f1(precision: float | None, recall: float | None) -> float | None:
    """F1 from averaged precision and recall (EVALUATION.md: averages first, then F1)."""
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def cell(value: float | None, width: int = 6) -> str:
    """A table cell with three decimals, '-' when there is nothing to score."""
    return f"{'-':>{width}}" if value is None else f"{value:{width}.3f}"


def header(tool: str, versions: dict[str, str]) -> dict[str, Any]:
    """Date, machine and library versions stamped on every JSON result."""
    return {"evaluation": tool, "date": date.today().isoformat(), "machine": platform.platform(),
            "processor": platform.machine(), "python": platform.python_version(), **versions}


def write_json(out: Path | None, results: dict[str, Any]) -> None:
    """Write the results when an output file was asked for."""
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
