"""Hostile input: one real `veille run --mirror` over a loopback server that answers xinhua-fr's URLs badly.

The server plays french.news.cn and french.xinhuanet.com (both declared xinhua-fr hosts): XML bombs and external
entities in feeds, oversized pages, a gzip bomb, pages in GBK with a missing or wrong charset, binary files at
article URLs, redirect loops, an offsite redirect, links to private addresses, broken HTML, script/SQL titles and
storms of 429/503. Every bad URL must be recorded in `pages` with a reason, nothing crashes, and every good
article is stored.
"""

from __future__ import annotations

import gzip
import html
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipeline import feeds, sources, warehouse
from tests.conftest import VEILLE
from tests.loopback import QuietHandler, serving

pytestmark = pytest.mark.slow
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SEEDS = Path(__file__).parent / "fixtures" / "crawl"
HOST, ALT = "french.news.cn", "french.xinhuanet.com"
AS_OF = "2026-01-10"
MAX_PAGE = 200_000


def art(n: int, host: str = HOST) -> str:
    """A URL the xinhua-fr article pattern accepts."""
    return f"https://{host}/20260110/{n:032x}/c.html"


def page(title: str, text: str, head: str = '<meta charset="utf-8">') -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.splitlines() if p.strip())
    return (f"<!DOCTYPE html><html lang=\"fr\"><head>{head}<title>{html.escape(title)}</title></head><body>"
            f"<div class=\"conTop\"><h1>{html.escape(title)}</h1></div><div class=\"time\">2026-01-10 09:00:00</div>"
            f"<div id=\"detailContent\">{paragraphs}</div></body></html>")


def rss(urls: list[str]) -> str:
    items = "".join(f"<item><title>Article {i}</title><link>{html.escape(u)}</link>"
                    f"<pubDate>Sat, 10 Jan 2026 08:00:00 +0800</pubDate></item>" for i, u in enumerate(urls))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Chine</title>{items}</channel></rss>'


TEXT1 = (SEEDS / "seed_001_digital_china_summit.txt").read_text(encoding="utf-8")
TEXT2 = (SEEDS / "seed_003_sputnik_afrique.txt").read_text(encoding="utf-8")
CHINESE = "数字中国建设峰会在福州开幕"
TRICKY_TITLE = "<script>alert('x')</script> Robert'); DROP TABLE articles;-- \" OR 1=1"

GOOD = {art(1): TEXT1, art(2): TEXT2, art(3): TEXT1 + "\nTroisième dépêche.", art(4): TEXT2 + "\nQuatrième."}
BIG, GZIP_BOMB, GBK_BARE, GBK_AS_UTF8 = art(10), art(11), art(12), art(13)
PDF, PNG, LOOP, LOOP_A, LOOP_B, OFFSITE = art(14), art(15), art(16), art(17), art(18), art(19)
MALFORMED, TRUNCATED, TRICKY, EMPTY = art(20), art(21), art(22), art(23)
TOO_MANY = [art(30 + i, ALT) for i in range(3)]
UNAVAILABLE = [art(40 + i, ALT) for i in range(3)]
PRIVATE = ["http://127.0.0.1/x", "http://10.0.0.1/", "http://localhost/", "http://[::1]/20260110/c.html",
           f"http://192.168.1.1/20260110/{99:032x}/c.html"]
# pages that must end up as articles despite what was done to them
STORED = {*GOOD, GBK_BARE, GBK_AS_UTF8, TRICKY, MALFORMED}


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    body: bytes = b""


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1]


