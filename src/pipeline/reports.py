"""The alert report of one run: new stories, follow-ups, spikes and source health, as HTML, Markdown and JSON.

Rendering reads the warehouse and writes files only; recording (the flow, or
`veille report --record`) marks the alerts as reported so the next report
starts where this one ended, and delivery sends it beyond the files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from pipeline import alerts, charts, delivery, warehouse
from pipeline.alerts import Copy, FollowUp, SourceHealth, Spike, StoryMatch, highlight, snippet
from pipeline.delivery import Delivery
from pipeline.settings import Settings

__all__ = ["FORMATS", "Copy", "FollowUp", "Report", "SourceHealth", "Spike", "StoryMatch", "alerts_table",
           "build_and_write", "collect", "highlight", "last_until", "record", "render", "snippet",
           "summary_markdown", "write_reports"]

FORMATS = ("html", "md", "json")


@dataclass
class Report:
    """Everything one report shows."""

    id: str
    created: str
    since: str | None
    until: str
    topics: dict[str, list[StoryMatch]]
    follow_ups: dict[str, list[FollowUp]] = field(default_factory=dict)
    spikes: dict[str, Spike] = field(default_factory=dict)
    volume: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    health: list[SourceHealth] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    timezone: str = "UTC"
    rules: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """New stories (alerts of kind `new`) across topics."""
        return sum(len(v) for v in self.topics.values())

    @property
    def follow_up_total(self) -> int:
        """Follow-up articles across topics."""
        return sum(len(f.copies) for v in self.follow_ups.values() for f in v)

    @property
    def flagged(self) -> list[SourceHealth]:
        """Sources that look dark."""
        return [h for h in self.health if h.flags]

    @property
    def has_news(self) -> bool:
        """Whether there is anything to tell someone about."""
        return bool(self.total or self.follow_up_total or self.spikes or self.flagged)

    @property
    def sections(self) -> list[str]:
        """Topics in display order: those with alerts first, then the rest with volume in the chart window."""
        active = set(self.topics) | set(self.follow_ups) | set(self.spikes)
        quiet = [t for t in self.volume if t not in active and any(n for _, n in self.volume[t])]
        return sorted(active) + sorted(quiet)


def last_until(db: str, wait: float) -> datetime | None:
    """The end of the last recorded report's window."""
    with warehouse.read(db, wait) as con:
        row = con.execute("SELECT max(until) FROM reports").fetchone()
    return row[0] if row and row[0] else None


def collect(cfg: Settings, since: datetime | None, until: datetime) -> Report:
    """New stories, follow-ups, spikes, 30-day volume and source health for the window [since, until)."""
    rules = alerts.Rules.from_settings(cfg)
    start = since or alerts.epoch()
    tz = cfg.timezone or "UTC"
    with warehouse.read(cfg.db, cfg.read_wait) as con:
        new = alerts.new_stories(con, rules, start, until)
        later = alerts.follow_ups(con, rules, start, until)
        volume = alerts.daily_volume(con, rules, until, tz)
        found = alerts.spikes(volume, z_min=alerts.setting(cfg, "spike_z", 3.0),
                              min_count=alerts.setting(cfg, "spike_min_count", 5),
                              min_days=alerts.setting(cfg, "spike_min_days", 7))
        spiking = alerts.unreported_spikes(con, found)
        health = alerts.source_health(con, until, alerts.setting(cfg, "health_runs", 2))
    created = datetime.now(UTC)
    rid = "r-" + hashlib.sha256(f"{alerts.iso(since)}|{alerts.iso(until)}|{created.isoformat()}".encode()).hexdigest()[:12]
    return Report(id=rid, created=created.isoformat(timespec="seconds"), since=alerts.iso(since),
                  until=alerts.iso(until) or "", topics=new, follow_ups=later, spikes=spiking,
                  volume={t: volume.series(t) for t in volume.per_day}, health=health, timezone=tz,
                  rules={"topics": list(rules.topics), "sources": list(rules.sources),
                         "languages": list(rules.languages), "min_score": rules.min_score})


