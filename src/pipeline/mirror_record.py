"""`veille mirror record`: save live responses in the HOST/PATH mirror layout, to refresh fixtures from the sites.

This is an explicit command a person runs on URLs they chose, so it fetches whatever they name (the
crawler's private-address guard does not apply); it never follows links to other hosts.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline import encoding, feeds
from pipeline.mirrorgen import url_to_path

log = logging.getLogger(__name__)

# The same cap as the crawler's default max_page_bytes: a mirror file is a page, not a download.
MAX_BYTES = 10_000_000


@dataclass
class Recorded:
    """One URL asked for: where it was saved, or why not."""

    url: str
    status: int | None = None
    path: Path | None = None
    bytes: int = 0
    error: str | None = None


def target_path(out: Path, url: str) -> Path:
    """Where a URL goes under `out` (HOST/PATH, index.html for '/'); ValueError when it would leave `out`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    path = url_to_path(out, url).resolve()
    root = out.resolve()
    if root not in path.parents:
        raise ValueError(f"URL path leaves the mirror directory: {url!r}")
    return path


def _fetch(url: str, user_agent: str, timeout: float) -> tuple[int, str | None, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked
            body = response.read(MAX_BYTES + 1)
            return response.status, response.headers.get("Content-Type"), body
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type") if exc.headers else None, exc.read(MAX_BYTES + 1)


def links_of(url: str, content_type: str | None, body: bytes) -> list[str]:
    """The same-host links a saved page leads to: feed items, sitemap entries, or the links of an HTML page."""
    host = urlsplit(url).netloc.lower()
    head = body[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<rss" in head or b"<urlset" in head or b"<sitemapindex" in head \
            or (content_type or "").split(";")[0].strip().endswith("xml"):
        found = [e.url for e in feeds.parse_feed(body)] + [e.url for e in feeds.parse_sitemap(body)]
    else:
        text, _ = encoding.decode_html(body)
        found = feeds.parse_listing(text, url, None)
    out: list[str] = []
    for link in found:
        link = link.split("#", 1)[0]
        if urlsplit(link).netloc.lower() == host and link not in out:
            out.append(link)
    return out


def record(urls: list[str], out: Path, user_agent: str, depth: int = 0, timeout: float = 30.0,
           max_links: int = 200) -> list[Recorded]:
    """Fetch each URL (and with depth 1 the same-host links of each) and save the bodies under `out`."""
    done: list[Recorded] = []
    seen: set[str] = set()
    queue = [(u, 0) for u in urls]
    while queue:
        url, level = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        item = Recorded(url)
        done.append(item)
        try:
            path = target_path(out, url)
            status, content_type, body = _fetch(url, user_agent, timeout)
        except (ValueError, OSError) as exc:
            # one unreachable URL is reported and the others are still recorded
            item.error = str(getattr(exc, "reason", None) or exc)
            continue
        item.status = status
        if len(body) > MAX_BYTES:
            item.error = f"larger than {MAX_BYTES} bytes"
            continue
        if status != 200:
            item.error = f"http {status}"
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        item.path, item.bytes = path, len(body)
        if level < depth:
            queue.extend((link, level + 1) for link in links_of(url, content_type, body)[:max_links])
    return done
