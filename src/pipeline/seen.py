"""The seen-URL list a crawl is given: the canonical URLs already stored, never fetched again.

The warehouse holds each article's canonical URL as the code of its day made it; a crawl canonicalises
every stored line again with today's rules, so that a change of rules does not make old articles look
new. That costs ~20 us a URL: ~4 s per crawl, every day, for a source with 200,000 stored articles.
Most lines are the same every day and already canonical, so a crawl may keep, in a file of its own
(`cache`), the lines it found canonical; the next crawl canonicalises only the lines not in it. The file
names the URL code it was made with (a fingerprint); made by other code, it is ignored.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import w3lib

from pipeline import urls

log = logging.getLogger(__name__)

_HEADER = "# veille canonical URLs "


def _fingerprint() -> str:
    """What decides a canonical URL: our rules' source, w3lib's version and Python's (urllib.parse)."""
    digest = hashlib.sha256(Path(urls.__file__).read_bytes())
    digest.update(f"{w3lib.__version__} {sys.version_info[:2]}".encode())
    return digest.hexdigest()[:32]


def _known_canonical(cache: Path, fingerprint: str) -> set[str]:
    """The lines a crawl with the same URL code found canonical; nothing when the file is missing,
    unreadable or of other code."""
    try:
        lines = cache.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("seen URLs: cache %s unreadable (%s); every line is canonicalised", cache, exc)
        return set()
    if not lines or lines[0] != _HEADER + fingerprint:
        return set()
    return set(lines[1:])


def _keep(cache: Path, fingerprint: str, canonical: set[str]) -> None:
    """Replace the cache whole (a crash leaves the old one or the new one, never half of one)."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(_HEADER + fingerprint + "\n")
            out.writelines(u + "\n" for u in sorted(canonical))
        os.replace(tmp, cache)
    except OSError as exc:  # a full disk costs the next crawl time, nothing else
        log.warning("seen URLs: cannot write cache %s (%s)", cache, exc)


def write_seen(path: Path, urls: Iterable[str]) -> None:
    """The seen-URL file a crawl reads (`--seen`): one canonical URL per line, sorted."""
    path.write_text("".join(u + "\n" for u in sorted(urls)), encoding="utf-8")


def read_seen(path: str | Path | None, cache: str | Path | None = None) -> set[str]:
    """The canonical URLs (today's rules) of a seen-URL file, one URL per line; a line that is no web URL
    is skipped. With `cache`, lines found canonical by an earlier read are taken as they are, and the
    cache is rewritten with this file's canonical lines."""
    if not path:
        return set()
    lines = {line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()}
    lines.discard("")
    fingerprint = _fingerprint() if cache else ""
    known = _known_canonical(Path(cache), fingerprint) if cache else set()
    seen = lines & known
    canonical = set(seen)
    for line in lines - known:
        try:
            url = urls.canonical_url(line)
        except ValueError:
            continue
        seen.add(url)
        if url == line:
            canonical.add(line)
    if cache and canonical != known:
        _keep(Path(cache), fingerprint, canonical)
    return seen