def safe_url(url: str | None) -> str:
    """The URL if it is http(s), else "" (a `javascript:` link in hostile content must not become clickable)."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in {"http", "https"} else ""


def md_text(text: str | None) -> str:
    """One line of Markdown-inert text: whitespace collapsed, markup characters backslash-escaped."""
    flat = " ".join((text or "").split())
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+!|~" else ch for ch in flat)


def _chart(report: Report, topic: str) -> Markup:
    spike = report.spikes.get(topic)
    return charts.volume_svg(topic, report.volume.get(topic, []), spike.day if spike else None)


def _env() -> Environment:
    # HTML templates autoescape; the Markdown one escapes through the `md` filter instead, since HTML
    # entities would show up literally in a Markdown reader
    env = Environment(loader=PackageLoader("pipeline", "templates"),
                      autoescape=lambda name: name is not None and ".html" in name,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["highlight"] = highlight
    env.filters["safe_url"] = safe_url
    env.filters["md"] = md_text
    env.globals["chart"] = _chart
    return env


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (the JSON format)."""
    data = asdict(report)
    data.update(total=report.total, follow_up_total=report.follow_up_total,
                spike_total=len(report.spikes), flagged_sources=[h.source_id for h in report.flagged])
    return data


def render(report: Report, fmt: str) -> str:
    """The report as `html` (self-contained), `md` or `json`."""
    if fmt == "json":
        return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    return _env().get_template(f"report.{fmt}.j2").render(report=report)


def summary_markdown(report: Report) -> str:
    """A short Markdown summary (for a Prefect artifact and the notification body); content is escaped."""
    lines = [f"# veille report {report.created}", "",
             f"Window {report.since or 'beginning'} → {report.until}: **{report.total}** new "
             f"stor{'y' if report.total == 1 else 'ies'}, {report.follow_up_total} follow-up article(s), "
             f"{len(report.spikes)} spike(s), {len(report.flagged)} source(s) flagged.", ""]
    for topic in report.sections:
        new, later, spike = report.topics.get(topic, []), report.follow_ups.get(topic, []), report.spikes.get(topic)
        if not (new or later or spike):
            continue
        lines.append(f"## {md_text(topic)}")
        if spike:
            lines.append(f"- **spike**: {spike.count} articles on {spike.day} (trailing mean {spike.mean:g}, "
                         f"z = {spike.z:g})")
        for s in new[:10]:
            url = safe_url(s.copies[0].url) if s.copies else ""
            title = md_text(s.title) or "(untitled)"
            link = f"[{title}](<{url}>)" if url and ">" not in url else title
            lines.append(f"- new: {link} — {', '.join(md_text(o) for o in s.outlets)} "
                         f"({', '.join(md_text(x) for x in s.languages)}), {len(s.copies)} cop"
                         f"{'y' if len(s.copies) == 1 else 'ies'}")
        if len(new) > 10:
            lines.append(f"- … and {len(new) - 10} more new stories")
        for f in later[:10]:
            lines.append(f"- follow-up: {md_text(f.title) or '(untitled)'} — {len(f.copies)} new article(s)")
        lines.append("")
    if report.flagged:
        lines.append("## Source health")
        lines.extend(f"- {md_text(h.source_id)}: {', '.join(h.flags)} — {md_text(h.detail)}" for h in report.flagged)
        lines.append("")
    failed = [d for d in report.deliveries if not d.ok]
    if report.deliveries:
        lines.append(f"Delivered to {len(report.deliveries) - len(failed)} of {len(report.deliveries)} target(s).")
        lines.extend(f"- delivery to {md_text(d.target)} failed: {md_text(d.error)}" for d in failed)
    return "\n".join(lines).rstrip() + "\n"


def alerts_table(report: Report) -> list[dict[str, Any]]:
    """One row per new alert (topic, story): for a Prefect table artifact."""
    return [{"topic": topic, "story_id": s.story_id, "title": " ".join(s.title.split()), "score": round(s.score, 2),
             "first_seen": s.first_seen, "outlets": ", ".join(s.outlets), "languages": ", ".join(s.languages),
             "copies": len(s.copies), "url": safe_url(s.copies[0].url) if s.copies else ""}
            for topic, stories in report.topics.items() for s in stories]


