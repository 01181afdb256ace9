"""Which stories are new alerts, which articles are follow-ups, which topics spike, which sources went dark.

An alert is a story, not an article: a story matching a tracked topic is
reported once for that topic (kind `new`); articles that join it later are
follow-ups. Spikes compare a topic's matches today with its trailing four
weeks. Source health reads the last crawl runs of each source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb
from markupsafe import Markup, escape

from pipeline.settings import Settings
from pipeline.source_health import SourceHealth as SourceHealth  # moved there; callers still find it here
from pipeline.source_health import source_health as source_health
from pipeline.warehouse.sql import query_text

SNIPPET_CHARS = 320
VOLUME_DAYS = 30
# four whole weeks, so every weekday weighs the same in the baseline
TRAILING_DAYS = 28

# Proposed settings, read with getattr until Settings declares them (see the report to the lead).
DEFAULTS: dict[str, Any] = {
    "alert_topics": "",            # comma-separated topics to alert on ("" = all)
    "alert_sources": "",           # comma-separated source ids or outlets ("" = all)
    "alert_languages": "",         # comma-separated ISO 639-1 codes ("" = all)
    "spike_z": 3.0,                # today's z-score against the trailing 28 days that makes a spike
    "spike_min_count": 5,          # and at least this many matched articles today
    "spike_min_days": 7,           # and at least this many observed days in the baseline
    "health_runs": 2,              # a source is flagged when its last N runs all look dark
}

T = TypeVar("T", str, int, float)


def setting(cfg: Settings, name: str, default: T) -> T:
    """A setting that may not be declared yet, coerced to the default's type."""
    value = getattr(cfg, name, default)
    return type(default)(value)


def split_list(value: str) -> list[str]:
    """A comma-separated setting as a list (empty = all)."""
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Rules:
    """The alert rules: which topics, sources and languages, and the minimum topic score."""

    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_score: float = 1.0

    @classmethod
    def from_settings(cls, cfg: Settings) -> Rules:
        return cls(topics=tuple(split_list(setting(cfg, "alert_topics", ""))),
                   sources=tuple(split_list(setting(cfg, "alert_sources", ""))),
                   languages=tuple(split_list(setting(cfg, "alert_languages", ""))),
                   min_score=cfg.alert_min_score)

    def params(self) -> dict[str, Any]:
        return {"topics": list(self.topics), "sources": list(self.sources), "languages": list(self.languages)}


@dataclass
class Copy:
    """One article of a story."""

    article_id: str
    title: str
    url: str
    source_id: str
    language: str | None
    published: str | None
    first_seen: str | None = None


@dataclass
class StoryMatch:
    """A story newly matching a topic, with every copy."""

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
class FollowUp:
    """New copies of a story already reported for a topic."""

    story_id: str
    title: str
    first_reported: str
    report_id: str
    outlets: list[str]
    languages: list[str]
    copies: list[Copy] = field(default_factory=list)


@dataclass
class Spike:
    """A topic whose matches today stand out from its trailing four weeks."""

    topic: str
    day: str
    count: int
    mean: float
    std: float
    z: float
    days_observed: int


