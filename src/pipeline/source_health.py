"""Source health: what each source's recent crawl runs fetched, and which sources look dark.

Two readers share this module: the alert report (the flags over each source's last runs) and
`veille sources health` (totals over the last N days beside the same flags). Both only read.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from pipeline import warehouse
from pipeline.settings import Settings
from pipeline.sources.reach import CHALLENGE_REASON
from pipeline.warehouse.sql import query_text

# The reasons the loader records in pages.failure for article pages with nothing to store.
EMPTY_REASONS = ("no text", "not an article")

COLUMNS = ("source_id", "runs", "requests", "responses_by_status", "new_articles", "failures",
           "empty_extractions", "challenge_pages", "last_run", "flags")


@dataclass
class SourceHealth:
    """The recent crawl record of one source, and why it looks dark (empty flags: healthy)."""

    source_id: str
    runs: int
    last_run: str | None
    last_status: str | None
    requests: int
    ok_responses: int
    new_articles: int
    flags: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class SourceTotals:
    """One source over a window of days: what its crawl runs sent, got back and brought in."""

    source_id: str
    runs: int = 0
    requests: int = 0
    responses_by_status: dict[str, int] = field(default_factory=dict)
    new_articles: int = 0
    failures: int = 0
    empty_extractions: int = 0
    challenge_pages: int = 0
    last_run: str | None = None
    flags: list[str] = field(default_factory=list)

    def row(self) -> list[Any]:
        """The values in COLUMNS order."""
        return [self.source_id, self.runs, self.requests, self.responses_by_status, self.new_articles,
                self.failures, self.empty_extractions, self.challenge_pages, self.last_run, self.flags]


def iso(value: Any) -> str | None:
    """A timestamp or date as ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value) if value is not None else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def statuses(raw: Any) -> dict[str, int]:
    """`responses_by_status` as a dict; the loader stores a JSON-encoded string, so it may be encoded twice."""
    try:
        value: Any = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
        if isinstance(value, str):
            value = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    out: dict[str, int] = {}
    for code, n in value.items():
        try:
            out[str(code)] = int(n)
        except (TypeError, ValueError):
            continue
    return out


def ok_responses(raw: Any) -> int:
    """2xx and 304 answers in one run's `responses_by_status`."""
    # 304 counts as healthy: conditional GETs on unchanged feeds answer it every day
    return sum(n for code, n in statuses(raw).items() if code.startswith("2") or code == "304")


def source_health(con: duckdb.DuckDBPyConnection, until: datetime, runs: int) -> list[SourceHealth]:
    """Every source's recent record, flagged sources first.

    Flags (each needs `runs` runs on record, all of them showing it):
    `no-ok-responses` (requests sent, no 2xx/304 answer), `errors-only`
    (every run failed or ended in an error with nothing new), `no-new-articles`
    (nothing new while earlier runs brought articles), `no-requests`,
    `challenged` (every run met bot-challenge or consent pages and brought nothing new).
    """
    runs = max(runs, 1)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(con, query_text("source_recent_runs"), {"until": until, "runs": runs}):
        by_source.setdefault(r["source_id"], []).append(r)
    challenged = _challenged(con, until, runs)
    out: list[SourceHealth] = []
    for sid, recent in sorted(by_source.items()):
        last = recent[0]
        oks = [ok_responses(r["responses_by_status"]) for r in recent]
        flags: list[str] = []
        if len(recent) >= runs:
            if all((r["requests"] or 0) > 0 for r in recent) and not any(oks):
                flags.append("no-ok-responses")
            if all(r["status"] == "failed" or (r["error"] and not r["new_articles"]) for r in recent):
                flags.append("errors-only")
            if all(not r["new_articles"] for r in recent) and int(last["earlier_new"] or 0) > 0:
                flags.append("no-new-articles")
            if all(not r["requests"] for r in recent):
                flags.append("no-requests")
            if sid in challenged:
                flags.append("challenged")
        detail = f"last {len(recent)} run(s): " + "; ".join(
            f"{r['status'] or '?'} {r['requests'] or 0} req / {ok} ok / {r['new_articles'] or 0} new"
            + (f" ({str(r['error'])[:120]})" if r["error"] else "") for r, ok in zip(recent, oks, strict=True))
        out.append(SourceHealth(
            source_id=sid, runs=int(last["total_runs"]), last_run=iso(last["finished"]), last_status=last["status"],
            requests=int(last["requests"] or 0), ok_responses=oks[0], new_articles=int(last["new_articles"] or 0),
            flags=flags, detail=detail))
    return sorted(out, key=lambda h: (not h.flags, h.source_id))


