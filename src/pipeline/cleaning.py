"""Main text and metadata from article HTML (the only module that calls Trafilatura)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CleaningHints:
    """Per-source help for extraction, declared beside each source (CSS selectors)."""

    title_selector: str | None = None
    body_selector: str | None = None
    date_selector: str | None = None      # element whose text or datetime/data-unixtime holds the date
    drop_selectors: tuple[str, ...] = ()  # boilerplate removed before extraction
    title_suffixes: tuple[str, ...] = ()  # site suffixes stripped from titles ("-新华网")
    preset: str | None = None             # "precision", "recall" or None (balanced)


@dataclass
class Extracted:
    """What cleaning found on one page."""

    url: str
    title: str | None
    text: str
    published: str | None                 # ISO 8601 with the site's offset, or None
    date_source: str                      # url, feed, meta, json-ld, html, htmldate, none
    authors: list[str] = field(default_factory=list)
    is_article: bool = True
    method: str = "none"                  # extractor that produced the text
    html_lang: str | None = None
    flags: list[str] = field(default_factory=list)


def extract(html: bytes | str, url: str = "", hints: CleaningHints | None = None,
            feed_date: str | None = None) -> Extracted:
    """Extract main text and metadata from one page; never raises on bad HTML."""
    raise NotImplementedError
