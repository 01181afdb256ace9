"""RevisitSpider: re-fetches a given list of known article URLs, to find edits and removals.

It follows redirects itself so that a redirect to the site's home page (how
outlets often remove an article) is recorded as that redirect rather than as
the home page's 200; any other redirect is followed like Scrapy would, through
the same guard (no offsite hops, no private addresses). Politeness, robots.txt
and `--mirror` come from the project settings and middlewares, as for the
daily crawl.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.http import Response
from twisted.python.failure import Failure

from pipeline import sources as sources_mod
from pipeline.revisions import REDIRECT_STATUSES, is_home_page
from pipeline.sources import Source
from spiders.items import PageItem
from spiders.source import HANDLED_STATUSES, failure_reason, is_html, now_iso, page_from_response

MAX_REDIRECTS = 5


def read_urls(path: str | None) -> list[str]:
    """URLs to re-fetch, one per line, in order, without repeats."""
    if not path:
        return []
    seen: dict[str, None] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return list(seen)


class RevisitSpider(Spider):
    """Fetches each listed URL once (plus its redirects) and records the answer as an `article` page."""

    name = "revisit"

    def __init__(self, source: str | Source = "", urls: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not source:
            raise ValueError("RevisitSpider needs a source: scrapy crawl revisit -a source=<id> -a urls=FILE")
        self.source: Source = source if isinstance(source, Source) else sources_mod.get(source)
        self.urls = read_urls(urls)

    def owns_host(self, host: str) -> bool:
        """True when a host belongs to the source (the guard refuses redirects anywhere else)."""
        return self.source.owns(host)

    def _request(self, url: str, chain: list[str]) -> Request:
        meta: dict[str, Any] = {"veille_kind": "article", "dont_redirect": True,
                                "handle_httpstatus_list": [*sorted(REDIRECT_STATUSES), *HANDLED_STATUSES]}
        if chain:
            # the guard and the page record read the chain as Scrapy's redirect middleware would leave it
            meta["redirect_urls"] = chain
        # the list is already unique; redirect chains must be allowed to revisit a URL so a loop ends at the cap
        return Request(url, callback=self.parse_page, errback=self.on_error, dont_filter=True, meta=meta)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield self._request(url, [])

    def parse_page(self, response: Response) -> Iterator[PageItem | Request]:
        location = response.headers.get("Location")
        if response.status in REDIRECT_STATUSES and location:
            target = urljoin(response.url, location.decode("latin-1"))
            chain = [*response.meta.get("redirect_urls", []), response.url]
            if is_home_page(target, [self.source.home_url]) or len(chain) > MAX_REDIRECTS:
                page = page_from_response(response, "article",
                                          None if len(chain) <= MAX_REDIRECTS else "too many redirects")
                page.final_url = target
                yield page
                return
            yield self._request(target, chain)
            return
        failure = None if response.status == 200 else f"http {response.status}"
        page = page_from_response(response, "article", failure)
        if response.status == 200 and not is_html(response):
            page.failure = f"not HTML ({page.content_type or 'no content type'})"
        yield page

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        """Record a request that got no response (refused, timed out, unreachable)."""
        request: Request | None = getattr(failure, "request", None)
        if request is None:
            return
        yield PageItem(url=(request.meta.get("redirect_urls") or [request.url])[0], final_url=request.url,
                       kind="article", fetched_at=now_iso(), failure=failure_reason(failure))
