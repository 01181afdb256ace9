"""Source declarations, their URL patterns, the bundled demo mirror, and one fixture page per source."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from pipeline import cleaning
from pipeline.mirrorgen import MirrorArticle, render_article, url_to_path, write_mirror
from pipeline.sources import all_sources, get, select

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
DEMO = Path(str(resources.files("pipeline"))) / "demo_mirror"
RECORD = ".venv/bin/python tests/fixtures/sources/record_fixture.py {sid} PAGE.html --url URL --date YYYY-MM-DD"

ARTICLES: dict[str, list[str]] = {
    "xinhua-fr": ["https://french.news.cn/20260105/0f6791cc1a54f2de1585b712b24aef76/c.html",
                  "http://french.xinhuanet.com/2019-12/10/c_138621234.htm",
                  "https://french.xinhuanet.com/20251003/f5929b2b/c.html"],
    "xinhua-en": ["https://english.news.cn/20260105/1568dc55ce481e7f42edc535753d852f/c.html",
                  "http://www.xinhuanet.com/english/2019-12/10/c_138621234.htm",
                  "http://www.xinhuanet.com/english/asiapacific/2019-12/10/c_138621234.htm"],
    "xinhua-zh": ["https://www.news.cn/politics/20261003/f5929b2b5af84ab68821d519589d68ac/c.html",
                  "https://www.news.cn/fortune/20260927/82b64bfa/c.html",
                  "https://www.news.cn/20260927/15e7281f/c.html",
                  "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"],
    "sputnik-fr": ["https://fr.sputniknews.africa/20250919/lindustrie-du-futur-au-centre-du-forum-cloud-cities"
                   "-des-brics-a-moscou-1078434722.html"],
    "sputnik-en": ["https://sputnikglobe.com/20260105/russia-and-china-sign-deal-1121234567.html",
                   "https://sputniknews.com/columnists/201911181077343476-royal-self-indicting-arrogance/"],
    "people-fr": ["http://french.peopledaily.com.cn/Economie/n3/2026/0105/c31355-20412345.html",
                  "http://french.peopledaily.com.cn/Opinion/n3/2025/0829/c31357-20361234-2.html"],
    "people-en": ["http://en.people.cn/n3/2026/0105/c90000-20412345.html",
                  "http://en.people.cn/n3/2026/0105/c90000-20412345-2.html"],
    "people-zh": ["http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html",
                  "http://society.people.com.cn/n1/2026/1003/c1008-40809151.html"],
    "prnewswire-fr": ["https://www.prnewswire.com/fr/communiques-de-presse/la-conference-2025-sur-le-"
                      "developpement-integre-de-linternet-industriel-mondial-302553123.html"],
}

NOT_ARTICLES: dict[str, list[str]] = {
    "xinhua-fr": ["https://french.news.cn/europe/index.htm", "https://french.news.cn/rss/chine.xml",
                  "https://french.news.cn/video/20260105/0f6791cc1a54f2de1585b712b24aef76/c.html",
                  "https://french.news.cn/", "https://english.news.cn/20260105/0f6791cc1a54f2de1585b712b24aef76/c.html"],
    "xinhua-en": ["https://english.news.cn/video/20260105/1568dc55ce481e7f42edc535753d852f/c.html",
                  "https://english.news.cn/world/index.htm", "https://english.news.cn/rss/latest.xml",
                  "http://www.xinhuanet.com/english/video/2019-12/10/c_138621234.htm"],
    "xinhua-zh": ["https://www.news.cn/politics/", "https://www.news.cn/politics/index.html",
                  "https://www.news.cn/video/20260105/f5929b2b5af84ab68821d519589d68ac/c.html",
                  "https://www.news.cn/photo/20260105/f5929b2b5af84ab68821d519589d68ac/c.html",
                  "https://www.news.cn/world/cnleaders/fwmg/index.html",
                  "https://www.news.cn/ds_bbc6736b83a14fbb9caf24d78f9aab7f.json"],
    "sputnik-fr": ["https://fr.sputniknews.africa/keyword_brics/", "https://fr.sputniknews.africa/economie/",
                   "https://fr.sputniknews.africa/video/20260105/b3e1a8c0d9f.html",
                   "https://fr.sputniknews.africa/export/rss2/archive/index.xml",
                   "https://fr.sputniknews.africa/sitemap_article.xml?date_start=20260103&date_end=20260105"],
    "sputnik-en": ["https://sputnikglobe.com/world/", "https://sputnikglobe.com/video/20260105/a1b2c3.html",
                   "https://sputniknews.com/photo/201911181077343476-gallery/"],
    "people-fr": ["http://french.peopledaily.com.cn/Economie/index.html",
                  "http://french.peopledaily.com.cn/Video/n3/2026/0105/c96851-20412399.html",
                  "http://french.peopledaily.com.cn/Dossiers/index.html"],
    "people-en": ["http://en.people.cn/90777/index.html", "http://en.people.cn/video/2026/0105/v20412399.html",
                  "http://en.people.cn/rss/90000.xml"],
    "people-zh": ["http://politics.people.com.cn/GB/1024/index.html",
                  "http://tv.people.com.cn/n1/2026/0105/c141029-40412399.html",
                  "http://pic.people.com.cn/n1/2026/0105/c1016-40412399.html", "http://www.people.cn/sitemap_index.xml"],
    "prnewswire-fr": ["https://www.prnewswire.com/fr/communiques-de-presse/",
                      "https://www.prnewswire.com/fr/news/xinhua-silk-road/",
                      "https://www.prnewswire.com/fr/multimedia/0f6791cc1a54f2de1585b712b24aef76.html"],
}

SOURCE_IDS = [s.id for s in all_sources()]


def _manifest() -> dict[str, dict[str, dict[str, object]]]:
    data: dict[str, dict[str, dict[str, object]]] = json.loads((DEMO / "manifest.json").read_text("utf-8"))
    return data


def _day_sources(day: str) -> dict[str, list[dict[str, str]]]:
    sources: dict[str, list[dict[str, str]]] = _manifest()["days"][day]["sources"]  # type: ignore[assignment]
    return sources


# ---------------------------------------------------------------- declarations


def test_registry_covers_every_outlet_and_edition() -> None:
    assert {"xinhua-fr", "xinhua-en", "xinhua-zh", "sputnik-fr", "sputnik-en", "people-fr", "people-en",
            "people-zh", "prnewswire-fr"} <= set(SOURCE_IDS)
    assert len(SOURCE_IDS) == len(set(SOURCE_IDS))
    assert [s.id for s in select("people-fr, xinhua-en")] == ["people-fr", "xinhua-en"]


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_declaration_is_usable(source_id: str) -> None:
    source = get(source_id)
    assert source.id == f"{source.outlet}-{source.language}"
    assert source.feeds or source.sitemaps or source.listings or source.json_sources
    re.compile(source.article_pattern)
    assert source.article_pattern.startswith("^") and source.article_pattern.endswith("$")
    assert source.timezone in {"Asia/Shanghai", "Europe/Moscow", "America/New_York"}
    assert source.hints.title_selector and source.hints.body_selector and source.hints.date_selector
    for url in (*source.feeds, *source.sitemaps, *(listing.url for listing in source.listings),
                *source.json_sources):
        assert source.owns(urlsplit(url).hostname or ""), url
    for template in source.sitemaps:
        if "{" in template:
            assert set(re.findall(r"\{(\w+)\}", template)) <= {"date_start", "date_end"}


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_article_urls_match_and_others_do_not(source_id: str) -> None:
    source = get(source_id)
    for url in ARTICLES[source_id]:
        assert source.is_article_url(url), url
        assert source.owns(urlsplit(url).hostname or ""), url
    for url in NOT_ARTICLES[source_id]:
        assert not source.is_article_url(url), url


def test_patterns_do_not_claim_other_sources_articles() -> None:
    for sid, urls in ARTICLES.items():
        for other in SOURCE_IDS:
            if other != sid:
                assert not any(get(other).is_article_url(u) for u in urls), (sid, other)


# ---------------------------------------------------------------- demo mirror


def test_manifest_days_and_counts() -> None:
    days = _manifest()["days"]
    assert days["1"]["as_of"] == "2026-01-05" and days["2"]["as_of"] == "2026-01-06"
    for sid in SOURCE_IDS:
        one, two = _day_sources("1")[sid], _day_sources("2")[sid]
        assert len(one) >= 10
        assert {a["url"] for a in one} < {a["url"] for a in two}
        assert len(two) - len(one) >= 3


@pytest.mark.parametrize("day", ["1", "2"])
def test_manifest_urls_match_patterns_and_files_exist(day: str) -> None:
    tree = DEMO / f"day{day}"
    for sid, items in _day_sources(day).items():
        source = get(sid)
        for item in items:
            assert source.is_article_url(item["url"]), item["url"]
            assert datetime.fromisoformat(item["published"]).utcoffset() is not None
            page = url_to_path(tree, item["url"])
            assert page.is_file(), page
            html = page.read_text("utf-8")
            assert html.startswith("<!-- modelled on the documented page structure")
            doc = lxml.html.fromstring(html)
            assert doc.get("lang") == source.language
            assert source.hints.title_selector is not None
            assert " ".join(doc.cssselect(source.hints.title_selector)[0].text_content().split()) == item["title"]


def _links(source_id: str, tree: Path) -> set[str]:
    """Every URL the declared feeds, listings, sitemaps and JSON sources of a source list on a mirror day."""
    source = get(source_id)
    found: set[str] = set()
    for feed in source.feeds:
        parsed = feedparser.parse(url_to_path(tree, feed).read_bytes())
        dates = [e.published_parsed for e in parsed.entries]
        assert dates == sorted(dates, reverse=True), f"{feed} is not newest first"
        found |= {e.link for e in parsed.entries}
    for listing in source.listings:
        doc = lxml.html.fromstring(url_to_path(tree, listing.url).read_text("utf-8"))
        anchors = doc.cssselect(listing.link_selector) if listing.link_selector else doc.iter("a")
        found |= {a.get("href") for a in anchors}
    for template in source.sitemaps:
        path = url_to_path(tree, template.format(date_start="20260101", date_end="20260106"))
        root = lxml.etree.parse(str(path)).getroot()
        for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
            if root.tag.endswith("sitemapindex"):
                child = lxml.etree.parse(str(url_to_path(tree, loc.text or ""))).getroot()
                found |= {x.text or "" for x in child.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
            else:
                found.add(loc.text or "")
    for js in source.json_sources:
        data = json.loads(url_to_path(tree, js).read_text("utf-8"))
        found |= {row["publishUrl"] for row in data["datasource"]}
    return found


@pytest.mark.parametrize("day", ["1", "2"])
def test_every_article_is_reachable_and_non_articles_are_linked(day: str) -> None:
    tree = DEMO / f"day{day}"
    for sid, items in _day_sources(day).items():
        links = _links(sid, tree)
        missing = {a["url"] for a in items} - links
        assert not missing, (sid, missing)
        others = {u for u in links if not get(sid).is_article_url(u)}
        assert others, f"{sid}: no listing/video page linked for the crawler to skip"
        assert all(url_to_path(tree, u).is_file() for u in others), sid
        assert (tree / urlsplit(items[0]["url"]).netloc / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"


def test_write_mirror_lays_out_host_path(tmp_path: Path) -> None:
    when = datetime.fromisoformat("2026-01-05T09:30:00+08:00")
    article = MirrorArticle("xinhua-fr", "https://french.news.cn/20260105/" + "a" * 32 + "/c.html", "Titre",
                            ("Premier paragraphe.", "Second paragraphe."), when, "Europe")
    files = write_mirror(tmp_path, [article], [get("xinhua-fr")], date(2026, 1, 5))
    page = tmp_path / "french.news.cn/20260105" / ("a" * 32) / "c.html"
    assert page in files
    assert (tmp_path / "french.news.cn/robots.txt").is_file()
    europe = (tmp_path / "french.news.cn/europe/index.htm").read_text("utf-8")
    assert article.url in europe
    assert "Premier paragraphe." in render_article(article)
    with pytest.raises(ValueError):
        write_mirror(tmp_path, [article], [get("people-fr")], date(2026, 1, 5))


# ---------------------------------------------------------------- one stored page per source (fundus style)


def _fixture(source_id: str) -> tuple[bytes, dict[str, object]]:
    pages = sorted(FIXTURES.glob(f"{source_id}_[0-9][0-9][0-9][0-9]_[0-9][0-9]_[0-9][0-9].html.gz"))
    if not pages:
        pytest.fail(f"no fixture page for {source_id}: record one with\n  {RECORD.format(sid=source_id)}\n"
                    f"(or, for an edition with no saved page, a modelled one: "
                    f"record_fixture.py {source_id} --from-demo)")
    page = pages[-1]
    meta_path = page.with_name(page.name.removesuffix(".html.gz") + ".json")
    assert meta_path.is_file(), f"{meta_path.name} missing: re-run {RECORD.format(sid=source_id)}"
    meta: dict[str, object] = json.loads(meta_path.read_text("utf-8"))
    return gzip.decompress(page.read_bytes()), meta


def _same_time(found: str, expected: str) -> bool:
    a, b = datetime.fromisoformat(found), datetime.fromisoformat(expected)
    if a.utcoffset() is not None and b.utcoffset() is not None:
        return a == b
    return found[:16] == expected[:16]


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_fixture_page(source_id: str) -> None:
    html, meta = _fixture(source_id)
    source = get(source_id)
    url = str(meta["url"])
    assert meta["source_id"] == source_id
    assert source.is_article_url(url), url
    expected: dict[str, str] = meta["expected"]  # type: ignore[assignment]
    doc = lxml.html.fromstring(html.decode("utf-8"))
    assert source.hints.title_selector and source.hints.body_selector
    titles = [" ".join(e.text_content().split()) for e in doc.cssselect(source.hints.title_selector)]
    assert expected["title"] in titles
    body = " ".join(" ".join(e.text_content().split()) for e in doc.cssselect(source.hints.body_selector))
    assert " ".join(expected["body_start"].split()) in body
    try:
        got = cleaning.extract(html, url=url, hints=source.hints)
    except NotImplementedError:
        pytest.skip("pipeline.cleaning.extract is not written yet")
    assert got.title == expected["title"]
    assert got.published is not None and _same_time(got.published, expected["published"])
    text = " ".join(got.text.split())
    at = text.find(" ".join(expected["body_start"].split()))
    assert 0 <= at < 600, text[:300]


# ---------------------------------------------------------------- source health (read-only, real warehouse)


def _health_warehouse(db: Path) -> datetime:
    """A warehouse with crawl runs and pages of four sources over twelve days; returns "now"."""
    from datetime import UTC, timedelta

    from pipeline import warehouse

    now = datetime.now(UTC).replace(microsecond=0)
    runs: list[dict[str, object]] = []
    pages: list[dict[str, object]] = []

    def run(sid: str, days_ago: float, requests: int, by_status: dict[str, int], new: int, failures: int = 0,
            status: str = "ok", error: str | None = None, page_failures: tuple[str, ...] = ()) -> None:
        when = now - timedelta(days=days_ago)
        rid = f"r{days_ago}"
        runs.append({"id": f"{rid}:{sid}", "run_id": rid, "source_id": sid, "as_of": when.date(), "started": when,
                     "finished": when + timedelta(minutes=2), "status": status, "requests": requests,
                     "responses_by_status": json.dumps(by_status), "new_articles": new, "failures": failures,
                     "bytes": 1000, "error": error})
        for n, reason in enumerate(page_failures):
            pages.append({"id": f"{rid}:{sid}:{n}", "crawl_run_id": f"{rid}:{sid}", "source_id": sid,
                          "url": f"https://example.org/{sid}/{rid}/{n}.html", "kind": "article", "status": 200,
                          "fetched_at": when, "failure": reason})

    for days_ago in (6, 4, 1):
        run("xinhua-fr", days_ago, 10, {"200": 8, "304": 2}, 3, page_failures=("no text",))
    run("sputnik-en", 5, 6, {"200": 6}, 5)
    for days_ago in (2, 1):
        run("sputnik-en", days_ago, 4, {"403": 4}, 0, failures=4,
            page_failures=("challenge page",) * 3 + ("not an article",))
    run("people-en", 10, 5, {"200": 5}, 4)
    for days_ago in (3, 0.5):
        run("prnewswire-fr", days_ago, 0, {}, 0, status="failed", error="DNS lookup failed")
    with warehouse.write(str(db), 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"crawl_runs": runs, "pages": pages})
    return now


def test_source_health_over_days_with_flags(tmp_path: Path) -> None:
    from datetime import timedelta

    from pipeline import settings as settings_mod
    from pipeline import source_health

    db = tmp_path / "w.duckdb"
    now = _health_warehouse(db)
    cfg = settings_mod.load(None, environ={"VEILLE_DB": str(db)})
    week = {h.source_id: h for h in source_health.health(cfg, days=7, runs=2, until=now + timedelta(minutes=5))}
    xinhua = week["xinhua-fr"]
    assert (xinhua.runs, xinhua.requests, xinhua.new_articles) == (3, 30, 9)
    assert xinhua.responses_by_status == {"200": 24, "304": 6}
    assert (xinhua.empty_extractions, xinhua.challenge_pages, xinhua.flags) == (3, 0, [])
    sputnik = week["sputnik-en"]
    assert (sputnik.runs, sputnik.new_articles, sputnik.failures) == (3, 5, 8)
    assert (sputnik.challenge_pages, sputnik.empty_extractions) == (6, 2)
    assert sputnik.flags == ["no-ok-responses", "no-new-articles", "challenged"]
    assert week["prnewswire-fr"].flags == ["errors-only", "no-requests"]
    # a source with nothing in the window is listed, and says so
    assert week["people-en"].runs == 0 and week["people-en"].flags == ["no-runs"]
    assert "xinhua-zh" in week, "every enabled source is listed"
    month = {h.source_id: h for h in source_health.health(cfg, days=30, runs=2, until=now + timedelta(minutes=5))}
    assert month["people-en"].runs == 1 and month["people-en"].new_articles == 4
    # the flags need health_runs runs showing it: with 3, sputnik's two dark runs follow a good one
    strict = {h.source_id: h for h in source_health.health(cfg, days=7, runs=3, until=now + timedelta(minutes=5))}
    assert strict["sputnik-en"].flags == []


def test_sources_health_cli_is_read_only(tmp_path: Path) -> None:
    import hashlib
    import subprocess

    from tests.conftest import VEILLE

    db = tmp_path / "w.duckdb"
    _health_warehouse(db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    done = subprocess.run([VEILLE, "sources", "health", "--days", "7", "--format", "json", "--db", str(db)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {r["source_id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert rows["sputnik-en"]["challenge_pages"] == 6 and "challenged" in rows["sputnik-en"]["flags"]
    assert rows["xinhua-fr"]["responses_by_status"] == {"200": 24, "304": 6}
    order = [bool(r["flags"]) for r in rows.values()]
    assert order == sorted(order, reverse=True) and rows["xinhua-fr"]["flags"] == [], "flagged sources first"
    table = subprocess.run([VEILLE, "sources", "health", "--db", str(db)], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)
    assert table.returncode == 0 and "sputnik-en" in table.stdout and "challenged" in table.stdout
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    missing = subprocess.run([VEILLE, "sources", "health", "--db", str(tmp_path / "none.duckdb")],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    bad = subprocess.run([VEILLE, "sources", "health", "--days", "0", "--db", str(db)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert bad.returncode == 1 and "--days" in bad.stderr
