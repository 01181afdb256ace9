"""A user's sources file: new sources, changed and disabled shipped ones, errors naming source and field."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pipeline import daily, settings, sources
from pipeline.mirror import serve_mirror
from pipeline.sources import SourcesFileError
from tests.conftest import VEILLE
from tests.test_crawl import article_html, rss, seed_text, write

USER_TOML = """
[sources.xinhua-zh]
enabled = false

[sources.people-en]
feeds = ["http://en.people.cn/rss/90000.xml"]

[sources.mysite-en]
outlet = "mysite"
language = "en"
home_url = "https://www.example.org/"
domains = ["www.example.org"]
article_pattern = '^https://www\\.example\\.org/news/\\d{4}-\\d+\\.html$'
feeds = ["https://www.example.org/rss.xml"]
listings = [{url = "https://www.example.org/news/", selector = "h2 a"}]
timezone = "Europe/London"

[sources.mysite-en.hints]
body_selector = "article"
title_suffixes = [" | My Site"]
"""

USER_YAML = """
sources:
  xinhua-zh: {enabled: false}
  people-en:
    feeds: ["http://en.people.cn/rss/90000.xml"]
  mysite-en:
    outlet: mysite
    language: en
    home_url: https://www.example.org/
    domains: [www.example.org]
    article_pattern: '^https://www\\.example\\.org/news/\\d{4}-\\d+\\.html$'
    feeds: [https://www.example.org/rss.xml]
    listings: [{url: "https://www.example.org/news/", selector: "h2 a"}]
    timezone: Europe/London
    hints: {body_selector: article, title_suffixes: [" | My Site"]}
"""


def cfg_with(tmp_path: Path, name: str, text: str) -> settings.Settings:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return settings.load(environ={"VEILLE_SOURCES_FILE": str(path)})


@pytest.mark.parametrize(("name", "text"), [("mine.toml", USER_TOML), ("mine.yaml", USER_YAML)])
def test_user_file_adds_changes_and_disables(tmp_path: Path, name: str, text: str) -> None:
    cfg = cfg_with(tmp_path, name, text)
    origins = {s.id: origin for s, origin in sources.declared(cfg)}
    assert origins["mysite-en"] == "user" and origins["xinhua-zh"] == "shipped+user"
    assert origins["people-en"] == "shipped+user" and origins["xinhua-fr"] == "shipped"
    assert [s.id for s in sources.all_sources(cfg)][-1] == "mysite-en", "user sources come after shipped ones"
    enabled = [s.id for s in sources.select(None, cfg)]
    assert "xinhua-zh" not in enabled and "mysite-en" in enabled and "xinhua-fr" in enabled
    # a disabled source can still be named explicitly
    assert sources.select("xinhua-zh", cfg)[0].enabled is False
    people = sources.get("people-en", cfg)
    assert people.feeds == ("http://en.people.cn/rss/90000.xml",)
    assert people.article_pattern == sources.get("people-en").article_pattern, "unnamed fields keep their values"
    mine = sources.get("mysite-en", cfg)
    assert mine.is_article_url("https://www.example.org/news/2026-12.html")
    assert not mine.is_article_url("https://www.example.org/news/")
    assert mine.listings[0].link_selector == "h2 a" and mine.hints.body_selector == "article"
    assert mine.hints.title_suffixes == (" | My Site",) and mine.hints.timezone == "Europe/London"


def test_no_sources_file_means_the_shipped_sources() -> None:
    cfg = settings.load(environ={})
    assert [s for s, o in sources.declared(cfg) if o != "shipped"] == []
    assert len(sources.all_sources(cfg)) == 9


@pytest.mark.parametrize(("text", "expected"), [
    ("[sources.mysite-en]\nouttlet = 'x'\n", "source 'mysite-en': field 'outtlet': unknown field"),
    ("[sources.mysite-en]\noutlet = 'x'\nlanguage = 'en'\nhome_url = 'https://x.org/'\ndomains = ['x.org']\n",
     "source 'mysite-en': field 'article_pattern' is required"),
    ("[sources.xinhua-fr]\narticle_pattern = '^https://(unclosed'\n",
     "source 'xinhua-fr': field 'article_pattern': not a valid regular expression"),
    ("[sources.xinhua-fr]\nfeeds = 3\n", "source 'xinhua-fr': field 'feeds': expected a list of strings"),
    ("[sources.xinhua-fr]\nenabled = 'no'\n", "source 'xinhua-fr': field 'enabled': expected true or false"),
    ("[sources.xinhua-fr.hints]\nbody = 'x'\n", "source 'xinhua-fr': field 'hints.body': unknown hint"),
    ("[sources.xinhua-fr]\nlistings = [{link = 'x'}]\n", "source 'xinhua-fr': field 'listings'"),
    ("[sources.xinhua-fr]\nproxy = 'proxy:3128'\n", "source 'xinhua-fr': field 'proxy'"),
    ("[sources.MySite]\noutlet = 'x'\n", "source 'MySite': the id must be <outlet>-<language>"),
    ("[sources.xinhua-fr\n", "not valid TOML"),
    ("[xinhua-fr]\nenabled = false\n", "unknown top-level key 'xinhua-fr'"),
])
def test_malformed_declarations_name_source_and_field(tmp_path: Path, text: str, expected: str) -> None:
    cfg = cfg_with(tmp_path, "bad.toml", text)
    with pytest.raises(SourcesFileError) as caught:
        sources.all_sources(cfg)
    assert expected in str(caught.value) and "bad.toml" in str(caught.value)


def test_cli_lists_user_sources_and_reports_errors_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(USER_TOML, encoding="utf-8")
    (tmp_path / "veille.toml").write_text('sources_file = "mine.toml"\n', encoding="utf-8")
    done = subprocess.run([VEILLE, "sources", "list", "--format", "json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert rows["mysite-en"]["origin"] == "user" and rows["mysite-en"]["feeds"] == ["https://www.example.org/rss.xml"]
    assert rows["mysite-en"]["listings"] == ["https://www.example.org/news/ h2 a"]
    assert rows["xinhua-zh"]["enabled"] is False and rows["xinhua-zh"]["origin"] == "shipped+user"
    assert len(rows["xinhua-zh"]["json_sources"]) == 4
    # plain `veille sources` is the same listing
    plain = subprocess.run([VEILLE, "sources", "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=60)
    assert plain.stdout == done.stdout
    (tmp_path / "mine.toml").write_text("[sources.mysite-en]\nlanguage = 'en'\n", encoding="utf-8")
    bad = subprocess.run([VEILLE, "sources"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "'mysite-en'" in bad.stderr and "'outlet'" in bad.stderr


def test_crawl_process_sees_the_users_sources(tmp_path: Path) -> None:
    """The daily run's crawl subprocess gets the sources file from the run's settings, not from the code."""
    root = tmp_path / "mirror"
    text = seed_text("seed_001_digital_china_summit.txt")
    first, second = "https://www.example.org/news/2026-1.html", "https://www.example.org/news/2026-2.html"
    write(root, "https://www.example.org/rss.xml", rss([(first, "One")]))
    write(root, "https://www.example.org/news/", f'<html><body><h2><a href="{second}">Two</a></h2>'
                                                 '<a href="/about.html">About</a></body></html>')
    write(root, first, article_html("One", text))
    write(root, second, article_html("Two", text))
    (tmp_path / "mine.toml").write_text(USER_TOML, encoding="utf-8")
    config = tmp_path / "veille.toml"
    with serve_mirror(root) as server:
        config.write_text(f'sources_file = "{tmp_path / "mine.toml"}"\nmirror = "{server.url}"\n'
                          f'download_delay = 0\narchive_dir = "{tmp_path / "archive"}"\n', encoding="utf-8")
        cfg = settings.load(config, environ={})
        source = sources.get("mysite-en", cfg)
        out = tmp_path / "out"
        out.mkdir()
        (out / "seen.txt").write_text("", encoding="utf-8")
        (out / "validators.json").write_text("{}", encoding="utf-8")
        code = daily.crawl(cfg, source, out, "u1", date(2026, 1, 10))
    assert code == 0
    fetched = {json.loads(line)["url"]: json.loads(line) for line in
               (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()}
    assert fetched[first]["status"] == 200 and fetched[second]["status"] == 200
    assert fetched[first]["kind"] == "article" and "https://www.example.org/about.html" not in fetched
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["source_id"] == "mysite-en" and summary["articles"] == 2