def build_routes(base: str) -> dict[str, Answer]:
    """Every path the server answers (anything else is a 404)."""
    routes: dict[str, Answer] = {}

    def put(url: str, answer: Answer) -> None:
        routes[_path(url)] = answer

    def html_at(url: str, text: str, **headers: str) -> None:
        put(url, Answer(body=text.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8", **headers}))

    xml = {"Content-Type": "application/rss+xml"}
    source = sources.get("xinhua-fr")
    chine, monde, afrique, culture, science = source.feeds[:5]
    all_articles = [*GOOD, BIG, GZIP_BOMB, GBK_BARE, GBK_AS_UTF8, PDF, PNG, LOOP, LOOP_A, OFFSITE, MALFORMED,
                    TRUNCATED, TRICKY, EMPTY, *TOO_MANY, *UNAVAILABLE]
    put(chine, Answer(body=rss(all_articles).encode(), headers=xml))
    bomb = (HOSTILE / "billion_laughs_feed.xml").read_text(encoding="utf-8").replace("{LINK}", art(1))
    put(monde, Answer(body=bomb.encode(), headers=xml))
    xxe = (HOSTILE / "xxe_feed.xml").read_text(encoding="utf-8").replace("{LINK}", art(2))
    put(afrique, Answer(body=xxe.encode(), headers=xml))
    put(culture, Answer(body=rss(PRIVATE + [art(3)]).encode(), headers=xml))
    # a feed cut mid-item: the readable part still announces the fourth good article
    put(science, Answer(body=rss([art(4), art(3)]).encode()[:-60], headers=xml))

    for url, text in GOOD.items():
        html_at(url, page(text.splitlines()[0][:80], text))
    html_at(BIG, page("Trop grand", TEXT1 + ("\nRemplissage." * 40_000)))
    bomb_body = gzip.compress(b"<html><body>" + b" " * 80_000_000 + b"</body></html>", 9)
    put(GZIP_BOMB, Answer(body=bomb_body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}))
    gbk_text = f"{CHINESE}\n" + TEXT1
    put(GBK_BARE, Answer(body=page("Sommet " + CHINESE, gbk_text, head="").encode("gbk", "replace"),
                         headers={"Content-Type": "text/html"}))
    put(GBK_AS_UTF8, Answer(body=page("Sommet " + CHINESE, gbk_text.replace("峰会", "论坛"), head='<meta charset="utf-8">')
                            .encode("gbk", "replace"), headers={"Content-Type": "text/html; charset=utf-8"}))
    put(PDF, Answer(body=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + bytes(range(256)) * 20,
                    headers={"Content-Type": "application/pdf"}))
    put(PNG, Answer(body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10,
                    headers={"Content-Type": "image/png"}))
    put(LOOP, Answer(302, {"Location": base + _path(LOOP), "Content-Length": "0"}))
    put(LOOP_A, Answer(302, {"Location": base + _path(LOOP_B)}))
    put(LOOP_B, Answer(301, {"Location": base + _path(LOOP_A)}))
    put(OFFSITE, Answer(302, {"Location": base + "/www.example.org/page.html"}))
    html_at(MALFORMED, "<html><head><title>Mal formé</title><body><div id=detailContent><p>"
            + "<p>".join(html.escape(p) + "<b><i>" for p in TEXT2.splitlines() if p.strip())
            + "</table></div></span><p <<>> <!-- unterminated")
    html_at(TRUNCATED, page("Tronqué", TEXT1)[:900])
    html_at(TRICKY, page(TRICKY_TITLE, TEXT2 + "\nAvec un titre piégé."))
    html_at(EMPTY, "")
    for url in TOO_MANY:
        put(url, Answer(429, {"Content-Type": "text/plain", "Retry-After": "3600"}, b"slow down"))
    for url in UNAVAILABLE:
        put(url, Answer(503, {"Content-Type": "text/plain", "Retry-After": "1"}, b"try later"))
    return routes


class Handler(QuietHandler):
    protocol_version = "HTTP/1.1"
    routes: dict[str, Answer] = {}
    log: list[str] = []

    def do_GET(self) -> None:
        self.log.append(self.path)
        answer = self.routes.get(self.path.split("?", 1)[0]) or Answer(404, {"Content-Type": "text/plain"}, b"no")
        self.answer(answer.status, answer.headers, answer.body)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("hostile")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update({"VEILLE_DB": str(tmp / "w.duckdb"), "VEILLE_WORK_DIR": str(tmp / "work"),
                "VEILLE_ARCHIVE_DIR": str(tmp / "archive"), "VEILLE_REPORTS_DIR": str(tmp / "reports"),
                "VEILLE_DOWNLOAD_DELAY": "0", "VEILLE_RETRY_TIMES": "2", "VEILLE_MAX_PAGE_BYTES": str(MAX_PAGE),
                "VEILLE_DOWNLOAD_TIMEOUT": "30", "PREFECT_HOME": str(tmp / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    # dropped connections (too large, bombs) are expected: the server stays quiet about them
    with serving(Handler, quiet_errors=True) as server:
        Handler.routes, Handler.log = build_routes(server.url), []
        done = subprocess.run([VEILLE, "run", "--mirror", server.url, "--sources", "xinhua-fr", "--as-of", AS_OF],
                              env=env, capture_output=True, text=True, timeout=600)
    with warehouse.read(tmp / "w.duckdb", 30) as con:
        cur = con.execute("SELECT url, final_url, kind, status, failure FROM pages")
        cols = [d[0] for d in cur.description or []]
        pages = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        articles = {r[0]: {"title": r[1], "text": r[2]} for r in
                    con.execute("SELECT url, title, text FROM articles").fetchall()}
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    yield {"done": done, "pages": pages, "articles": articles, "tables": tables, "requests": list(Handler.log)}


def _page(run: dict[str, Any], url: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in run["pages"] if p["url"] == url]
    assert found, f"{url} not recorded in pages; recorded: {sorted(p['url'] for p in run['pages'])}"
    return found[0]


def _failure(run: dict[str, Any], url: str) -> str:
    reason = _page(run, url)["failure"]
    assert reason, f"{url} recorded without a reason: {_page(run, url)}"
    return str(reason)


def test_the_run_succeeds_and_stores_every_good_article(run: dict[str, Any]) -> None:
    done = run["done"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    assert STORED <= set(run["articles"]), f"missing {STORED - set(run['articles'])}"
    assert {"articles", "pages", "crawl_runs"} <= run["tables"]


def test_every_bad_url_is_recorded_with_a_reason(run: dict[str, Any]) -> None:
    bad = {BIG, GZIP_BOMB, PDF, PNG, LOOP, LOOP_A, OFFSITE, EMPTY, *TOO_MANY, *UNAVAILABLE}
    for url in bad:
        assert url not in run["articles"], url
        _failure(run, url)
    # a truncated page is either still an article or recorded with why it is not
    assert TRUNCATED in run["articles"] or _failure(run, TRUNCATED)


def test_each_failed_url_gets_one_structured_log_line(run: dict[str, Any]) -> None:
    lines = [ln for ln in run["done"].stderr.splitlines() if " event=failed-url " in ln]
    for url in (BIG, PDF, LOOP, OFFSITE):
        mine = [ln for ln in lines if f"url={url} " in ln or f'url="{url}"' in ln]
        assert len(mine) == 1 and "source=xinhua-fr" in mine[0] and "reason=" in mine[0], (url, lines[:5])


def test_size_limits(run: dict[str, Any]) -> None:
    assert _failure(run, BIG) == "too large"
    assert "too large" in _failure(run, GZIP_BOMB) or "max size" in _failure(run, GZIP_BOMB).lower()


def test_binary_content_is_not_html(run: dict[str, Any]) -> None:
    assert _failure(run, PDF) == "not HTML (application/pdf)"
    assert _failure(run, PNG) == "not HTML (image/png)"


def test_redirects(run: dict[str, Any]) -> None:
    for url in (LOOP, LOOP_A):
        assert "redirect" in _failure(run, url), _page(run, url)
    assert _failure(run, OFFSITE) == "offsite redirect to www.example.org"
    assert not any(path.startswith("/www.example.org") for path in run["requests"])


def test_private_addresses_are_refused_and_recorded(run: dict[str, Any]) -> None:
    for url in PRIVATE:
        assert _failure(run, url) == "private address"
        assert _page(run, url)["status"] is None
    hosts = ("/127.0.0.1", "/10.0.0.1", "/localhost", "/[::1]", "/192.168.1.1")
    assert not any(path.startswith(hosts) for path in run["requests"])


def test_storms_of_429_and_503_end_as_failures(run: dict[str, Any]) -> None:
    for url in TOO_MANY:
        assert _failure(run, url) == "http 429" and _page(run, url)["status"] == 429
    for url in UNAVAILABLE:
        assert _failure(run, url) == "http 503" and _page(run, url)["status"] == 503
    # retried, but a bounded number of times
    for url in TOO_MANY + UNAVAILABLE:
        assert 1 <= run["requests"].count(_path(url)) <= 3


def test_wrong_or_missing_charset_is_decoded(run: dict[str, Any]) -> None:
    assert CHINESE in run["articles"][GBK_BARE]["text"] + run["articles"][GBK_BARE]["title"]
    assert CHINESE.replace("峰会", "论坛") in run["articles"][GBK_AS_UTF8]["text"]
    assert "numérique" in run["articles"][GBK_AS_UTF8]["text"] or "Fuzhou" in run["articles"][GBK_AS_UTF8]["text"]


def test_script_and_sql_in_titles_are_stored_as_text(run: dict[str, Any]) -> None:
    title = run["articles"][TRICKY]["title"]
    assert "DROP TABLE articles" in title and "<script>" in title
    assert len(run["articles"]) >= len(STORED)


def test_feed_entities_are_never_expanded(run: dict[str, Any]) -> None:
    assert _page(run, sources.get("xinhua-fr").feeds[1])["status"] == 200
    for article in run["articles"].values():
        assert "root:" not in article["text"] and "lollollol" not in (article["title"] or "")
    assert not any("etc/passwd" in path or "evil.dtd" in path for path in run["requests"])


@pytest.mark.parametrize("name", ["billion_laughs_feed.xml", "xxe_feed.xml"])
def test_feed_parser_neither_expands_nor_fetches(name: str) -> None:
    body = (HOSTILE / name).read_bytes().replace(b"{LINK}", art(1).encode())
    for entry in feeds.parse_feed(body):
        assert len(entry.title or "") < 1000 and "root:" not in (entry.title or "")


@pytest.mark.parametrize("name", ["billion_laughs_sitemap.xml", "xxe_sitemap.xml"])
def test_sitemap_parser_neither_expands_nor_fetches(name: str) -> None:
    entries = feeds.parse_sitemap((HOSTILE / name).read_bytes())
    for entry in entries:
        assert len(entry.url) < 1000 and "root:" not in entry.url


def test_a_gzipped_sitemap_bomb_is_refused() -> None:
    inner = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>' \
            + b"a" * (feeds.MAX_INFLATED_BYTES + 10) + b"</loc></url></urlset>"
    assert feeds.parse_sitemap(gzip.compress(inner, 9)) == []
