"""SourceSpider and the downloader components, on responses built from stored bytes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from twisted.python.failure import Failure

from pipeline.sources import Listing, Source
from spiders.items import PageItem
from spiders.middlewares import GuardMiddleware, Refused, is_private_host, retry_after_seconds
from spiders.source import SourceSpider, failure_reason

HEX = "0123456789abcdef0123456789abcdef"
ART = f"https://ex.cn/20260110/{HEX}/c.html"
ART_HTTP = ART.replace("https:", "http:")


def make_source(**extra: Any) -> Source:
    values: dict[str, Any] = dict(
        id="ex-fr", outlet="ex", language="fr", home_url="https://ex.cn/", domains=("ex.cn",),
        article_pattern=r"^https?://ex\.cn/\d{8}/[0-9a-f]{32}/c\.html$",
        feeds=("https://ex.cn/rss/a.xml",),
        sitemaps=("https://ex.cn/sitemap.xml?date_start={date_start}&date_end={date_end}",),
        listings=(Listing("https://ex.cn/europe/index.htm", "#list a"),),
        json_sources=("https://ex.cn/ds_1.json",))
    values.update(extra)
    return Source(**values)


def spider(tmp_path: Path | None = None, seen: list[str] | None = None, **kwargs: Any) -> SourceSpider:
    seen_file = None
    if tmp_path is not None and seen is not None:
        seen_file = tmp_path / "seen.txt"
        seen_file.write_text("\n".join(seen) + "\n", encoding="utf-8")
    return SourceSpider(source=kwargs.pop("source", make_source()), as_of="2026-01-10", lookback_days=2,
                        seen=str(seen_file) if seen_file else None, **kwargs)


def respond(cls: type[Response], request: Request, body: bytes, status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    return cls(request.url, status=status, body=body, headers=headers or {}, request=request)


def split(sp: SourceSpider, results: Any) -> tuple[list[PageItem], list[Request]]:
    """Records and requests of one callback: those it yields plus the article requests it queued."""
    out = list(results)
    queued, sp.pending = sp.pending, []
    return [r for r in out if isinstance(r, PageItem)], [r for r in out if isinstance(r, Request)] + queued


def start_requests(sp: SourceSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [r async for r in sp.start()]
    return asyncio.run(collect())


def test_start_covers_every_discovery_method_with_date_window() -> None:
    requests = start_requests(spider())
    kinds = {r.meta["veille_kind"]: r.url for r in requests}
    assert set(kinds) == {"feed", "sitemap", "listing", "json"}
    # as_of 2026-01-10, lookback 2 → 2026-01-08 .. 2026-01-11 (a day ahead)
    assert kinds["sitemap"] == "https://ex.cn/sitemap.xml?date_start=20260108&date_end=20260111"


def test_backfill_days_widen_the_window() -> None:
    sp = spider(days=30)
    assert sp.sitemap_urls() == ["https://ex.cn/sitemap.xml?date_start=20251211&date_end=20260111"]


def test_conditional_get_headers_from_validators(tmp_path: Path) -> None:
    validators = tmp_path / "v.json"
    validators.write_text('{"https://ex.cn/rss/a.xml": {"etag": "\\"e1\\"", "last_modified": '
                          '"Sat, 10 Jan 2026 00:00:00 GMT"}}', encoding="utf-8")
    feed = next(r for r in start_requests(spider(validators=str(validators))) if r.meta["veille_kind"] == "feed")
    assert feed.headers.get("If-None-Match") == b'"e1"'
    assert feed.headers.get("If-Modified-Since") == b"Sat, 10 Jan 2026 00:00:00 GMT"


def test_feed_yields_record_then_new_articles_only(tmp_path: Path) -> None:
    seen_url = f"https://ex.cn/20260110/{'f' * 32}/c.html"
    sp = spider(tmp_path, seen=[seen_url])
    body = (f"<rss><channel><item><title>Un</title><link>{ART_HTTP}</link>"
            f"<pubDate>Sat, 10 Jan 2026 08:00:00 +0800</pubDate></item>"
            f"<item><link>{seen_url}</link></item><item><link>https://ex.cn/tag/ai.html</link></item>"
            f"<item><link>https://other.cn/20260110/{HEX}/c.html</link></item></channel></rss>").encode()
    request = Request("https://ex.cn/rss/a.xml", meta={"veille_kind": "feed"})
    pages, requests = split(sp, sp.parse_feed(respond(XmlResponse, request, body,
                                                  headers={"Content-Type": "application/rss+xml; charset=UTF-8",
                                                           "ETag": '"e2"'})))
    assert [p.kind for p in pages] == ["feed"] and pages[0].etag == '"e2"' and pages[0].charset == "utf-8"
    assert [r.url for r in requests] == [ART_HTTP]
    assert sp.skipped_seen == 1
    # the same article from a listing is not asked for again (canonical URL dedupe)
    listing = Request("https://ex.cn/europe/index.htm", meta={"veille_kind": "listing", "veille_selector": "#list a"})
    html = f'<html><body><div id="list"><a href="{ART}">a</a><a href="/20260110/{"a" * 32}/c.html">b</a></div>' \
           f'<a href="/20260110/{"b" * 32}/c.html">outside the selector</a></body></html>'
    _, requests = split(sp, sp.parse_listing(respond(HtmlResponse, listing, html.encode(),
                                                 headers={"Content-Type": "text/html"})))
    assert [r.url for r in requests] == [f"https://ex.cn/20260110/{'a' * 32}/c.html"]


def test_304_ends_the_branch() -> None:
    sp = spider()
    request = Request("https://ex.cn/rss/a.xml", meta={"veille_kind": "feed"})
    pages, requests = split(sp, sp.parse_feed(respond(XmlResponse, request, b"", status=304)))
    assert pages[0].status == 304 and pages[0].failure is None and requests == []


def test_sitemap_lastmod_narrows_but_future_is_kept() -> None:
    sp = spider()
    body = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://ex.cn/20260101/" + b"1" * 32 + b"/c.html</loc><lastmod>2026-01-01</lastmod></url>"
            b"<url><loc>https://ex.cn/20260112/" + b"2" * 32 + b"/c.html</loc><lastmod>2026-01-12</lastmod></url>"
            b"<url><loc>https://ex.cn/20260110/" + b"3" * 32 + b"/c.html</loc></url></urlset>")
    request = Request("https://ex.cn/sitemap.xml", meta={"veille_kind": "sitemap"})
    _, requests = split(sp, sp.parse_sitemap(respond(XmlResponse, request, body)))
    assert [r.url.split("/")[3] for r in requests] == ["20260112", "20260110"]
    assert requests[0].meta["veille_kind"] == "article"


def test_json_source_and_article_cap() -> None:
    sp = spider(max_articles=1)
    body = json.dumps({"list": [{"publishUrl": ART, "publishTime": "2026-01-10 08:00:00", "title": "T"},
                                {"publishUrl": f"https://ex.cn/20260110/{'c' * 32}/c.html"}]}).encode()
    request = Request("https://ex.cn/ds_1.json", meta={"veille_kind": "json"})
    _, requests = split(sp, sp.parse_json(respond(Response, request, body)))
    assert [r.url for r in requests] == [ART] and sp.capped == 1
    assert sp.announced[requests[0].meta["veille_key"]]["veille_feed_date"] == "2026-01-10T08:00:00"


def test_article_records_and_non_html_is_a_failure() -> None:
    sp = spider()
    request = Request(ART, meta={"veille_kind": "article"})
    [page] = list(sp.parse_article(respond(HtmlResponse, request, "<html><p>é</p></html>".encode(),
                                           headers={"Content-Type": "text/html; charset=utf-8"})))
    assert page.failure is None and page.body and page.content_hash and page.bytes == len(page.body)
    [pdf] = list(sp.parse_article(respond(Response, request, b"%PDF-1.4", headers={"Content-Type": "application/pdf"})))
    assert pdf.failure == "not HTML (application/pdf)"
    [gone] = list(sp.parse_article(respond(HtmlResponse, request, b"<html/>", status=410)))
    assert gone.failure == "http 410"


def test_errback_records_the_original_url() -> None:
    sp = spider()
    request = Request("https://elsewhere.cn/x", meta={"veille_kind": "article", "redirect_urls": [ART]})
    failure = Failure(Refused("offsite redirect to elsewhere.cn"))
    failure.request = request  # type: ignore[attr-defined]
    [page] = list(sp.on_error(failure))
    assert (page.url, page.final_url, page.failure, page.status) == (ART, "https://elsewhere.cn/x",
                                                                      "offsite redirect to elsewhere.cn", None)


@pytest.mark.parametrize(("host", "private"), [
    ("127.0.0.1", True), ("localhost", True), ("10.1.2.3", True), ("192.168.0.1", True), ("169.254.1.1", True),
    ("::1", True), ("[fe80::1]", True), ("0.0.0.0", True), ("8.8.8.8", False), ("french.news.cn", False),
])
def test_private_hosts(host: str, private: bool) -> None:
    assert is_private_host(host) is private


class _Crawler:
    def __init__(self, spider: SourceSpider) -> None:
        self.spider = spider
        self.stats = None


def test_guard_refuses_private_and_offsite_redirects() -> None:
    guard = GuardMiddleware(_Crawler(spider()))  # type: ignore[arg-type]
    guard.process_request(Request(ART))
    with pytest.raises(Refused, match="private address"):
        guard.process_request(Request("http://127.0.0.1:8000/ex.cn/a"))
    with pytest.raises(Refused, match="offsite redirect"):
        guard.process_request(Request("https://evil.org/a", meta={"redirect_urls": [ART]}))
    guard.process_request(Request("https://www.ex.cn/a", meta={"redirect_urls": [ART]}))


def test_retry_after_and_failure_reasons() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    assert retry_after_seconds("30") == 30.0
    assert retry_after_seconds("Sat, 10 Jan 2026 00:01:00 GMT", now=now) == 60.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
    assert failure_reason(Failure(DownloadTimeoutError("t"))) == "timeout"
    assert failure_reason(Failure(IgnoreRequest("Forbidden by robots.txt"))) == "robots.txt disallows"
