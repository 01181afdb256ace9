"""Downloader components: the replay-mirror handler, the address/offsite guard, robots.txt Crawl-delay, Retry-After.

The `--mirror` rewrite happens in the download handler, after every middleware and after the download slot
is chosen, so robots.txt, slots, throttling, offsite and private-address checks all see the original URL.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from pipeline.mirror import from_mirror, to_mirror

log = logging.getLogger(__name__)

# A Retry-After longer than this is not waited for: the retry budget runs out instead.
MAX_RETRY_AFTER = 120.0
# robots.txt Crawl-delay is obeyed up to this (people.com.cn is reported to ask for 120 s).
MAX_CRAWL_DELAY = 180.0


class Refused(IgnoreRequest):
    """A request the crawler declines to send; the message is the recorded failure reason."""


def is_private_host(host: str) -> bool:
    """True for localhost names and literal loopback, private, link-local or otherwise non-public IPs."""
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified
            or address.is_reserved or address.is_multicast)


def _mirror_setting(crawler: Crawler) -> str:
    return str(crawler.settings.get("VEILLE_MIRROR") or "").strip()


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) download handler that, with a mirror set, fetches `MIRROR/HOST/PATH` but answers as HOST would."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.mirror = _mirror_setting(crawler)

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            return await super().download_request(request)
        mirrored = request.replace(url=to_mirror(request.url, self.mirror))
        response = await super().download_request(mirrored)
        location = response.headers.get("Location")
        if location:
            target = urljoin(mirrored.url, location.decode("latin-1"))
            original = from_mirror(target, self.mirror, scheme=urlsplit(request.url).scheme or "https")
            # a Location outside the mirror stays as it is: the guard refuses it (the mirror is on loopback)
            response.headers["Location"] = original or target
        return response.replace(url=request.url, request=request)


class GuardMiddleware:
    """Refuses private/loopback hosts and redirects that leave the source's domains, keyed on the original host."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = urlsplit(request.url).hostname or ""
        if is_private_host(host):
            if self.stats:
                self.stats.inc_value("veille/refused/private")
            raise Refused("private address")
        owns = getattr(self.crawler.spider, "owns_host", None)
        if request.meta.get("redirect_urls") and owns is not None and not owns(host):
            if self.stats:
                self.stats.inc_value("veille/refused/offsite_redirect")
            raise Refused(f"offsite redirect to {host}")


class SourceProxyMiddleware:
    """Sends every request of a crawl through the source's proxy (declaration `proxy` or setting `proxies`).

    Scrapy's HttpProxyMiddleware does the proxying from `request.meta["proxy"]`. A replay mirror is local, so
    no proxy applies then.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.mirror = _mirror_setting(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        proxy = getattr(self.crawler.spider, "proxy", None)
        if proxy and not self.mirror and "proxy" not in request.meta:
            request.meta["proxy"] = proxy


class CrawlDelayMiddleware:
    """Applies a robots.txt Crawl-delay to the original host's download slot."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.user_agent = str(crawler.settings.get("USER_AGENT") or "")
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except (AttributeError, TypeError, ValueError):
            return
        if not delay:
            return
        delay = min(float(delay), MAX_CRAWL_DELAY)
        host = urlsplit(request.url).hostname or ""
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if downloader is None:
            return
        # slots are keyed on the original host (the mirror rewrite happens later); new slots read these settings
        downloader.per_slot_settings.setdefault(host, {})["delay"] = delay
        slot = downloader.slots.get(host)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
        log.info("robots.txt Crawl-delay %.1fs for %s", delay, host)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry on 429/5xx, slowing the host's slot down to what Retry-After asks for first."""

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        if response.status in self.retry_http_codes and not request.meta.get("dont_retry"):
            header = response.headers.get("Retry-After")
            wait = retry_after_seconds(header.decode("latin-1") if header else None)
            engine = self.crawler.engine
            key = request.meta.get("download_slot")
            # a longer wait is not honoured at all (the retries run out and the page is recorded as failed):
            # capping it instead let one hostile `Retry-After: 3600` stall every request to the host 120 s each
            if wait and wait <= MAX_RETRY_AFTER and engine is not None and key in engine.downloader.slots:
                slot = engine.downloader.slots[key]
                slot.delay = max(slot.delay, wait)
        return super().process_response(request, response)
