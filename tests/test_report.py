"""The report: new matches since the last recorded report, escaped, rendered by a real headless Chromium."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline import reports, warehouse
from pipeline import settings as settings_mod
from tests.chromium import render
from tests.conftest import VEILLE, have_chromium

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> ' OR 1=1; DROP TABLE articles; --"


def _seed(db: Path) -> None:
    now = datetime.now(UTC)
    articles = [
        {"id": "a1", "url": "https://french.news.cn/20260105/" + "ab" * 16 + "/c.html", "canonical_url": "x1",
         "source_id": "xinhua-fr", "title": HOSTILE, "text": "La coopération en économie numérique progresse.",
         "story_id": "st-a1", "first_seen": now - timedelta(hours=2), "last_seen": now, "language": "fr"},
        {"id": "a2", "url": "https://www.prnewswire.com/fr/communiques-de-presse/x-302000000.html",
         "canonical_url": "x2", "source_id": "prnewswire-fr", "title": "Copie", "text": "La coopération en économie "
         "numérique progresse.", "story_id": "st-a1", "first_seen": now - timedelta(hours=1), "last_seen": now,
         "language": "fr"},
    ]
    topics = [{"article_id": "a1", "topic": "digital-economy", "rules_version": "t", "score": 3.0,
               "evidence": ["économie numérique"]},
              {"article_id": "a2", "topic": "digital-economy", "rules_version": "t", "score": 3.0,
               "evidence": ["économie numérique"]}]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": articles, "article_topics": topics})


def _cfg(tmp_path: Path) -> settings_mod.Settings:
    return settings_mod.load(None, environ={"VEILLE_DB": str(tmp_path / "w.duckdb"),
                                            "VEILLE_REPORTS_DIR": str(tmp_path / "reports")})


def test_report_groups_copies_into_one_story_and_escapes(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _seed(Path(cfg.db))
    paths = reports.write_reports(cfg)
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    data = json.loads(next(p for p in paths if p.suffix == ".json").read_text(encoding="utf-8"))
    assert data["total"] == 1
    story = data["topics"]["digital-economy"][0]
    assert len(story["copies"]) == 2 and story["outlets"] == ["prnewswire", "xinhua"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>économie numérique</mark>" in html
    assert "http://" not in html.split("<body>")[0] and "https://" not in html.split("<body>")[0]


def test_rendering_does_not_record_and_record_moves_the_window(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _seed(Path(cfg.db))
    reports.write_reports(cfg)
    again = json.loads(reports.write_reports(cfg, formats=("json",))[0].read_text(encoding="utf-8"))
    assert again["total"] == 1, "rendering alone must not mark anything as reported"
    reports.write_reports(cfg, record_alerts=True)
    after = json.loads(reports.write_reports(cfg, formats=("json",))[0].read_text(encoding="utf-8"))
    assert after["total"] == 0
    with warehouse.read(cfg.db, 5) as con:
        assert con.execute("SELECT count(*) FROM alerts WHERE kind = 'new'").fetchone() == (1,)


@pytest.mark.skipif(not have_chromium(), reason="Debian chromium is installed by `make test`")
def test_html_report_in_headless_chromium(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _seed(Path(cfg.db))
    html = next(p for p in reports.write_reports(cfg) if p.suffix == ".html")
    page = render(html, tmp_path, "report")
    dom = page.dom
    assert page.console == [], f"console messages: {page.console}"
    assert page.requests == [], f"the report reached out: {page.requests}"
    assert page.screenshot is not None and page.screenshot.stat().st_size > 10_000
    assert "veille report" in dom
    assert "pwned" not in dom.split("</title>")[0], "a script from article content ran"
    assert dom.count('class="story"') == 1
    assert "<mark>économie numérique</mark>" in dom


def test_cli_renders_without_recording_until_record(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _seed(Path(cfg.db))
    env = {**os.environ, "VEILLE_DB": cfg.db, "VEILLE_REPORTS_DIR": str(tmp_path / "reports")}

    def run(*flags: str) -> dict[str, Any]:
        out = tmp_path / "r.json"
        done = subprocess.run([VEILLE, "report", "--format", "json", "--out", str(out), *flags],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(out)
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data

    assert run()["total"] == 1
    assert run()["total"] == 1, "re-rendering changes nothing"
    assert run("--record")["total"] == 1
    after = run()
    assert after["total"] == 0 and after["since"] is not None
    with warehouse.read(cfg.db, 5) as con:
        assert con.execute("SELECT count(*) FROM reports").fetchone() == (1,)


@pytest.mark.skipif(not have_chromium(), reason="Debian chromium is installed by `make test`")
def test_the_chromium_harness_sees_requests_and_console_errors(tmp_path: Path) -> None:
    """The two checks above can fail: a page that reaches out and throws is caught by both."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text('<html><body><img src="http://example.org/pixel.png">'
                         "<script>console.error('broken'); undefinedCall();</script></body></html>", encoding="utf-8")
    page = render(page_file, tmp_path)
    assert any("example.org/pixel.png" in r for r in page.requests)
    assert any("broken" in m for m in page.console) and any("undefinedCall" in m for m in page.console)
