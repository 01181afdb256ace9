"""SourceSpider: one generic spider that discovers and fetches the articles of one declared source."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from pipeline import feeds
from pipeline import sources as sources_mod
from pipeline.seen import read_seen
from pipeline.settings import load as load_settings
from pipeline.sources import Source, multipage, reach
from pipeline.urls import canonical_url, url_host
from spiders.items import PageItem
from spiders.middlewares import is_private_host

log = logging.getLogger(__name__)

# Statuses the callbacks see (and record) instead of Scrapy dropping them; 3xx other than 304 stay redirects.
HANDLED_STATUSES = [304, *range(400, 600)]
HTML_TYPES = ("text/html", "application/xhtml+xml")


def now_iso() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


def split_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header value."""
    if not value:
        return None, None
    media, *params = [p.strip() for p in value.split(";")]
    charset = None
    for param in params:
        name, _, arg = param.partition("=")
        if name.strip().lower() == "charset" and arg.strip():
            charset = arg.strip().strip("\"'").lower()
    return media.lower() or None, charset


def page_from_response(response: Response, kind: str, failure: str | None = None) -> PageItem:
    """The record of one response, body and headers included for the archive."""
    meta = response.meta
    original = (meta.get("redirect_urls") or [response.url])[0]
    media, charset = split_content_type(_header(response, "Content-Type"))
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items() for v in values]
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return PageItem(
        url=original, final_url=response.url, kind=kind, fetched_at=now_iso(), status=response.status,
        etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"), content_type=media,
        charset=charset, content_hash=hashlib.sha256(response.body).hexdigest(), bytes=len(response.body),
        failure=failure, feed_date=meta.get("veille_feed_date"), feed_title=meta.get("veille_feed_title"),
        reason=reason, headers=headers, body=response.body,
    )


def failure_reason(failure: Failure) -> str:
    """A short, stable reason for a request that got no usable response."""
    exc = failure.value
    name = type(exc).__name__
    message = str(exc)
    if "robots.txt" in message:
        return "robots.txt disallows"
    if name == "Refused":
        return message
    if name in ("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"):
        return "timeout"
    # the second form is HttpCompressionMiddleware's: a gzip bomb is cut off while it inflates
    if "larger than download max size" in message or "exceeded DOWNLOAD_MAXSIZE" in message:
        return "too large"
    if "max redirections reached" in message:
        return "too many redirects"
    if name in ("CannotResolveHostError", "DNSLookupError"):
        return "dns lookup failed"
    if name in ("DownloadConnectionRefusedError", "ConnectionRefusedError"):
        return "connection refused"
    return f"{name}: {message}"[:300]


def is_html(response: Response) -> bool:
    """True when a response is an HTML page (by Content-Type, or by its first bytes when none is given)."""
    media, _ = split_content_type(_header(response, "Content-Type"))
    if media:
        return media in HTML_TYPES
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _host(url: str) -> str:
    """The host of a discovered link, "" when the link is too broken to have one."""
    try:
        return url_host(url)
    except ValueError:
        # urlsplit raises on e.g. "http://[oops/": one such link in a feed must not end the feed's callback
        return ""


def read_validators(path: str | None) -> dict[str, dict[str, str]]:
    """`{url: {"etag", "last_modified"}}` from the last run, for conditional GETs."""
    if not path or not Path(path).is_file():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    return data if isinstance(data, dict) else {}


