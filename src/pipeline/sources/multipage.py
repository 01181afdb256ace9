"""Multi-page articles (People's Daily `…-<id>-2.html`): find the other pages, stitch them into page 1.

The stitched document is page 1 with the body of every later page appended to its body container, so
cleaning sees one article and the archive keeps one record per fetched page beside it.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from pipeline.encoding import decode_html
from pipeline.hints import CleaningHints
from pipeline.sources.model import Source
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)

# Long People's Daily features run to a handful of pages; more than this is a pagination trap.
MAX_PAGES = 20


def _tree(body: bytes, charset: str | None) -> lxml.html.HtmlElement | None:
    text, _ = decode_html(body, declared=charset)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def later_pages(source: Source, url: str, body: bytes, charset: str | None = None) -> list[str]:
    """URLs of pages 2+ of the article at `url` linked from one of its pages, in page order."""
    if not source.page_pattern:
        return []
    tree = _tree(body, charset)
    if tree is None:
        return []
    first = source.first_page(url) or url
    try:
        key = canonical_url(first)
    except ValueError:
        return []
    found: dict[int, str] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        target = urljoin(url, href).split("#", 1)[0]
        parent = source.first_page(target)
        if parent is None:
            continue
        try:
            same = canonical_url(parent) == key
        except ValueError:
            continue
        number = source.page_number(target)
        if same and 2 <= number <= MAX_PAGES:
            found.setdefault(number, target)
    return [found[n] for n in sorted(found)]


def _container(tree: lxml.html.HtmlElement, hints: CleaningHints) -> lxml.html.HtmlElement | None:
    if hints.body_selector:
        for selector in hints.body_selector.split(","):
            try:
                hits = tree.cssselect(selector.strip())
            except Exception:  # noqa: BLE001 - a user's selector may not parse; the <body> fallback is used
                continue
            if hits:
                return hits[0]
    return None


def stitch(first: bytes, parts: list[bytes], hints: CleaningHints, charset: str | None = None,
           part_charsets: list[str | None] | None = None) -> bytes:
    """Page 1 with the body content of each later page appended to it, as UTF-8 HTML."""
    tree = _tree(first, charset)
    if tree is None:
        return first
    target = _container(tree, hints)
    if target is None:
        target = tree.find("body")
    if target is None:
        return first
    for n, part in enumerate(parts):
        part_tree = _tree(part, (part_charsets or [None] * len(parts))[n])
        if part_tree is None:
            continue
        source = _container(part_tree, hints)
        if source is None:
            # no declared container on that page: its paragraphs are the best guess at its text
            nodes = list(part_tree.iter("p"))
        else:
            nodes = list(source)
            if source.text and source.text.strip():
                para = lxml.html.Element("p")
                para.text = source.text
                nodes.insert(0, para)
        for node in nodes:
            target.append(node)
    # the stitched bytes are UTF-8 whatever page 1 declared
    for meta in tree.iter("meta"):
        if meta.get("charset") is not None or (meta.get("http-equiv") or "").lower() == "content-type":
            holder = meta.getparent()
            if holder is not None:
                holder.remove(meta)
    head = tree.find("head")
    if head is not None:
        head.insert(0, lxml.html.Element("meta", charset="utf-8"))
    return bytes(lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>"))
