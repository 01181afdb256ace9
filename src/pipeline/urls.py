"""Canonical URLs and article ids: every warehouse row is keyed by them.

Changing `canonical_url` re-keys every article, so a change here needs a
migration that rewrites `articles.id`.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# The same outlet under several host names (SOURCES.md: the French and
# English Xinhua sites answer under both the old and the new domain).
HOST_ALIASES: dict[str, str] = {
    "french.xinhuanet.com": "french.news.cn",
    "english.xinhuanet.com": "english.news.cn",
    "xinhuanet.com": "news.cn",
    "sputniknews.africa": "fr.sputniknews.africa",
    "peopledaily.com.cn": "en.people.cn",
}

# Mobile and AMP host prefixes that serve the same article as the desktop host.
MOBILE_PREFIXES = ("m.", "amp.", "mobile.", "wap.")

# Query parameters that only track where a reader came from.
TRACKING_PARAMS = frozenset(
    {"from", "share", "shareid", "spm", "fbclid", "gclid", "dclid", "msclkid", "isappinstalled",
     "ref", "ref_src", "source", "src", "igshid", "mc_cid", "mc_eid", "_ga", "amp", "outputtype",
     "share_token", "sharer", "wt.mc_id", "cmpid", "at_medium", "at_campaign", "ito"}
)
TRACKING_PREFIXES = ("utm_", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")

DEFAULT_PORTS = {"http": 80, "https": 443}


def _host(netloc: str, scheme: str) -> str:
    host, _, port = netloc.rpartition("@")[2].partition(":")
    host = host.strip(".").lower()
    for prefix in ("www.", *MOBILE_PREFIXES):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    # "www.xinhuanet.com" stripped to "xinhuanet.com" then aliased; aliases may chain once.
    host = HOST_ALIASES.get(host, host)
    if port and port.isdigit() and int(port) != DEFAULT_PORTS.get(scheme, -1):
        return f"{host}:{int(port)}"
    return host


def _path(path: str) -> str:
    # dot segments resolved first (RFC 3986, as urljoin does): w3lib resolves them later, and "/0/." would
    # then end in a slash kept on the first pass and stripped on the next
    segments = urljoin("/", path).split("/")
    # AMP variants: /amp/<path> and <path>/amp
    if len(segments) > 2 and segments[1].lower() == "amp":
        del segments[1]
    if len(segments) > 2 and segments[-1].lower() == "amp":
        segments.pop()
    cleaned = "/".join(segments) or "/"
    if len(cleaned) > 1:
        cleaned = cleaned.rstrip("/") or "/"
    return cleaned


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The one spelling of an article URL: https, no www/mobile/AMP, no tracking, no fragment."""
    raw = url.strip()
    if "://" not in raw:
        if _SCHEME.match(raw):
            raise ValueError(f"not a web URL: {url!r}")
        raw = "https://" + raw.lstrip("/")
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"not a web URL: {url!r}")
    host = _host(parts.netloc, scheme)
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    rebuilt = urlunsplit(("https", host, _path(parts.path), query, ""))
    # w3lib settles percent-encoding and sorts the query; our own rules above settle the rest.
    return canonicalize_url(rebuilt, keep_fragments=False)


def article_id(url: str) -> str:
    """Stable article id: the first 16 hex digits of SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:16]


def url_host(url: str) -> str:
    """The lower-cased host of a URL, without port."""
    return (urlsplit(url).hostname or "").lower()