def alert_rows(report: Report) -> list[dict[str, Any]]:
    """The `alerts` rows this report records: new, follow-up, spike and source-health."""
    base = {"report_id": report.id, "created": report.created}
    rows = [{**base, "topic": topic, "story_id": s.story_id, "kind": "new",
             "article_id": s.copies[0].article_id if s.copies else None, "score": s.score}
            for topic, stories in report.topics.items() for s in stories]
    rows += [{**base, "topic": topic, "story_id": f.story_id, "kind": "follow-up",
              "article_id": f.copies[0].article_id if f.copies else None, "score": float(len(f.copies))}
             for topic, items in report.follow_ups.items() for f in items]
    rows += [{**base, "topic": topic, "story_id": alerts.spike_key(s), "kind": "spike", "article_id": None,
              "score": s.z} for topic, s in report.spikes.items()]
    # source-health flags have no topic; the source id stands in the story column
    rows += [{**base, "topic": "", "story_id": f"source:{h.source_id}", "kind": "source-health",
              "article_id": None, "score": float(len(h.flags))} for h in report.flagged]
    return rows


def record(cfg: Settings, report: Report, paths: list[Path]) -> None:
    """Mark the report's alerts as reported (only the flow and --record do this)."""
    with warehouse.write(cfg.db, cfg.write_wait) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {
            "reports": [{"id": report.id, "created": report.created, "since": report.since, "until": report.until,
                         "paths": [str(p) for p in paths],
                         "deliveries": [asdict(d) for d in report.deliveries]}],
            "alerts": alert_rows(report)})


def _targets(cfg: Settings, report: Report, formats: tuple[str, ...], out: str | None) -> dict[str, Path]:
    if out and len(formats) == 1 and not Path(out).is_dir():
        return {formats[0]: Path(out)}
    folder = Path(out or cfg.reports_dir)
    stamp = report.created.replace(":", "").replace("-", "")[:15]
    return {fmt: folder / f"report-{stamp}.{fmt}" for fmt in formats}


def send(cfg: Settings, report: Report, paths: list[Path]) -> list[Delivery]:
    """Deliver the report to the configured targets (the HTML file attached where the service takes files)."""
    if not (report.has_news or bool(getattr(cfg, "notify_empty", False))):
        return []
    title = (f"veille: {report.total} new stor{'y' if report.total == 1 else 'ies'}"
             + (f", {len(report.spikes)} spike(s)" if report.spikes else "")
             + (f", {len(report.flagged)} source(s) dark" if report.flagged else ""))
    return delivery.deliver(cfg, title, summary_markdown(report), [p for p in paths if p.suffix == ".html"])


def build_and_write(cfg: Settings, since: datetime | None = None, until: datetime | None = None,
                    formats: tuple[str, ...] = FORMATS, out: str | None = None, record_alerts: bool = False,
                    deliver: bool | None = None) -> tuple[Report, list[Path]]:
    """Collect, write each format, then (with `record_alerts`) record and (by default with it) deliver.

    Alerts are recorded before delivery so a retry after a delivery problem
    never sends the same alerts twice; the delivery outcome is recorded after.
    """
    start = since if since is not None else last_until(cfg.db, cfg.read_wait)
    report = collect(cfg, start, until or datetime.now(UTC))
    targets = _targets(cfg, report, formats, out)
    for fmt, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(report, fmt), encoding="utf-8")
    paths = list(targets.values())
    if record_alerts:
        record(cfg, report, paths)
    if record_alerts if deliver is None else deliver:
        report.deliveries = send(cfg, report, paths)
        if record_alerts and report.deliveries:
            with warehouse.write(cfg.db, cfg.write_wait) as con:
                warehouse.merge_batch(con, {"reports": [{"id": report.id, "created": report.created,
                                                         "deliveries": [asdict(d) for d in report.deliveries]}]})
    return report, paths


def write_reports(cfg: Settings, since: datetime | None = None, until: datetime | None = None,
                  formats: tuple[str, ...] = FORMATS, out: str | None = None,
                  record_alerts: bool = False) -> list[Path]:
    """Render the report in each format to files; with `record_alerts` also record and deliver it."""
    return build_and_write(cfg, since, until, formats, out, record_alerts)[1]
