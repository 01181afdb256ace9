"""What a source declaration tells cleaning, and how cleaning tells a challenge page: no extraction library here.

Kept apart from pipeline.cleaning so that a crawl process, which reads source declarations and spots
challenge pages but never extracts, does not load Trafilatura (about 5 MB in each of a run's crawls).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CleaningHints:
    """Per-source help for extraction, declared beside each source (CSS selectors)."""

    title_selector: str | None = None
    body_selector: str | None = None
    date_selector: str | None = None      # element whose text or datetime/data-unixtime holds the date
    drop_selectors: tuple[str, ...] = ()  # boilerplate removed before extraction
    title_suffixes: tuple[str, ...] = ()  # site suffixes stripped from titles ("-新华网")
    preset: str | None = None             # "precision", "recall" or None (balanced)
    author_selector: str | None = None    # element naming the author(s)
    timezone: str | None = None           # offset such as "+08:00" for timestamps written without one


# Error, challenge and consent pages carry little text of their own; longer pages are judged as articles.
SHORT_PAGE_TEXT = 1500
# Searched in lower-cased text rather than with re.IGNORECASE: Python's engine then tried every
# alternative at every position: 168 µs on 1,500 characters against 23 µs (a tenth of a short page's cleaning).
_CHALLENGE_WORDS = re.compile(
    r"(enable javascript|enable cookies|verify you are (a )?human|are you a robot|checking your browser|"
    r"just a moment|captcha|cf-browser-verification|consent to (the use of )?cookies|accept (all )?cookies|"
    r"we value your privacy|acceptez les cookies|nous respectons votre vie privée|请输入验证码|安全验证)")


def has_challenge_words(text: str) -> bool:
    """Whether a text speaks like a bot challenge or a consent wall ("enable JavaScript", "captcha", ...)."""
    return _CHALLENGE_WORDS.search(text.lower()) is not None
