"""The alert report: new topic matches since the last recorded report, as HTML, Markdown and JSON."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from pipeline import warehouse
from pipeline.settings import Settings
from pipeline.warehouse.sql import query_text

FORMATS = ("html", "md", "json")
SNIPPET_CHARS = 320


@dataclass
class Copy:
    """One article of a story."""

    article_id: str
    title: str
    url: str
    source_id: str
    language: str | None
    published: str | None


@dataclass
class StoryMatch:
    """A story that matched a topic in the report window, with every copy."""

    story_id: str
    title: str
    score: float
    evidence: list[str]
    snippet: str
    first_seen: str
    outlets: list[str]
    languages: list[str]
    copies: list[Copy] = field(default_factory=list)


@dataclass
class Report:
    """Everything one report shows."""

    id: str
    created: str
    since: str | None
    until: str
    topics: dict[str, list[StoryMatch]]

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.topics.values())


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value is not None else None)


def snippet(text: str, evidence: list[str], width: int = SNIPPET_CHARS) -> str:
    """A piece of text around the first matched term (or the start)."""
    flat = " ".join(text.split())
    start = 0
    for term in evidence:
        at = flat.lower().find(term.lower())
        if at >= 0:
            start = max(0, at - width // 3)
            break
    piece = flat[start:start + width]
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(flat) else "")


def highlight(text: str, evidence: list[str]) -> Markup:
    """HTML-escaped text with the matched terms in <mark> (article text is hostile input)."""
    terms = sorted({t for t in evidence if t.strip()}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[last:m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def last_until(db: str, wait: float) -> datetime | None:
    """The end of the last recorded report's window."""
    with warehouse.read(db, wait) as con:
        row = con.execute("SELECT max(until) FROM reports").fetchone()
    return row[0] if row and row[0] else None


def collect(cfg: Settings, since: datetime | None, until: datetime) -> Report:
    """Topic matches on articles first seen in [since, until), grouped by topic then story."""
    start = since or datetime(1970, 1, 1, tzinfo=UTC)
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        cursor = con.execute(query_text("new_matches"), {"since": start, "until": until,
                                                         "min_score": cfg.alert_min_score})
        columns = [d[0] for d in cursor.description or []]
        rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        story_ids = sorted({r["story_id"] for r in rows if r["story_id"]})
        copies: dict[str, list[Copy]] = {}
        if story_ids:
            for sid, aid, title, url, source_id, lang, published in con.execute(
                    "SELECT story_id, id, title, url, source_id, language, published FROM articles "
                    "WHERE story_id IN (SELECT unnest(?)) ORDER BY coalesce(published, first_seen)",
                    [story_ids]).fetchall():
                copies.setdefault(sid, []).append(Copy(aid, title or "", url, source_id, lang, _iso(published)))
    topics: dict[str, dict[str, StoryMatch]] = {}
    for r in rows:
        sid = r["story_id"] or f"st-{r['article_id']}"
        per_topic = topics.setdefault(r["topic"], {})
        if sid in per_topic:
            per_topic[sid].score = max(per_topic[sid].score, r["score"])
            continue
        story_copies = copies.get(sid, [])
        evidence = list(r["evidence"] or [])
        per_topic[sid] = StoryMatch(
            story_id=sid, title=r["title"] or "", score=float(r["score"]), evidence=evidence,
            snippet=snippet(r["text"] or "", evidence), first_seen=_iso(r["first_seen"]) or "",
            outlets=sorted({c.source_id.split("-")[0] for c in story_copies} or {r["source_id"].split("-")[0]}),
            languages=sorted({c.language or "" for c in story_copies} or {r["language"] or ""}),
            copies=story_copies)
    created = datetime.now(UTC)
    rid = "r-" + hashlib.sha256(f"{_iso(since)}|{_iso(until)}|{created.isoformat()}".encode()).hexdigest()[:12]
    ordered = {t: sorted(v.values(), key=lambda s: (-s.score, s.first_seen)) for t, v in sorted(topics.items())}
    return Report(rid, created.isoformat(timespec="seconds"), _iso(since), _iso(until) or "", ordered)


def _env() -> Environment:
    env = Environment(loader=PackageLoader("pipeline", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["highlight"] = highlight
    return env


def render(report: Report, fmt: str) -> str:
    """The report as `html` (self-contained), `md` or `json`."""
    if fmt == "json":
        data = asdict(report)
        data["total"] = report.total
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    return _env().get_template(f"report.{fmt}.j2").render(report=report)


def record(cfg: Settings, report: Report, paths: list[Path]) -> None:
    """Mark the report's stories as reported for their topics (only the flow and --record do this)."""
    alerts = [{"topic": topic, "story_id": s.story_id, "report_id": report.id, "kind": "new",
               "article_id": s.copies[0].article_id if s.copies else None, "score": s.score,
               "created": report.created}
              for topic, matches in report.topics.items() for s in matches]
    with warehouse.write(cfg.db, cfg.write_wait) as con:
        warehouse.merge_batch(con, {
            "reports": [{"id": report.id, "created": report.created, "since": report.since, "until": report.until,
                         "paths": [str(p) for p in paths]}],
            "alerts": alerts})


def write_reports(cfg: Settings, since: datetime | None = None, until: datetime | None = None,
                  formats: tuple[str, ...] = FORMATS, out: str | None = None,
                  record_alerts: bool = False) -> list[Path]:
    """Render the report in each format to files; with `record_alerts` also record it as sent."""
    start = since if since is not None else last_until(cfg.db, cfg.read_wait)
    report = collect(cfg, start, until or datetime.now(UTC))
    if out and len(formats) == 1 and not Path(out).is_dir():
        targets = {formats[0]: Path(out)}
    else:
        folder = Path(out or cfg.reports_dir)
        stamp = report.created.replace(":", "").replace("-", "")[:15]
        targets = {fmt: folder / f"report-{stamp}.{fmt}" for fmt in formats}
    for fmt, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(report, fmt), encoding="utf-8")
    paths = list(targets.values())
    if record_alerts:
        record(cfg, report, paths)
    return paths