_CHALLENGED_SQL = """
WITH r AS (
    SELECT id, source_id, new_articles,
           row_number() OVER (PARTITION BY source_id
                              ORDER BY coalesce(finished, started) DESC NULLS LAST, id DESC) AS recent
    FROM crawl_runs
    WHERE coalesce(finished, started) < $until
)
SELECT r.source_id FROM r
WHERE r.recent <= $runs
GROUP BY r.source_id
HAVING count(*) >= $runs AND bool_and(coalesce(r.new_articles, 0) = 0 AND EXISTS (
    SELECT 1 FROM pages p WHERE p.crawl_run_id = r.id AND p.failure = $challenge))
"""


def _challenged(con: duckdb.DuckDBPyConnection, until: datetime, runs: int) -> set[str]:
    """Sources whose last `runs` runs all met challenge pages and brought nothing new."""
    rows = con.execute(_CHALLENGED_SQL, {"until": until, "runs": runs, "challenge": CHALLENGE_REASON}).fetchall()
    return {str(r[0]) for r in rows}


_TOTALS_SQL = """
SELECT r.source_id, count(*) AS runs, coalesce(sum(r.requests), 0) AS requests,
       coalesce(sum(r.new_articles), 0) AS new_articles, coalesce(sum(r.failures), 0) AS failures,
       max(coalesce(r.finished, r.started)) AS last_run,
       list(CAST(r.responses_by_status AS VARCHAR)) AS statuses,
       list(r.id) AS run_ids
FROM crawl_runs r
WHERE coalesce(r.finished, r.started) >= $since AND coalesce(r.finished, r.started) < $until
GROUP BY r.source_id
"""

_PAGES_SQL = """
SELECT p.crawl_run_id, count(*) FILTER (WHERE p.failure IN (SELECT unnest($empty))) AS empty,
       count(*) FILTER (WHERE p.failure = $challenge) AS challenge
FROM pages p
WHERE p.crawl_run_id IN (SELECT unnest($runs))
GROUP BY 1
"""


def totals(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime, runs: int,
           source_ids: list[str] | None = None) -> list[SourceTotals]:
    """Per source over [since, until): runs, requests, statuses, new articles, failures, empty and challenge pages.

    Sources in `source_ids` with no run in the window are listed too (flag `no-runs`); the other flags
    are those of `source_health` over each source's last `runs` runs.
    """
    found: dict[str, SourceTotals] = {}
    run_owner: dict[str, str] = {}
    for r in _rows(con, _TOTALS_SQL, {"since": since, "until": until}):
        by_status: Counter[str] = Counter()
        for raw in r["statuses"] or []:
            by_status.update(statuses(raw))
        found[r["source_id"]] = SourceTotals(
            source_id=r["source_id"], runs=int(r["runs"]), requests=int(r["requests"]),
            responses_by_status=dict(sorted(by_status.items())), new_articles=int(r["new_articles"]),
            failures=int(r["failures"]), last_run=iso(r["last_run"]))
        run_owner.update({str(rid): r["source_id"] for rid in r["run_ids"] or []})
    if run_owner:
        for r in _rows(con, _PAGES_SQL, {"empty": list(EMPTY_REASONS), "challenge": CHALLENGE_REASON,
                                         "runs": list(run_owner)}):
            entry = found[run_owner[str(r["crawl_run_id"])]]
            entry.empty_extractions += int(r["empty"])
            entry.challenge_pages += int(r["challenge"])
    flags = {h.source_id: h.flags for h in source_health(con, until, runs)}
    for sid in source_ids or []:
        if sid not in found:
            found[sid] = SourceTotals(source_id=sid, flags=["no-runs"])
    for sid, entry in found.items():
        entry.flags = entry.flags or list(flags.get(sid, []))
    return sorted(found.values(), key=lambda t: (not t.flags, t.source_id))


def health(cfg: Settings, days: int, runs: int, until: datetime | None = None) -> list[SourceTotals]:
    """`veille sources health`: every enabled source and every source with runs, over the last `days` days."""
    from pipeline import sources as sources_mod

    end = until or datetime.now(UTC)
    since = end - timedelta(days=days)
    enabled = [s.id for s in sources_mod.all_sources(cfg) if s.enabled]
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        return totals(con, since, end, runs, enabled)
