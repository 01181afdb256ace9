"""Reachability: per-source proxies, and telling bot-challenge or consent pages from the site's own pages."""

from __future__ import annotations

import re

from pipeline.hints import SHORT_PAGE_TEXT, has_challenge_words  # how cleaning tells such pages
from pipeline.sources.model import Source

CHALLENGE_REASON = "challenge page"

# Markup that only interstitials carry: Cloudflare, reCAPTCHA/hCaptcha, DataDome, PerimeterX, Incapsula.
_MARKERS = re.compile(
    rb"cf-browser-verification|/cdn-cgi/challenge-platform|cf_chl_opt|class=\"g-recaptcha|class=\"h-captcha"
    rb"|captcha-delivery\.com|px-captcha|_Incapsula_Resource"
    rb"|<title>\s*(?:just a moment|attention required|verify you are human|access denied|security check)", re.I)
_SCRIPT = re.compile(rb"<(script|style|noscript)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(rb"<[^>]+>")
_SCAN = 200_000


def challenge_reason(headers: dict[str, str], body: bytes) -> str | None:
    """CHALLENGE_REASON when a response is a bot-challenge or consent interstitial, else None."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return CHALLENGE_REASON
    head = body[:_SCAN]
    if _MARKERS.search(head):
        return CHALLENGE_REASON
    text = b" ".join(_TAG.sub(b" ", _SCRIPT.sub(b" ", head)).split()).decode("utf-8", "replace")
    if len(text) < SHORT_PAGE_TEXT and has_challenge_words(text):
        return CHALLENGE_REASON
    return None


def parse_proxies(value: str) -> dict[str, str]:
    """The `proxies` setting, `ID=URL,ID=URL`, as a mapping; a malformed entry raises ValueError."""
    out: dict[str, str] = {}
    for item in value.split(","):
        if not item.strip():
            continue
        sid, sep, url = item.partition("=")
        if not sep or not sid.strip() or not re.match(r"^(https?|socks5h?)://", url.strip()):
            raise ValueError(f"setting 'proxies': expected ID=URL pairs separated by commas, got {item.strip()!r}")
        out[sid.strip()] = url.strip()
    return out


def proxy_for(source: Source, proxies: str) -> str | None:
    """The proxy of a source: the `proxies` setting first (the user's network), then its declaration."""
    return parse_proxies(proxies).get(source.id) or source.proxy or None
