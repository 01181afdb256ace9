"""Alerts are stories reported once per topic; follow-ups, spikes and source health, on real DuckDB files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import alerts, reports, warehouse
from pipeline import settings as settings_mod
from pipeline.settings import Settings
from tests.chromium import render
from tests.conftest import have_chromium

NOW = datetime.now(UTC).replace(microsecond=0)


def make_cfg(tmp_path: Path, **extra: Any) -> Settings:
    base = settings_mod.load(None, environ={"VEILLE_DB": str(tmp_path / "w.duckdb"),
                                            "VEILLE_REPORTS_DIR": str(tmp_path / "reports"),
                                            "VEILLE_TIMEZONE": "UTC"})
    return base.with_overrides(**extra)


def article(aid: str, story: str, first_seen: datetime, source: str = "xinhua-fr", language: str = "fr",
            title: str | None = None, url: str | None = None,
            text: str = "La coopération en économie numérique progresse.") -> dict[str, Any]:
    return {"id": aid, "url": url or f"https://example.org/{source}/{aid}.html", "canonical_url": aid,
            "source_id": source, "title": title or f"Titre {aid}", "text": text, "story_id": story,
            "first_seen": first_seen, "last_seen": first_seen, "language": language}


def match(aid: str, topic: str = "digital-economy", score: float = 3.0) -> dict[str, Any]:
    return {"article_id": aid, "topic": topic, "rules_version": "t", "score": score,
            "evidence": ["économie numérique"]}


def load(db: str, articles: list[dict[str, Any]], topics: list[dict[str, Any]],
         runs: list[dict[str, Any]] | None = None) -> None:
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": articles, "article_topics": topics, "crawl_runs": runs or []})


def report_json(cfg: Settings, **kw: Any) -> dict[str, Any]:
    report, paths = reports.build_and_write(cfg, formats=("json",), **kw)
    data: dict[str, Any] = json.loads(paths[0].read_text(encoding="utf-8"))
    return data


def alert_kinds(cfg: Settings) -> dict[str, int]:
    with warehouse.read(cfg.db, 5) as con:
        return dict(con.execute("SELECT kind, count(*) FROM alerts GROUP BY kind").fetchall())


def test_a_story_is_new_once_and_later_copies_are_follow_ups(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    load(cfg.db, [article("a1", "st-a1", NOW - timedelta(hours=2)),
                  article("a2", "st-a1", NOW - timedelta(hours=1), source="prnewswire-fr")],
         [match("a1"), match("a2")])
    first, _ = reports.build_and_write(cfg, until=NOW, record_alerts=True)
    assert first.total == 1 and len(first.topics["digital-economy"][0].copies) == 2
    # a translation joins the story later; it does not even match the topic's terms itself
    load(cfg.db, [article("a3", "st-a1", NOW + timedelta(minutes=1), source="sputnik-en", language="en",
                          text="Digital cooperation moves on.")], [])
    second = report_json(cfg, until=NOW + timedelta(minutes=2))
    assert second["total"] == 0, "an already reported story must never be a second `new` alert"
    ups = second["follow_ups"]["digital-economy"]
    assert [c["article_id"] for c in ups[0]["copies"]] == ["a3"] and ups[0]["story_id"] == "st-a1"
    # re-rendering records nothing; recording once moves everything out of the next window
    assert report_json(cfg, until=NOW + timedelta(minutes=2))["follow_up_total"] == 1
    reports.build_and_write(cfg, until=NOW + timedelta(minutes=2), record_alerts=True)
    assert alert_kinds(cfg) == {"new": 1, "follow-up": 1}
    third = report_json(cfg, until=NOW + timedelta(minutes=3))
    assert third["total"] == 0 and third["follow_up_total"] == 0
    # even an explicit window over the past shows the story as already reported, not as new
    again = report_json(cfg, since=NOW - timedelta(days=1), until=NOW + timedelta(minutes=3))
    assert again["total"] == 0


def test_a_new_topic_on_a_reported_story_is_a_new_alert_for_that_topic(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    load(cfg.db, [article("a1", "st-a1", NOW - timedelta(hours=2))], [match("a1")])
    reports.build_and_write(cfg, until=NOW, record_alerts=True)
    load(cfg.db, [article("a4", "st-a1", NOW + timedelta(minutes=1))], [match("a4", topic="taiwan")])
    data = report_json(cfg, until=NOW + timedelta(minutes=2))
    assert list(data["topics"]) == ["taiwan"] and data["topics"]["taiwan"][0]["story_id"] == "st-a1"
    assert [c["article_id"] for c in data["follow_ups"]["digital-economy"][0]["copies"]] == ["a4"]


def test_alert_rules_filter_topics_sources_languages_and_score(tmp_path: Path) -> None:
    rows = [article("x1", "st-x1", NOW - timedelta(hours=3)),
            article("p1", "st-p1", NOW - timedelta(hours=3), source="prnewswire-fr"),
            article("e1", "st-e1", NOW - timedelta(hours=3), source="sputnik-en", language="en"),
            article("w1", "st-w1", NOW - timedelta(hours=3))]
    topics = [match("x1"), match("p1"), match("e1", topic="taiwan"), match("w1", score=0.5)]
    load(str(tmp_path / "w.duckdb"), rows, topics)

    def stories(**rules: Any) -> set[str]:
        data = report_json(make_cfg(tmp_path, **rules), until=NOW)
        return {s["story_id"] for v in data["topics"].values() for s in v}

    assert stories() == {"st-x1", "st-p1", "st-e1"}, "the weak match stays under alert_min_score"
    assert stories(alert_topics="taiwan") == {"st-e1"}
    assert stories(alert_sources="prnewswire") == {"st-p1"}, "an outlet name selects its editions"
    assert stories(alert_sources="xinhua-fr, sputnik-en") == {"st-x1", "st-e1"}
    assert stories(alert_languages="en") == {"st-e1"}


def _history(days: int, per_day: int, topic: str, today: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    arts, tops = [], []
    for d in range(1, days + 1):
        for k in range(per_day + d % 2):  # 1 or 2 a day: some spread, as real counts have
            aid = f"{topic}-h{d}-{k}"
            arts.append(article(aid, f"st-{aid}", today - timedelta(days=d)))
            tops.append(match(aid, topic=topic))
    return arts, tops


def test_spike_against_trailing_four_weeks_is_reported_once(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    today = datetime.combine(NOW.date(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    arts, tops = _history(28, 1, "taiwan", today)
    flat_a, flat_t = _history(28, 1, "digital-economy", today)
    burst = [article(f"b{i}", f"st-b{i}", today - timedelta(hours=1)) for i in range(12)]
    calm = [article(f"c{i}", f"st-c{i}", today - timedelta(hours=1)) for i in range(2)]
    load(cfg.db, arts + flat_a + burst + calm, tops + flat_t + [match(a["id"], topic="taiwan") for a in burst]
         + [match(a["id"]) for a in calm])
    report, paths = reports.build_and_write(cfg, until=today, record_alerts=True)
    assert set(report.spikes) == {"taiwan"}
    spike = report.spikes["taiwan"]
    assert spike.count == 12 and spike.days_observed == 28 and spike.mean == 1.5 and spike.z > 3
    series = report.volume["taiwan"]
    assert len(series) == 30 and series[-1] == (spike.day, 12) and series[-2][1] in (1, 2)
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    assert html.count('class="bar"') == 30 * len(report.sections)
    assert 'data-day="' + spike.day + '" data-count="12"' in html
    assert reports.build_and_write(cfg, until=today + timedelta(minutes=1))[0].spikes == {}, "spikes are told once"
    assert alert_kinds(cfg)["spike"] == 1


def test_no_spike_without_history(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    load(cfg.db, [article(f"b{i}", f"st-b{i}", NOW - timedelta(minutes=5)) for i in range(20)],
         [match(f"b{i}") for i in range(20)])
    assert reports.build_and_write(cfg, until=NOW, formats=("json",))[0].spikes == {}


@given(st.lists(st.integers(0, 50), min_size=7, max_size=28), st.integers(0, 200))
def test_z_grows_with_todays_count(baseline: list[int], count: int) -> None:
    _, _, z1 = alerts.spike_stats(count, baseline)
    _, _, z2 = alerts.spike_stats(count + 1, baseline)
    assert z2 > z1


def _run(source: str, n: int, requests: int, by_status: dict[str, int], new: int, status: str = "ok",
         error: str | None = None) -> dict[str, Any]:
    when = NOW - timedelta(days=n)
    return {"id": f"run{n}:{source}", "run_id": f"run{n}", "source_id": source, "as_of": when.date(),
            "started": when, "finished": when + timedelta(minutes=3), "status": status, "requests": requests,
            "responses_by_status": json.dumps(by_status), "new_articles": new, "failures": 0, "error": error}


def test_source_health_flags_sources_gone_dark(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    runs = []
    for n in (3, 2, 1):
        runs.append(_run("xinhua-fr", n, 10, {"200": 8, "304": 2}, 3))
        runs.append(_run("sputnik-en", n, 12, {"200": 12} if n == 3 else {"403": 12}, 5 if n == 3 else 0))
        runs.append(_run("people-zh", n, 6, {"200": 6}, 4 if n == 3 else 0))
        runs.append(_run("prnewswire-fr", n, 0, {}, 0, status="failed", error="DNS lookup failed"))
    runs.append(_run("people-en", 1, 5, {"304": 5}, 0))  # one unchanged feed: too little history to judge
    load(cfg.db, [], [], runs)
    report, paths = reports.build_and_write(cfg, until=NOW)
    flags = {h.source_id: h.flags for h in report.health}
    assert flags == {"sputnik-en": ["no-ok-responses", "no-new-articles"], "people-zh": ["no-new-articles"],
                     "prnewswire-fr": ["errors-only", "no-requests"], "xinhua-fr": [], "people-en": []}
    assert [h.source_id for h in report.health][:3] == ["people-zh", "prnewswire-fr", "sputnik-en"]
    md = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    assert "| sputnik-en | 3 |" in md and "no-ok-responses" in md
    reports.build_and_write(cfg, until=NOW, record_alerts=True)
    assert alert_kinds(cfg) == {"source-health": 3}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_and_hostile_links_are_not_clickable(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    load(cfg.db, [article("a1", "st-a1", NOW - timedelta(hours=1), url="javascript:alert(document.cookie)",
                          title='"><svg onload=alert(1)>'),
                  article("a2", "st-a1", NOW - timedelta(minutes=30), title="[x](javascript:alert(1)) <b>")],
         [match("a1"), match("a2")])
    _, paths = reports.build_and_write(cfg, until=NOW)
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(html)
    names = [t for t, _ in parser.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert all("src" not in attrs for _, attrs in parser.tags)
    hrefs = [attrs.get("href") or "" for t, attrs in parser.tags if t == "a"]
    assert hrefs == ["https://example.org/xinhua-fr/a2.html"], "only http(s) article links are clickable"
    assert "url(" not in html and "@import" not in html
    assert all(not (a.startswith("on")) for _, attrs in parser.tags for a in attrs)
    md = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    assert "](javascript:" not in md and "<b>" not in md and "\\[x\\]" in md


@pytest.mark.skipif(not have_chromium(), reason="Debian chromium is installed by `make test`")
def test_report_with_chart_and_health_in_headless_chromium(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    load(cfg.db, [article("a1", "st-a1", NOW - timedelta(hours=1), title="<script>document.title='pwned'</script>")],
         [match("a1")], [_run("sputnik-en", n, 4, {"503": 4}, 0) for n in (2, 1)])
    html = next(p for p in reports.write_reports(cfg) if p.suffix == ".html")
    page = render(html, tmp_path, "report-alerts")
    dom = page.dom
    assert page.console == [], f"console messages: {page.console}"
    assert page.requests == [], f"the report reached out: {page.requests}"
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom, "the hostile title is shown as text"
    assert "pwned" not in dom.split("</title>")[0]
    assert dom.count("<svg") == 1 and dom.count('class="bar"') == 30
    assert 'data-source="sputnik-en"' in dom and "no-ok-responses" in dom
    assert f'data-day="{date.today().isoformat()}"' in dom or f'data-day="{NOW.date().isoformat()}"' in dom
