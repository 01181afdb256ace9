"""Politeness per outlet family: real Scrapy crawls against a scripted server on 127.0.0.1 (as a --mirror).

The server answers per path with a script of responses (304, 429 + Retry-After, 500, 200) and logs every
request with its time, so the tests read what the crawler really sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline import sources
from tests.loopback import QuietHandler, serving
from tests.test_crawl import article_html, pages, rss, run_crawl, seed_text

Answer = tuple[int, dict[str, str], bytes]


class Scripted(QuietHandler):
    """Answers `/HOST/PATH` from a per-path script (the last answer repeats); logs (path, time, headers)."""

    script: dict[str, list[Answer]] = {}
    dynamic: dict[str, Any] = {}
    log: list[tuple[str, float, dict[str, str]]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            self.log.append((self.path, time.monotonic(), dict(self.headers.items())))
            path = self.path.split("?", 1)[0]
            if path in self.dynamic:
                answer = self.dynamic[path](self.path, self.headers)
            elif path in self.script:
                queue = self.script[path]
                answer = queue.pop(0) if len(queue) > 1 else queue[0]
            else:
                answer = (404, {"Content-Type": "text/html"}, b"<html><body>not found</body></html>")
        self.answer(*answer)


@pytest.fixture
def server() -> Iterator[str]:
    Scripted.script, Scripted.dynamic, Scripted.log = {}, {}, []
    with serving(Scripted) as httpd:
        yield httpd.url


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("?", 1)[0]


def html(text: str) -> Answer:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, text.encode("utf-8")


def xml(text: str, **headers: str) -> Answer:
    return 200, {"Content-Type": "application/xml", **headers}, text.encode("utf-8")


def _demo_urls(source_id: str) -> list[str]:
    """Four article URLs on one host of the source, in its declared shape (the demo manifest's), moved to 2026-01-10."""
    manifest = json.loads(resources.files("pipeline").joinpath("demo_mirror/manifest.json").read_text("utf-8"))
    every = list(dict.fromkeys(a["url"] for day in manifest["days"].values() for a in day["sources"][source_id]))
    # the tests read one host's request log, and some editions spread articles over several hosts
    host = Counter(urlsplit(u).netloc for u in every).most_common(1)[0][0]
    urls = [u for u in every if urlsplit(u).netloc == host][:4]
    return [u.replace("/20260105/", "/20260110/").replace("/2026/0105/", "/2026/0110/") for u in urls]


# Four article URLs for every declared edition (day 2026-01-10).
ARTICLES: dict[str, list[str]] = {s.id: _demo_urls(s.id) for s in sources.all_sources()}
TEXT = seed_text("seed_001_digital_china_summit.txt")


def entry_point(source_id: str, urls: list[str]) -> tuple[str, Answer]:
    """The first feed of the source, or its first listing when it has no feed, announcing `urls`."""
    source = sources.get(source_id)
    if source.feeds:
        return source.feeds[0], xml(rss([(u, f"Titre {n}") for n, u in enumerate(urls)]))
    listing = source.listings[0]
    last = (listing.link_selector or "a").split()[-1]
    link_class = " ".join(re.findall(r"\.([\w-]+)", last))
    links = "".join(wrap(listing.link_selector, f'<a class="{link_class}" href="{u}">lien</a>') for u in urls)
    return listing.url, html(f"<html><body>{links}</body></html>")


def wrap(selector: str | None, inner: str) -> str:
    """Markup that a plain descendant selector like `#content-list .item .tit a` or `ul.list_14 li a` matches."""
    if not selector:
        return inner
    parts = selector.split()[:-1]  # the last part is the link itself
    for part in reversed(parts):
        tag = re.match(r"[a-z0-9]*", part)
        name = tag.group(0) if tag and tag.group(0) else "div"
        ids = re.findall(r"#([\w-]+)", part)
        classes = re.findall(r"\.([\w-]+)", part)
        attrs = (f' id="{ids[0]}"' if ids else "") + (f' class="{" ".join(classes)}"' if classes else "")
        inner = f"<{name}{attrs}>{inner}</{name}>"
    return inner


@pytest.mark.parametrize("source_id", list(ARTICLES))
def test_robots_crawl_delay_retry_after_and_persistent_500(server: str, tmp_path: Path, source_id: str) -> None:
    ok, busy, broken, disallowed = ARTICLES[source_id]
    host = urlsplit(ok).netloc
    entry, answer = entry_point(source_id, [ok, busy, broken, disallowed])
    Scripted.script = {
        f"/{host}/robots.txt": [(200, {"Content-Type": "text/plain"},
                                 f"User-agent: *\nCrawl-delay: 0.5\nDisallow: {urlsplit(disallowed).path}\n".encode())],
        path_of(entry): [answer],
        path_of(ok): [html(article_html("Un", TEXT))],
        path_of(busy): [(429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"),
                        html(article_html("Deux", TEXT))],
        path_of(broken): [(500, {"Content-Type": "text/plain"}, b"oops")],
    }
    out = tmp_path / "out"
    done = run_crawl(out, server, source=source_id, env={"VEILLE_RETRY_TIMES": "2"})
    assert done.returncode == 0, done.stderr
    found = {p["url"]: p for p in pages(out)}
    log = [(path, at) for path, at, _ in Scripted.log if path.startswith(f"/{host}/")]
    asked = [path for path, _ in log]
    # robots.txt: read first, its Disallow obeyed and recorded
    assert asked[0] == f"/{host}/robots.txt"
    assert path_of(disallowed) not in asked and "robots" in (found[disallowed]["failure"] or "")
    # Crawl-delay 0.5 s spaces every request to the host (Scrapy randomises a slot's delay to 0.5x-1.5x)
    times = [at for _, at in log]
    gaps = [b - a for a, b in zip(times[1:], times[2:], strict=False)]
    assert gaps and min(gaps) >= 0.24, f"requests closer than the crawl delay: {gaps}"
    # 429 with Retry-After: 1, then 200: retried after waiting, stored as fetched
    busy_times = [at for path, at in log if path == path_of(busy)]
    assert len(busy_times) == 2 and busy_times[1] - busy_times[0] >= 0.95
    assert found[busy]["status"] == 200 and found[busy]["failure"] is None
    # a persistent 500 is retried, recorded, and the run goes on
    assert asked.count(path_of(broken)) == 3
    assert found[broken]["status"] == 500 and found[broken]["failure"] == "http 500"
    assert found[ok]["status"] == 200 and found[ok]["kind"] == "article"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["articles"] == 2 and summary["responses_by_status"].get("500") == 1


@pytest.mark.parametrize("source_id", [s.id for s in sources.all_sources() if s.feeds])
def test_304_on_a_feed_is_honoured(server: str, tmp_path: Path, source_id: str) -> None:
    urls = ARTICLES[source_id][:2]
    feed, answer = entry_point(source_id, urls)
    host = urlsplit(feed).netloc

    def conditional(path: str, headers: Any) -> Answer:
        if headers.get("If-None-Match") == '"v7"':
            return 304, {"ETag": '"v7"'}, b""
        status, head, body = answer
        return status, {**head, "ETag": '"v7"'}, body

    Scripted.dynamic = {path_of(feed): conditional}
    Scripted.script = {path_of(u): [html(article_html("Un", TEXT))] for u in urls}
    validators = tmp_path / "validators.json"
    validators.write_text(json.dumps({feed: {"etag": '"v7"', "last_modified": None}}), encoding="utf-8")
    out = tmp_path / "out"
    done = run_crawl(out, server, "--validators", str(validators), source=source_id)
    assert done.returncode == 0, done.stderr
    found = {p["url"]: p for p in pages(out)}
    assert found[feed]["status"] == 304 and found[feed]["failure"] is None
    sent = [h for path, _, h in Scripted.log if path == path_of(feed)]
    assert sent and sent[0].get("If-None-Match") == '"v7"'
    assert not any(path_of(u) in [p for p, _, _ in Scripted.log] for u in urls), "the 304 ended the branch"
    assert not [p for p in found.values() if p["kind"] == "article"]
    # without the validator the same feed leads to its articles (the test can fail)
    out2 = tmp_path / "out2"
    assert run_crawl(out2, server, source=source_id).returncode == 0
    assert {u for u in urls} <= {p["url"] for p in pages(out2)}
    assert host


# every edition whose sitemap is date-ranged (SOURCES.md): its host
DATE_RANGED = {s.id: urlsplit(s.sitemaps[0]).netloc for s in sources.all_sources()
               if any("{date_start}" in m for m in s.sitemaps)}


@pytest.mark.parametrize("source_id", sorted(DATE_RANGED))
def test_backfill_reaches_articles_only_in_earlier_days_sitemaps(server: str, tmp_path: Path, source_id: str) -> None:
    """A date-ranged sitemap answers by date_start/date_end; only --days reaches an old article."""
    host = DATE_RANGED[source_id]
    as_of = date(2026, 1, 10)
    by_day = {as_of - timedelta(days=n): f"https://{host}/{(as_of - timedelta(days=n)):%Y%m%d}/"
              f"article-du-jour-{n}-10784300{n:02d}.html" for n in (0, 1, 8)}

    def sitemap(path: str, headers: Any) -> Answer:
        query = parse_qs(urlsplit(path).query)
        start = date.fromisoformat(_iso(query["date_start"][0]))
        end = date.fromisoformat(_iso(query["date_end"][0]))
        entries = "".join(f"<url><loc>{u}</loc><lastmod>{d.isoformat()}</lastmod></url>"
                          for d, u in by_day.items() if start <= d <= end)
        return xml(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                   f"{entries}</urlset>")

    Scripted.dynamic = {f"/{host}/sitemap_article.xml": sitemap}
    Scripted.script = {path_of(u): [html(article_html("Jour", TEXT))] for u in by_day.values()}
    daily_out, back_out = tmp_path / "daily", tmp_path / "backfill"
    assert run_crawl(daily_out, server, source=source_id).returncode == 0
    daily_found = {p["url"] for p in pages(daily_out) if p["kind"] == "article"}
    assert daily_found == {by_day[as_of], by_day[as_of - timedelta(days=1)]}
    seen = tmp_path / "seen.txt"
    seen.write_text("\n".join(daily_found) + "\n", encoding="utf-8")
    Scripted.log = []
    done = run_crawl(back_out, server, "--days", "10", "--seen", str(seen), source=source_id)
    assert done.returncode == 0, done.stderr
    back_found = {p["url"] for p in pages(back_out) if p["kind"] == "article"}
    assert back_found == {by_day[as_of - timedelta(days=8)]}, "backfill fetches only the old, unseen article"


def _iso(compact: str) -> str:
    return f"{compact[:4]}-{compact[4:6]}-{compact[6:]}"


class Slow(Scripted):
    """Scripted, but every article answer takes a while, and the most answers in progress at once are counted."""

    delay = 0.15
    busy = 0
    most = 0

    def do_GET(self) -> None:
        if "/c.html" not in self.path:
            super().do_GET()
            return
        with self.lock:
            type(self).busy += 1
            type(self).most = max(type(self).most, type(self).busy)
        try:
            time.sleep(self.delay)
            super().do_GET()
        finally:
            with self.lock:
                type(self).busy -= 1


@pytest.mark.parametrize("per_host", [1, 2])
def test_requests_in_flight_per_host_never_exceed_the_setting(tmp_path: Path, per_host: int) -> None:
    # Scrapy 2.19 on the asyncio reactor counts a download against its host only once its task starts, so
    # without spiders.downloader it sent a host's whole queue at once (up to CONCURRENT_REQUESTS, 16)
    source = sources.get("xinhua-fr")
    urls = [f"https://french.news.cn/20260110/{n:032x}/c.html" for n in range(12)]
    Scripted.script = {path_of(source.feeds[0]): [xml(rss([(u, f"Titre {n}") for n, u in enumerate(urls)]))],
                       **{path_of(u): [html(article_html("Un", TEXT))] for u in urls}}
    Scripted.dynamic, Scripted.log, Slow.busy, Slow.most = {}, [], 0, 0
    with serving(Slow) as httpd:
        done = run_crawl(tmp_path / "out", httpd.url, source=source.id,
                         env={"VEILLE_CONCURRENCY_PER_HOST": str(per_host)})
    assert done.returncode == 0, done.stderr
    fetched = {p["url"] for p in pages(tmp_path / "out") if p["kind"] == "article" and p["status"] == 200}
    assert fetched == set(urls)
    # at most the setting, and the setting reached: the crawl is neither too eager nor serial
    assert Slow.most == per_host
