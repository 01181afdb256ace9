"""Reading what a crawl process leaves (`pages.jsonl`, `summary.json`), without the cleaning stack: the
crawl process itself reads them when it ends, and importing Trafilatura, the language models and numpy
there cost 15 MB in each of a run's crawl processes, all at once.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def read_pages(crawl_dir: Path) -> Iterator[dict[str, Any]]:
    """The page records of one crawl; a broken line is logged and skipped."""
    path = crawl_dir / "pages.jsonl"
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                # a crash mid-write leaves a truncated last line: the page is re-fetched next run
                log.warning("%s:%d: unreadable page record skipped", path, number)


def read_summary(crawl_dir: Path) -> dict[str, Any]:
    """The crawl's summary, or an empty one when the crawl died before writing it."""
    try:
        data: dict[str, Any] = json.loads((crawl_dir / "summary.json").read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


def unanswered(summary: Mapping[str, Any]) -> bool:
    """Whether the crawl sent requests and got not one response back (a site or mirror out of reach)."""
    return int(summary.get("requests") or 0) > 0 and not summary.get("responses_by_status")


def no_answer(crawl_dir: Path, summary: Mapping[str, Any]) -> str | None:
    """Why a crawl whose site never answered failed (every request refused, timed out, unresolved: the
    most common failure of its pages), or None when at least one response came back."""
    if not unanswered(summary):
        return None
    requests = int(summary["requests"])
    reasons = Counter(str(p["failure"]) for p in read_pages(crawl_dir) if p.get("failure"))
    reason = reasons.most_common(1)[0][0] if reasons else "no response"
    return f"the site did not answer: all {requests} requests failed ({reason})"
