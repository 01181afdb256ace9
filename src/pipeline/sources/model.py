"""What a source declaration holds: a source is a value, not a program."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from pipeline.hints import CleaningHints


@dataclass(frozen=True)
class Listing:
    """An HTML listing page and the CSS selector of its article links (None: every link)."""

    url: str
    link_selector: str | None = None


@dataclass(frozen=True)
class Source:
    """One edition of one outlet, and how to discover and clean its articles."""

    id: str                                   # <outlet>-<lang>: spider argument, source_id column, fixture prefix
    outlet: str
    language: str                             # ISO 639-1 of the edition
    home_url: str
    domains: tuple[str, ...]                  # hosts (and their subdomains) that belong to the source
    article_pattern: str                      # regex an article URL matches (listing/tag/video pages do not)
    feeds: tuple[str, ...] = ()               # RSS / Atom
    sitemaps: tuple[str, ...] = ()            # may hold {date_start} / {date_end} (YYYYMMDD) for date ranges
    listings: tuple[Listing, ...] = ()
    json_sources: tuple[str, ...] = ()        # news.cn ds_*.json data sources
    hints: CleaningHints = field(default_factory=CleaningHints)
    timezone: str = "Asia/Shanghai"           # what the site's unqualified dates mean
    enabled: bool = True
    # "page N of an article" URLs: named groups `first` and `page` (page 1 = `first` + the rest after `page`);
    # such pages are fetched from page 1 and stitched into it, never stored as articles of their own
    page_pattern: str = ""
    proxy: str = ""                           # http(s) proxy for this source's requests ("" = none)

    def __post_init__(self) -> None:
        # unqualified times on the page mean the outlet's own zone unless the hints say otherwise
        if self.hints.timezone is None:
            object.__setattr__(self, "hints", replace(self.hints, timezone=self.timezone))

    @cached_property
    def _article_re(self) -> re.Pattern[str]:
        return re.compile(self.article_pattern)

    def is_article_url(self, url: str) -> bool:
        """True when the URL has the shape of one of this source's articles."""
        return bool(self._article_re.search(url))

    @cached_property
    def _page_re(self) -> re.Pattern[str] | None:
        return re.compile(self.page_pattern) if self.page_pattern else None

    def first_page(self, url: str) -> str | None:
        """For page 2+ of a multi-page article, the URL of page 1; None for any other URL."""
        match = self._page_re.search(url) if self._page_re else None
        if match is None or int(match.group("page")) < 2:
            return None
        return url[:match.start("first")] + match.group("first") + url[match.end("page"):]

    def page_number(self, url: str) -> int:
        """The page number of an article URL (1 unless the page pattern says otherwise)."""
        match = self._page_re.search(url) if self._page_re else None
        return int(match.group("page")) if match else 1

    def owns(self, host: str) -> bool:
        """True when a host belongs to this source (the domain itself or a subdomain)."""
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)