def iso(value: Any) -> str | None:
    """A timestamp or date as ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value) if value is not None else None


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


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def _outlet(source_id: str) -> str:
    return source_id.split("-")[0]


def _copies(con: duckdb.DuckDBPyConnection, story_ids: list[str]) -> dict[str, list[Copy]]:
    found: dict[str, list[Copy]] = {}
    if not story_ids:
        return found
    for r in _rows(con, "SELECT story_id, id, title, url, source_id, language, published, first_seen FROM articles "
                        "WHERE story_id IN (SELECT unnest(?)) ORDER BY coalesce(published, first_seen), id",
                   [story_ids]):
        found.setdefault(r["story_id"], []).append(
            Copy(r["id"], r["title"] or "", r["url"], r["source_id"] or "", r["language"], iso(r["published"]),
                 iso(r["first_seen"])))
    return found


def _reported_new(con: duckdb.DuckDBPyConnection, story_ids: list[str]) -> set[tuple[str, str]]:
    if not story_ids:
        return set()
    rows = con.execute("SELECT DISTINCT topic, story_id FROM alerts WHERE kind = 'new' "
                       "AND story_id IN (SELECT unnest(?))", [story_ids]).fetchall()
    return {(str(t), str(s)) for t, s in rows}


def new_stories(con: duckdb.DuckDBPyConnection, rules: Rules, since: datetime,
                until: datetime) -> dict[str, list[StoryMatch]]:
    """Stories with a rule-passing match in [since, until) never reported for that topic, per topic."""
    rows = _rows(con, query_text("alert_matches"),
                 {"since": since, "until": until, "min_score": rules.min_score, **rules.params()})
    story_ids = sorted({r["story_id"] for r in rows})
    reported = _reported_new(con, story_ids)
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:  # ordered by score, best first: the first row of a story carries its evidence
        key = (r["topic"], r["story_id"])
        if key not in reported and key not in best:
            best[key] = r
    copies = _copies(con, sorted({sid for _, sid in best}))
    topics: dict[str, list[StoryMatch]] = {}
    for (topic, sid), r in best.items():
        story_copies = copies.get(sid) or [Copy(r["article_id"], r["title"] or "", r["url"], r["source_id"] or "",
                                                r["language"], iso(r["published"]), iso(r["first_seen"]))]
        evidence = [str(e) for e in (r["evidence"] or [])]
        topics.setdefault(topic, []).append(StoryMatch(
            story_id=sid, title=r["story_title"] or r["title"] or "", score=float(r["score"]), evidence=evidence,
            snippet=snippet(r["text"] or "", evidence),
            first_seen=iso(r["story_first_seen"] or r["first_seen"]) or "",
            outlets=sorted({_outlet(c.source_id) for c in story_copies}),
            languages=sorted({c.language or "" for c in story_copies}), copies=story_copies))
    return {t: sorted(v, key=lambda s: (-s.score, s.first_seen, s.story_id)) for t, v in sorted(topics.items())}


def follow_ups(con: duckdb.DuckDBPyConnection, rules: Rules, since: datetime,
               until: datetime) -> dict[str, list[FollowUp]]:
    """Articles first seen in [since, until) that joined stories already reported for a topic, per topic."""
    rows = _rows(con, query_text("alert_follow_ups"), {"since": since, "until": until, **rules.params()})
    topics: dict[str, dict[str, FollowUp]] = {}
    for r in rows:
        per_topic = topics.setdefault(r["topic"], {})
        item = per_topic.get(r["story_id"])
        if item is None:
            item = per_topic[r["story_id"]] = FollowUp(
                story_id=r["story_id"], title=r["story_title"] or r["title"] or "",
                first_reported=iso(r["reported_until"]) or "", report_id=r["report_id"], outlets=[], languages=[])
        item.copies.append(Copy(r["article_id"], r["title"] or "", r["url"], r["source_id"] or "", r["language"],
                                iso(r["published"]), iso(r["first_seen"])))
    for per_topic in topics.values():
        for item in per_topic.values():
            item.outlets = sorted({_outlet(c.source_id) for c in item.copies})
            item.languages = sorted({c.language or "" for c in item.copies})
    return {t: sorted(v.values(), key=lambda f: (-len(f.copies), f.story_id)) for t, v in sorted(topics.items())}


def local_day(moment: datetime, tz: str) -> date:
    """The local day an exclusive window end belongs to (midnight closes the previous day)."""
    return (moment - timedelta(microseconds=1)).astimezone(ZoneInfo(tz)).date()


@dataclass
class Volume:
    """Matched articles per topic per local day, and the days on which the pipeline ran at all."""

    today: date
    per_day: dict[str, dict[date, int]]
    observed: set[date]

    def series(self, topic: str, days: int = VOLUME_DAYS) -> list[tuple[str, int]]:
        """The `days` days ending today, zeros included, oldest first."""
        counts = self.per_day.get(topic, {})
        shown = [self.today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        return [(d.isoformat(), counts.get(d, 0)) for d in shown]


def daily_volume(con: duckdb.DuckDBPyConnection, rules: Rules, until: datetime, tz: str) -> Volume:
    """Per topic, rule-passing matched articles per local day over the 30 days ending with `until`'s day."""
    today = local_day(until, tz)
    first = today - timedelta(days=max(VOLUME_DAYS, TRAILING_DAYS + 1) - 1)
    params = {"start": datetime.combine(first, time(), tzinfo=ZoneInfo(tz)), "until": until, "tz": tz}
    observed = {r["day"] for r in _rows(con, query_text("observed_days"), params)}
    counts: dict[str, dict[date, int]] = {}
    for r in _rows(con, query_text("topic_daily_volume"), {**params, "min_score": rules.min_score, **rules.params()}):
        counts.setdefault(r["topic"], {})[r["day"]] = int(r["articles"])
    return Volume(today, dict(sorted(counts.items())), observed)


def spike_stats(today_count: int, baseline: list[int]) -> tuple[float, float, float]:
    """(mean, std, z) of today's count against the baseline days.

    The spread is floored at sqrt(mean) (what a Poisson count would show) and
    at 1, so a topic that was flat at 0 or 1 a day does not turn every small
    burst into an infinite z-score.
    """
    n = len(baseline)
    mean = sum(baseline) / n if n else 0.0
    std = math.sqrt(sum((x - mean) ** 2 for x in baseline) / n) if n else 0.0
    spread = max(std, math.sqrt(mean), 1.0)
    return mean, std, (today_count - mean) / spread


def spikes(volume: Volume, *, z_min: float, min_count: int, min_days: int) -> dict[str, Spike]:
    """Topics whose count today has z >= z_min against the observed days of the 28 before, given enough history."""
    trailing = [volume.today - timedelta(days=n) for n in range(TRAILING_DAYS, 0, -1)]
    found: dict[str, Spike] = {}
    for topic, per_day in volume.per_day.items():
        baseline = [per_day.get(d, 0) for d in trailing if d in volume.observed or d in per_day]
        count = per_day.get(volume.today, 0)
        if len(baseline) < min_days or count < min_count:
            continue
        mean, std, z = spike_stats(count, baseline)
        if z >= z_min:
            found[topic] = Spike(topic, volume.today.isoformat(), count, round(mean, 2), round(std, 2), round(z, 2),
                                 len(baseline))
    return found


def spike_key(spike: Spike) -> str:
    """The alerts.story_id of a spike: one per topic per day, so a spike is reported once."""
    return f"spike:{spike.day}"


def unreported_spikes(con: duckdb.DuckDBPyConnection, found: dict[str, Spike]) -> dict[str, Spike]:
    """The spikes not yet recorded in an earlier report."""
    if not found:
        return found
    keys = [f"{t}|{spike_key(s)}" for t, s in found.items()]
    done = {f"{t}|{s}" for t, s in con.execute(
        "SELECT topic, story_id FROM alerts WHERE kind = 'spike' AND topic || '|' || story_id IN (SELECT unnest(?))",
        [keys]).fetchall()}
    return {t: s for t, s in found.items() if f"{t}|{spike_key(s)}" not in done}


def epoch() -> datetime:
    """The start of an open window."""
    return datetime(1970, 1, 1, tzinfo=UTC)