class SourceSpider(Spider):
    """Discovers articles of one source from its feeds, sitemaps, listings and JSON data sources; fetches new ones."""

    name = "source"

    def __init__(self, source: str | Source = "", as_of: str | None = None, lookback_days: str | int | None = None,
                 days: str | int | None = None, seen: str | None = None, validators: str | None = None,
                 max_articles: str | int | None = None, seen_cache: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not source:
            raise ValueError("SourceSpider needs a source: scrapy crawl source -a source=<id>")
        self.source: Source = source if isinstance(source, Source) else sources_mod.get(source)
        cfg = load_settings()
        self.as_of = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
        lookback = int(lookback_days) if lookback_days not in (None, "") else cfg.lookback_days
        span = int(days) if days not in (None, "") else lookback
        self.window_start = self.as_of - timedelta(days=max(span, lookback))
        # the end is a day ahead: clocks and time zones differ, and future-dated articles are kept
        self.window_end = self.as_of + timedelta(days=1)
        self.seen = read_seen(seen, seen_cache)
        self.validators = read_validators(validators)
        self.max_articles = int(max_articles) if max_articles not in (None, "") else cfg.max_articles_per_source
        # SourceProxyMiddleware sends every request of the crawl (robots.txt too) through this proxy
        self.proxy = reach.proxy_for(self.source, cfg.proxies)
        self.scheduled: set[str] = set()
        self.refused: set[str] = set()
        # what feeds told about each article, whichever discovery method came first
        self.announced: dict[str, dict[str, str | None]] = {}
        # article requests wait until discovery is over, so every method's feed date is known when they land
        self.pending: list[Request] = []
        self.article_count = 0
        self.skipped_seen = 0
        self.capped = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.release_articles, signal=signals.spider_idle)
        return spider

    def release_articles(self) -> None:
        """When discovery is done (the crawl idles), send the article requests it found."""
        if not self.pending or self.crawler.engine is None:
            return
        batch, self.pending = self.pending, []
        for request in batch:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def owns_host(self, host: str) -> bool:
        """True when a host belongs to the source (the guard refuses redirects anywhere else)."""
        return self.source.owns(host)

    # ---- requests -------------------------------------------------------------------------------------------

    def _request(self, url: str, kind: str, callback: Any, conditional: bool = False,
                 meta: dict[str, Any] | None = None) -> Request:
        headers: dict[str, str] = {}
        if conditional:
            known = self.validators.get(url) or {}
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        # Article URLs are deduplicated by the spider itself (canonical keys); left to Scrapy's dupefilter, the
        # redirect back to a URL already asked for (a redirect loop) was dropped silently and never recorded.
        # With the filter off the loop ends at REDIRECT_MAX_TIMES and the errback records it.
        return Request(url, callback=callback, errback=self.on_error, headers=headers, dont_filter=kind == "article",
                       meta={"veille_kind": kind, "handle_httpstatus_list": HANDLED_STATUSES, **(meta or {})})

    def sitemap_urls(self) -> list[str]:
        """The source's sitemap URLs with their date range filled in."""
        start, end = self.window_start.strftime("%Y%m%d"), self.window_end.strftime("%Y%m%d")
        return [t.replace("{date_start}", start).replace("{date_end}", end) for t in self.source.sitemaps]

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.feeds:
            yield self._request(url, "feed", self.parse_feed, conditional=True)
        for url in self.sitemap_urls():
            yield self._request(url, "sitemap", self.parse_sitemap, conditional=True)
        for listing in self.source.listings:
            yield self._request(listing.url, "listing", self.parse_listing,
                                meta={"veille_selector": listing.link_selector})
        for url in self.source.json_sources:
            yield self._request(url, "json", self.parse_json, conditional=True)

    def article_request(self, url: str, feed_date: str | None = None, feed_title: str | None = None) -> Request | None:
        """A request for a newly discovered article URL, or None (not an article, seen, already asked, over the cap)."""
        url = url.strip()
        if is_private_host(_host(url)):
            # a feed pointing at loopback or private addresses is broken or hostile: send the link to the guard,
            # which refuses it before any network access (mirror or not), so the refusal is recorded in pages
            if url in self.refused:
                return None
            self.refused.add(url)
            return self._request(url, "article", self.parse_article)
        # page 2+ of a multi-page article leads to its page 1, which fetches and stitches the rest
        url = self.source.first_page(url) or url
        if not self.source.is_article_url(url):
            return None
        try:
            key = canonical_url(url)
        except ValueError:
            return None
        known = self.announced.setdefault(key, {"veille_feed_date": None, "veille_feed_title": None})
        known["veille_feed_date"] = known["veille_feed_date"] or feed_date
        known["veille_feed_title"] = known["veille_feed_title"] or feed_title
        if key in self.scheduled:
            return None
        self.scheduled.add(key)
        if key in self.seen:
            self.skipped_seen += 1
            return None
        if self.article_count >= self.max_articles:
            self.capped += 1
            return None
        self.article_count += 1
        return self._request(url, "article", self.parse_article, meta={"veille_key": key})

    def queue(self, request: Request | None) -> None:
        """Hold an article request until discovery is over."""
        if request is not None:
            self.pending.append(request)

    # ---- callbacks ------------------------------------------------------------------------------------------

    def _settled(self, response: Response, kind: str) -> tuple[PageItem, bool]:
        """The page record, and whether the body is worth parsing (a 200 that is not a challenge page)."""
        failure = None if response.status in (200, 304) else f"http {response.status}"
        if response.status != 304 and response.body and self._is_challenge(response):
            failure = reach.CHALLENGE_REASON
        return page_from_response(response, kind, failure), response.status == 200 and failure is None

    def _is_challenge(self, response: Response) -> bool:
        headers = {k.decode("latin-1").lower(): (v[0] if v else b"").decode("latin-1")
                   for k, v in response.headers.items()}
        if not is_html(response):
            # feeds and data sources only by the interstitial's own markup, never by words in their items
            return bool(reach.challenge_reason(headers, response.body[:4096]) and b"<html" in response.body[:4096].lower())
        return reach.challenge_reason(headers, response.body) is not None

    def parse_feed(self, response: Response) -> Iterator[PageItem | Request]:
        page, usable = self._settled(response, "feed")
        yield page
        if not usable:
            return
        for entry in feeds.parse_feed(response.body):
            self.queue(self.article_request(entry.url, entry.published, entry.title))

    def _in_window(self, stamp: str | None) -> bool:
        if not stamp:
            return True
        try:
            day = datetime.fromisoformat(stamp).date()
        except ValueError:
            return True
        # lastmod only narrows from below: an entry dated after the window end may be a clock skew, keep it
        return day >= self.window_start

    def parse_sitemap(self, response: Response) -> Iterator[PageItem | Request]:
        page, usable = self._settled(response, "sitemap")
        yield page
        if not usable:
            return
        for entry in feeds.parse_sitemap(response.body):
            if not self._in_window(entry.lastmod):
                continue
            if entry.is_sitemap:
                if self.source.owns(_host(entry.url)):
                    yield self._request(entry.url, "sitemap", self.parse_sitemap, conditional=True)
                continue
            self.queue(self.article_request(entry.url, entry.published or entry.lastmod, entry.title))

    def parse_listing(self, response: Response) -> Iterator[PageItem | Request]:
        page, usable = self._settled(response, "listing")
        yield page
        if not usable or not is_html(response):
            return
        for url in feeds.parse_listing(response.body, response.url, response.meta.get("veille_selector")):
            self.queue(self.article_request(url))

    def parse_json(self, response: Response) -> Iterator[PageItem | Request]:
        page, usable = self._settled(response, "json")
        yield page
        if not usable:
            return
        for entry in feeds.parse_json_source(response.body):
            self.queue(self.article_request(entry.url, entry.published, entry.title))

    def _announce(self, meta: dict[str, Any]) -> None:
        meta.update(self.announced.get(meta.get("veille_key", ""), {}))

    def parse_article(self, response: Response) -> Iterator[PageItem | Request]:
        self._announce(response.meta)
        page, usable = self._settled(response, "article")
        if usable and not is_html(response):
            page.failure = f"not HTML ({page.content_type or 'no content type'})"
        if page.failure is None and usable and self.source.page_pattern:
            later = multipage.later_pages(self.source, response.url, response.body, page.charset)
            if later:
                state: dict[str, Any] = {"first": page, "todo": later, "asked": set(later), "bodies": []}
                yield from self._next_page(state)
                return
        yield page

    # ---- multi-page articles: pages 2+ are fetched one after the other from page 1, then stitched into it

    def _next_page(self, state: dict[str, Any]) -> Iterator[PageItem | Request]:
        if state["todo"]:
            url = state["todo"].pop(0)
            yield Request(url, callback=self.parse_article_page, errback=self.on_page_error, dont_filter=True,
                          meta={"veille_kind": "article-page", "handle_httpstatus_list": HANDLED_STATUSES,
                                "veille_pages": state})
            return
        yield from self._stitched(state)

    def parse_article_page(self, response: Response) -> Iterator[PageItem | Request]:
        """Page 2+ of an article: recorded as an `article-page` (never an article), its body kept for stitching."""
        state: dict[str, Any] = response.meta["veille_pages"]
        part, usable = self._settled(response, "article-page")
        if usable and is_html(response):
            # the item pipeline drops the body once archived, so stitching keeps its own reference
            state["bodies"].append((response.body, part.charset, response.url))
            for url in multipage.later_pages(self.source, response.url, response.body, part.charset):
                if url not in state["asked"] and len(state["asked"]) < multipage.MAX_PAGES:
                    state["asked"].add(url)
                    state["todo"].append(url)
            state["todo"].sort(key=self.source.page_number)
        yield part
        yield from self._next_page(state)

    def on_page_error(self, failure: Failure) -> Iterator[PageItem | Request]:
        """A page 2+ that could not be fetched: recorded, and the article goes on with the pages it has."""
        yield from self.on_error(failure)
        request: Request | None = getattr(failure, "request", None)
        if request is not None and "veille_pages" in request.meta:
            yield from self._next_page(request.meta["veille_pages"])

    def _stitched(self, state: dict[str, Any]) -> Iterator[PageItem]:
        first: PageItem = state["first"]
        bodies: list[tuple[bytes, str | None, str]] = state["bodies"]
        if not bodies or first.body is None:
            yield first
            return
        # page 1 as fetched stays in the archive too, under its URL with a #page-1 fragment (pages rows are
        # keyed by URL, and the article row's URL must lead to the stitched text)
        yield replace(first, url=first.url + "#page-1", kind="article-page", bytes=0)
        stitched = multipage.stitch(first.body, [b for b, _, _ in bodies], self.source.hints, first.charset,
                                    [c for _, c, _ in bodies])
        # the archived record says it is a stitched document, and of which pages
        headers = [(k, v) for k, v in first.headers if k.lower() != "content-type"]
        headers += [("Content-Type", "text/html; charset=utf-8"),
                    ("X-Veille-Stitched", " ".join(u for _, _, u in bodies))]
        yield replace(first, body=stitched, headers=headers, charset="utf-8", content_type="text/html",
                      content_hash=hashlib.sha256(stitched).hexdigest())

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        """Record a request that got no response (refused, timed out, too large, unreachable)."""
        request: Request | None = getattr(failure, "request", None)
        if request is None:
            return
        meta = request.meta
        self._announce(meta)
        yield PageItem(url=(meta.get("redirect_urls") or [request.url])[0], final_url=request.url,
                       kind=meta.get("veille_kind", "other"), fetched_at=now_iso(), failure=failure_reason(failure),
                       feed_date=meta.get("veille_feed_date"), feed_title=meta.get("veille_feed_title"))
