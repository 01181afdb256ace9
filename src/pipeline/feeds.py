"""Discovery parsing: RSS/Atom feeds, sitemaps, HTML listings and news.cn JSON data sources (pure functions)."""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree
import lxml.html

log = logging.getLogger(__name__)

# A compressed sitemap may not inflate beyond this (a gzip bomb is a few KB that inflate to gigabytes).
MAX_INFLATED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class FeedEntry:
    """An article announced by a feed or a JSON data source."""

    url: str
    title: str | None = None
    published: str | None = None          # ISO 8601, with the offset the feed states when it states one


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> of a sitemap, or one <sitemap> of a sitemap index (is_sitemap)."""

    url: str
    lastmod: str | None = None
    is_sitemap: bool = False
    title: str | None = None               # news sitemaps: <news:title>
    published: str | None = None           # news sitemaps: <news:publication_date>


def _parser() -> etree.XMLParser:
    # no entity expansion (billion laughs), no DTD or network fetch (XXE), recover from sloppy feeds
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           recover=True, remove_comments=True, remove_pis=True)


def _inflate(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, MAX_INFLATED_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError(f"compressed document inflates beyond {MAX_INFLATED_BYTES} bytes")
    return out


def _root(body: bytes) -> etree._Element | None:
    try:
        data = _inflate(body).strip()
        if not data:
            return None
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError, zlib.error) as exc:
        log.info("unparsable XML: %s", exc)
        return None
    return root


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    try:
        return str(etree.QName(tag).localname).lower()
    except ValueError:  # a name the recovering parser kept but QName refuses (a broken feed's "<:")
        return tag.rpartition("}")[2].lower()


def _children(node: etree._Element, name: str) -> Iterator[etree._Element]:
    for child in node:
        if _local(child.tag) == name:
            yield child


def _text(node: etree._Element, *names: str) -> str | None:
    for name in names:
        for child in _children(node, name):
            value = "".join(child.itertext()).strip()
            if value:
                return value
    return None


def normalise_date(value: str | None) -> str | None:
    """An RFC 822 or ISO 8601 date as ISO 8601 (offset kept when given); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _atom_link(entry: etree._Element) -> str | None:
    fallback = None
    for link in _children(entry, "link"):
        href = (link.get("href") or "").strip()
        if not href:
            continue
        if link.get("rel", "alternate") == "alternate":
            return href
        fallback = fallback or href
    return fallback


def parse_feed(body: bytes) -> list[FeedEntry]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed; [] when the body is not a readable feed."""
    root = _root(body)
    if root is None:
        return []
    entries: list[FeedEntry] = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            url = _text(node, "link") or (node.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or "")
            if not url:
                guid = next(_children(node, "guid"), None)
                if guid is not None and guid.get("isPermaLink", "true") == "true":
                    url = (guid.text or "").strip()
            published = _text(node, "pubdate", "date", "published", "updated")
        elif name == "entry":
            url = _atom_link(node) or ""
            published = _text(node, "published", "updated", "issued")
        else:
            continue
        if url:
            entries.append(FeedEntry(url=url.strip(), title=_text(node, "title"),
                                     published=normalise_date(published)))
    return entries


def parse_sitemap(body: bytes) -> list[SitemapEntry]:
    """Entries of a sitemap (urlset, news sitemaps included) or of a sitemap index."""
    root = _root(body)
    if root is None:
        return []
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return []
    entries: list[SitemapEntry] = []
    for node in root:
        name = _local(node.tag)
        if name not in ("url", "sitemap"):
            continue
        loc = _text(node, "loc")
        if not loc:
            continue
        title = published = None
        for news in _children(node, "news"):
            title = _text(news, "title")
            published = normalise_date(_text(news, "publication_date"))
        entries.append(SitemapEntry(url=loc, lastmod=normalise_date(_text(node, "lastmod")),
                                    is_sitemap=name == "sitemap", title=title, published=published))
    return entries


def _web_link(href: str) -> bool:
    return urlsplit(href).scheme in ("http", "https")


def parse_listing(html: str | bytes, base_url: str, selector: str | None) -> list[str]:
    """Absolute link targets of a listing page: those the CSS selector picks (or every link), in order, once."""
    if isinstance(html, bytes) and not html.strip() or isinstance(html, str) and not html.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        log.info("unparsable listing %s: %s", base_url, exc)
        return []
    base_href = next((b.get("href") for b in doc.iter("base") if b.get("href")), None)
    base = urljoin(base_url, base_href) if base_href else base_url
    picked = doc.cssselect(selector) if selector else [doc]
    links: list[str] = []
    seen: set[str] = set()
    for node in picked:
        anchors = [node] if node.tag == "a" else list(node.iter("a"))
        for anchor in anchors:
            href = (anchor.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            url = urljoin(base, href).split("#", 1)[0]
            if _web_link(url) and url not in seen:
                seen.add(url)
                links.append(url)
    return links


def _json_items(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("publishUrl"), str):
            yield node
        for value in node.values():
            yield from _json_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_items(value)


def parse_json_source(body: bytes) -> list[FeedEntry]:
    """Articles of a news.cn `ds_*.json` data source (objects carrying publishUrl/publishTime, at any depth)."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        log.info("unreadable JSON data source: %s", exc)
        return []
    entries: list[FeedEntry] = []
    for item in _json_items(data):
        raw_time = item.get("publishTime")
        published = normalise_date(raw_time.replace(" ", "T", 1)) if isinstance(raw_time, str) else None
        title = item.get("title")
        entries.append(FeedEntry(url=item["publishUrl"].strip(), title=title.strip() if isinstance(title, str) else None,
                                 published=published))
    return entries
