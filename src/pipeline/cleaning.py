"""Main text and metadata from article HTML (the only module that calls Trafilatura)."""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import trafilatura
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector, SelectorError
from trafilatura.settings import Extractor

from pipeline import titles, trimming
from pipeline.encoding import decode_html, maybe_gunzip
from pipeline.hints import SHORT_PAGE_TEXT as SHORT_PAGE_TEXT
from pipeline.hints import CleaningHints as CleaningHints
from pipeline.hints import has_challenge_words
from pipeline.titles import strip_title as strip_title  # re-exported: part of cleaning's interface

log = logging.getLogger(__name__)


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
    encoding: str | None = None           # how the bytes were decoded (None when given text)


# Below this much text, Trafilatura has most likely missed the article body (or there is none).
MIN_TEXT = 200
BEIJING = timezone(timedelta(hours=8))
_CHINESE_HOSTS = (".cn", "xinhuanet.com", "people.com.cn", "chinadaily.com.cn", "cgtn.com", "ecns.cn")


# ---------------------------------------------------------------- selectors


@lru_cache(maxsize=256)
def _selector(css: str) -> CSSSelector | None:
    try:
        return CSSSelector(css)
    except (SelectorError, SyntaxError, ValueError):
        log.warning("bad CSS selector in cleaning hints: %r", css)
        return None


def _select(tree: Any, css: str | None) -> list[Any]:
    if not css:
        return []
    sel = _selector(css)
    return list(sel(tree)) if sel is not None else []


def _text_of(element: Any) -> str:
    return " ".join(element.text_content().split())


# ---------------------------------------------------------------- titles


def _title(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], hints: CleaningHints,
           url: str) -> str | None:
    """The headline: the source's title element when declared, else the page's best statement of it."""
    sources = titles.read_sources(tree, meta, ld, url)
    for element in _select(tree, hints.title_selector)[:1]:
        text = _text_of(element)
        if text:
            return titles.hinted_title(text, sources, hints.title_suffixes)
    return titles.choose_title(sources, hints.title_suffixes)


# ---------------------------------------------------------------- metadata read once from the tree


def _meta(tree: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for element in tree.iter("meta"):
        value = element.get("content")
        if not value:
            continue
        # one tag may carry several keys (<meta name="title" property="og:title">, or RDFa's
        # space-separated list <meta property="og:title twitter:title">): each counts
        for attribute in ("name", "property", "itemprop"):
            for key in (element.get(attribute) or "").lower().split():
                if key not in out:
                    out[key] = value.strip()
    return out


# XHTML-minded templates wrap scripts in CDATA markers, sometimes behind JavaScript comments
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            # strict=False: raw newlines inside strings are common in hand-built JSON-LD
            data = json.loads(_CDATA.sub("", script.text), strict=False)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                items.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    items.extend(g for g in graph if isinstance(g, dict))
    return items


def _names(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from re.split(r"\s*(?:,|、|;|\band\b|\bet\b)\s*", value)
    elif isinstance(value, dict):
        yield from _names(value.get("name"))
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)


_EDITOR = re.compile(r"[（(]\s*责(?:任)?编(?:辑)?[:：]\s*([^）)]{1,40})[）)]")


def _authors(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], hints: CleaningHints,
             page: str) -> list[str]:
    found: list[str] = []
    for element in _select(tree, hints.author_selector)[:3]:
        found += _names(_text_of(element))
    for item in ld:
        found += _names(item.get("author"))
    for key in ("author", "article:author", "dc.creator", "byl", "sailthru.author"):
        if key in meta:
            found += _names(meta[key])
    out = _clean_names(found)
    if not out:
        # People's Daily and Xinhua name the responsible editors at the end: "(责编：牛镛、岳弘彬)"
        match = _EDITOR.search(page)
        if match:
            out = _clean_names(list(_names(match.group(1))))
    return out


def _clean_names(found: list[str]) -> list[str]:
    out: list[str] = []
    for name in found:
        name = re.sub(r"^(?:by|par|von|автор)\s+", "", name.strip(), flags=re.I).strip(" .")
        # People's Daily puts numeric staff ids in <meta name="author">
        if name and len(name) <= 60 and "http" not in name and not name.isdigit() and name not in out:
            out.append(name)
    return out[:10]


# ---------------------------------------------------------------- dates

_URL_DATES = (
    re.compile(r"/n\d/(20\d\d)/(\d\d)(\d\d)/"),                 # people.com.cn /n1/YYYY/MMDD/
    re.compile(r"/(20\d\d)-(\d\d)/(\d\d)/"),                    # xinhuanet legacy /YYYY-MM/DD/
    re.compile(r"/(20\d\d)(\d\d)(\d\d)/"),                      # news.cn, sputnik /YYYYMMDD/
    re.compile(r"/(20\d\d)(\d\d)(\d\d)\d{6,}-"),                # old sputniknews /YYYYMMDD<id>-slug
    re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/"),                    # /YYYY/MM/DD/
)
_STAMP = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2})[:：](\d{2})"
                    r"(?:[:：](\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?")
# an epoch stamp cannot be misread, so it goes first (Sputnik's 2019 pages label Moscow time as "Z" elsewhere)
_META_DATE_KEYS = ("analytics:p_ts", "publishdate", "article:published_time", "og:published_time",
                   "og:article:published_time", "datepublished",
                   "pubdate", "publish-date", "publish_date", "dc.date.issued", "sailthru.date")


_DATE_BOX_TAGS = ("span", "div", "p", "time", "em")


def _date_boxes(tree: Any, limit: int) -> list[Any]:
    """The first `limit` elements, in page order, whose class or id names a date or time box.

    A walk of the tree in Python, not an XPath: libxml2 tests every element against `//*[...]` with
    `contains()` at 1.4 ms per real page (415 pages of the extraction data: 0.58 s), the walk 0.6 ms.
    """
    found: list[Any] = []
    for element in tree.iter(_DATE_BOX_TAGS):
        css, ident = element.get("class") or "", element.get("id") or ""
        if "time" in css or "date" in css or "col-1-1" in css or "time" in ident or "date" in ident:
            found.append(element)
            if len(found) == limit:
                break
    return found


@dataclass
class _Stamp:
    value: datetime | None   # a full timestamp (aware, or naive when the site wrote no offset)
    day: str                 # YYYY-MM-DD as the site states it
    source: str


def _url_day(url: str) -> str | None:
    path = urlsplit(url).path if url else ""
    for pattern in _URL_DATES:
        match = pattern.search(path)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime(year, month, day).date().isoformat()
            except ValueError:
                continue
    return None


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
# The two written forms of the outlets' date lines: "05:22, January 05, 2026" and "05.01.2026 18h06"
_CLOCK_MONTH_DAY_YEAR = re.compile(r"(\d{1,2})\s*[:h]\s*(\d{2}),?\s+(" + "|".join(_MONTHS)
                                   + r")\s+(\d{1,2}),?\s+((?:19|20)\d\d)", re.I)
_DAY_MONTH_YEAR_CLOCK = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\s+(\d{1,2})\s*[:h]\s*(\d{2})")


def _written_fast(text: str) -> datetime | None:
    """The outlets' two written forms, read without dateutil's fuzzy parse (0.19 ms a date line); None
    when the line has another form or any digit outside the date (dateutil then decides, as before)."""
    match = _CLOCK_MONTH_DAY_YEAR.search(text)
    if match:
        hour, minute, month, day, year = match.groups()
        month_number = _MONTHS.index(month.lower()) + 1
    else:
        match = _DAY_MONTH_YEAR_CLOCK.search(text)
        if not match:
            return None
        day, month, year, hour, minute = match.groups()
        month_number = int(month)
    if any(ch.isdigit() for ch in text[:match.start()] + text[match.end():]):
        return None
    try:
        return datetime(int(year), month_number, int(day), int(hour), int(minute))
    except ValueError:
        return None


def _parse_written(text: str, tz: tzinfo | None) -> datetime | None:
    """Dates written out in words or in European order ("05.01.2026 14h02", "14:05, January 05, 2026")."""
    if not re.search(r"\d{1,2}\s*[:h]\s*\d{2}", text) or not re.search(r"(19|20)\d\d", text):
        return None  # only full timestamps: a bare written day is left to the other sources
    fast = _written_fast(text)
    if fast is not None:
        return fast.replace(tzinfo=tz) if tz is not None else fast
    try:
        parsed = dateparser.parse(text.replace("h", ":") if re.search(r"\d{1,2}h\d{2}", text) else text,
                                  fuzzy=True, dayfirst=bool(re.search(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b", text)))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None and tz is not None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed if isinstance(parsed, datetime) else None


def _parse_stamp(text: str, source: str, tz: tzinfo | None) -> _Stamp | None:
    """A date or timestamp written in the usual news forms (ISO 8601, 2024年04月24日23:52, epoch)."""
    text = text.strip()
    if re.fullmatch(r"\d{10}(?:\d{3})?", text):
        seconds = int(text[:10])
        stamp = datetime.fromtimestamp(seconds, tz or UTC)
        return _Stamp(stamp, stamp.date().isoformat(), source)
    match = _STAMP.search(text)
    if not match:
        written = _parse_written(text, tz) if source == "html" else None
        return _Stamp(written, written.date().isoformat(), source) if written else None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    try:
        if match.group(4) is None:
            return _Stamp(None, datetime(year, month, day).date().isoformat(), source)
        offset = match.group(7)
        stamp = datetime(year, month, day, int(match.group(4)), int(match.group(5)), int(match.group(6) or 0))
    except ValueError:
        return None
    if offset:
        stamp = stamp.replace(tzinfo=UTC if offset == "Z" else _offset(offset))
    elif tz is not None:
        stamp = stamp.replace(tzinfo=tz)
    return _Stamp(stamp, stamp.date().isoformat(), source)


def _offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def _site_tz(url: str, hints: CleaningHints, html_lang: str | None, title: str | None) -> tzinfo | None:
    if hints.timezone:
        try:
            # an IANA name ("Europe/Moscow") keeps daylight saving right; "+08:00" is a fixed offset
            return ZoneInfo(hints.timezone) if "/" in hints.timezone else _offset(hints.timezone)
        except (ValueError, KeyError, ZoneInfoNotFoundError):
            pass
    host = urlsplit(url).hostname or "" if url else ""
    if host.endswith(_CHINESE_HOSTS) or (html_lang or "").lower().startswith("zh") or _chinese(title or ""):
        # mainland, Hong Kong, Taiwan and Singapore all write local time at +08:00
        return BEIJING
    return None


# JSON-LD items that describe the article itself (a page's graph also holds its site, videos, breadcrumbs)
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|WebPage", re.I)


def _structured_dates(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]],
                      tz: tzinfo | None) -> list[_Stamp]:
    """Publication dates the page states for machines: meta tags, JSON-LD, microdata (page order of trust)."""
    found: list[_Stamp] = []
    for key in _META_DATE_KEYS:
        if key in meta:
            stamp = _parse_stamp(meta[key], "meta", tz)
            if stamp:
                found.append(stamp)
    typed = [item for item in ld if _ARTICLE_TYPES.search(str(item.get("@type") or ""))]
    for item in typed or ld:
        value = item.get("datePublished")
        if isinstance(value, str):
            stamp = _parse_stamp(value, "json-ld", tz)
            if stamp:
                found.append(stamp)
    # microdata on a visible element (<div itemprop="datePublished" content="...">); <meta> is in `meta`
    for element in tree.xpath("//*[@itemprop='datePublished'][not(self::meta)][@content or @datetime][1]"):
        stamp = _parse_stamp(element.get("datetime") or element.get("content") or "", "html", tz)
        if stamp:
            found.append(stamp)
    return found


def _earliest(stamps: list[_Stamp]) -> _Stamp:
    """The earliest stated day, as a full timestamp when one is stated for it."""
    day = min(s.day for s in stamps)
    same = [s for s in stamps if s.day == day]
    return next((s for s in same if s.value is not None), same[0])


def _stated_dates(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], hints: CleaningHints,
                  tz: tzinfo | None, flags: list[str]) -> Iterator[_Stamp]:
    """What the page itself states, in order of trust: data-unixtime, meta and JSON-LD, the visible date."""
    for element in tree.xpath("//*[@data-unixtime][1]"):
        stamp = _parse_stamp(element.get("data-unixtime", ""), "meta", tz)
        if stamp:
            yield stamp
    structured = _structured_dates(tree, meta, ld, tz)
    if len({s.day for s in structured}) > 1:
        # the tags disagree: sites refresh article:published_time, sailthru.date and the like when
        # they edit or republish, and keep the first day in another tag, so the earliest is the original
        flags.append("date-disagreement")
        yield _earliest(structured)
    yield from structured
    for element in _select(tree, hints.date_selector)[:2]:
        raw = element.get("data-unixtime") or element.get("datetime") or _text_of(element)
        stamp = _parse_stamp(raw, "html", tz)
        if stamp:
            yield stamp
    for element in tree.xpath("//time[@datetime][1]"):
        stamp = _parse_stamp(element.get("datetime", ""), "html", tz)
        if stamp:
            yield stamp
    # without a hint, the usual date boxes (span.h-time, div.col-1-1 .time) are still worth a look
    for element in _date_boxes(tree, 4):
        text = _text_of(element)
        if len(text) <= 80:
            stamp = _parse_stamp(text, "html", tz)
            if stamp and stamp.value is not None:
                yield stamp


def _chinese(title: str) -> bool:
    han = sum(1 for ch in title if "\u4e00" <= ch <= "\u9fff")
    kana = sum(1 for ch in title if "\u3040" <= ch <= "\u30ff")
    return han >= 4 and kana == 0 and han >= 0.5 * len(title.replace(" ", ""))


def _feed_stamp(feed_date: str, tz: tzinfo | None) -> _Stamp | None:
    stamp = _parse_stamp(feed_date, "feed", tz)
    if stamp is not None:
        return stamp
    try:
        # RSS writes RFC 822 dates ("Wed, 24 Apr 2024 15:52:00 +0800")
        parsed = parsedate_to_datetime(feed_date)
    except (TypeError, ValueError, IndexError):
        return None
    return _Stamp(parsed, parsed.date().isoformat(), "feed")


def _format(stamp: _Stamp) -> str:
    return stamp.value.isoformat() if stamp.value is not None else stamp.day


def _published(tree: Any, url: str, meta: dict[str, str], ld: list[dict[str, Any]], hints: CleaningHints,
               feed_date: str | None, tz: tzinfo | None, flags: list[str]) -> tuple[str | None, str]:
    url_day = _url_day(url)
    # read lazily: most pages settle on the first stated timestamp, and the later probes scan the tree
    stated = _stated_dates(tree, meta, ld, hints, tz, flags)
    if url_day:
        disagree = False
        for stamp in stated:
            if stamp.day == url_day and stamp.value is not None:
                return _format(stamp), stamp.source
            disagree = disagree or stamp.day != url_day
        if disagree and "date-disagreement" not in flags:
            flags.append("date-disagreement")
        return url_day, "url"
    first = next(stated, None)
    if first is not None:
        if first.value is None:
            # a bare day: a full timestamp stated later for the same day is better
            for stamp in stated:
                if stamp.value is not None and stamp.day == first.day:
                    return _format(stamp), stamp.source
        return _format(first), first.source
    if feed_date:
        from_feed = _feed_stamp(feed_date, tz)
        if from_feed is not None:
            return _format(from_feed), "feed"
    guess = _guess_date(tree, url)
    return (guess, "htmldate") if guess else (None, "none")


def _guess_date(tree: Any, url: str) -> str | None:
    try:
        import htmldate
        # the same search plain Trafilatura runs (extensive): a guess no better than its own would
        # put veille below the baseline on pages that state nothing. htmldate prunes a copy of a tree it
        # is handed (it copies it itself): the tree, still needed here, is left as it was
        found = htmldate.find_date(tree, url=url or None, original_date=True, extensive_search=True)
    except Exception:  # noqa: BLE001 - a date guess is optional; a failure leaves the date empty
        found = None
    return str(found) if found else None


# ---------------------------------------------------------------- main text

_BLOCKS = ("p", "div", "section", "article", "td", "li", "blockquote", "h2", "h3", "h4", "pre")


@lru_cache(maxsize=4)
def _extractor(precision: bool, recall: bool, fast: bool) -> Extractor:
    """Trafilatura's options for one preset, read from its settings once per process.

    `trafilatura.extract` builds them from its config file on every call (50 us, against 4 us for a copy);
    the options are only read during an extraction, so one copy per page with the page's URL set is the
    same as a fresh one. `fast`: see `_trafilatura`.
    """
    return Extractor(output_format="txt", precision=precision, recall=recall, comments=False, tables=True,
                     with_metadata=False, fast=fast)


def _options(url: str, hints: CleaningHints, recall: bool, fast: bool) -> Extractor:
    options = copy.copy(_extractor(hints.preset == "precision", recall or hints.preset == "recall", fast))
    options.url = options.source = url or None
    return options


def _trafilatura(tree: Any, url: str, hints: CleaningHints, recall: bool, fast: bool = False) -> str:
    """Trafilatura's text for a parsed tree (it works on its own copy of the tree).

    `fast` skips Trafilatura's second opinions (readability-lxml and jusText run on the same tree and
    compared): for a body the source's selector already picked, they only confirm it, at a quarter
    of the page's cleaning time; a text that comes out short is replaced by the selected paragraphs.
    """
    prune = [x for css in hints.drop_selectors if (sel := _selector(css)) is not None for x in [sel.path]]
    try:
        text = trafilatura.extract(tree, url=url or None, prune_xpath=prune or None,
                                   options=_options(url, hints, recall, fast))
    except Exception as exc:  # noqa: BLE001 - Trafilatura failing on one odd page must not stop the batch
        log.warning("trafilatura failed on %s: %s", url or "<page>", exc)
        return ""
    return (text or "").strip()


def _paragraph_text(elements: list[Any]) -> str:
    """Text of the selected elements, one line per block, skipping empty and repeated lines."""
    lines: list[str] = []
    for root in elements:
        blocks = [b for b in root.iter(*_BLOCKS) if not any(c.tag in _BLOCKS for c in b.iterchildren())]
        for block in blocks or [root]:
            line = _text_of(block)
            if line and (not lines or lines[-1] != line):
                lines.append(line)
    return "\n".join(lines)


def _hinted_body(tree: Any, hints: CleaningHints) -> list[Any]:
    """Copies of the hint's body elements with the hint's boilerplate removed."""
    found = [copy.deepcopy(e) for e in _select(tree, hints.body_selector)]
    for element in found:
        for css in hints.drop_selectors:
            for junk in _select(element, css):
                junk.drop_tree()
        for junk in element.iter("script", "style", "noscript"):
            junk.text = ""
    return found


def _wrap(elements: list[Any], title: str | None) -> Any:
    page = lxml_html.fromstring("<html><head><title></title></head><body><article></article></body></html>")
    page.find(".//title").text = title or ""
    holder = page.find(".//article")
    for element in elements:
        holder.append(element)
    return page


def _density_fallback(tree: Any) -> str:
    """The block whose own paragraphs hold the most non-link text: the article body on most news pages."""
    best, best_score = None, 0
    for parent in tree.iter("div", "article", "section", "td", "main"):
        score = 0
        for child in parent.iterchildren("p", "br", "span"):
            text = child.text_content()
            links = sum(len(a.text_content()) for a in child.iter("a"))
            score += max(0, len(text.strip()) - 2 * links)
        score += len((parent.text or "").strip())
        if score > best_score:
            best, best_score = parent, score
    if best is None:
        return ""
    lines = [_text_of(c) for c in best.iterchildren("p", "span")] or [_text_of(best)]
    return "\n".join(line for line in lines if line)


# A JavaScript string literal long enough to hold an article body (JSON escapes allowed, one line).
_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.){200,})"')


def _ld_body(ld: list[dict[str, Any]]) -> str:
    """The longest `articleBody` the page's JSON-LD states, one line per paragraph."""
    bodies = [item["articleBody"] for item in ld if isinstance(item.get("articleBody"), str)]
    best = max(bodies, key=len, default="")
    lines = (" ".join(line.split()) for line in best.splitlines())
    return "\n".join(line for line in lines if line)


def _fragment_paragraphs(markup: str) -> str:
    try:
        fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    lines = (_text_of(p) for p in fragment.iter("p"))
    return "\n".join(line for line in lines if line)


def _script_body(tree: Any) -> str:
    """The paragraphs of the longest HTML string in the page's inline scripts.

    Pages rendered in the browser (Next.js, Nuxt) ship their article as HTML
    inside a script's data and leave the document body empty: Trafilatura
    and the density fallback then find nothing to read.
    """
    best = ""
    for script in tree.iter("script"):
        code = script.text or ""
        if script.get("src") or ("\\u003cp" not in code and "<p" not in code):
            continue
        for match in _JS_STRING.finditer(code):
            try:
                value = json.loads(f'"{match.group(1)}"')
            except ValueError:
                continue
            # a string's text is never longer than its markup: shorter markup cannot beat the best so far
            if "<p" in value and len(value) > len(best):
                text = _fragment_paragraphs(value)
                if len(text) > len(best):
                    best = text
    return best


def _embedded_body(tree: Any, ld: list[dict[str, Any]]) -> tuple[str, str]:
    """The body the page states outside its visible markup, and where: JSON-LD first, then script data."""
    stated = _ld_body(ld)
    if len(stated) >= MIN_TEXT:
        return stated, "json-ld"
    scripted = _script_body(tree)
    return (scripted, "script-data") if len(scripted) > len(stated) else (stated, "json-ld")


# ---------------------------------------------------------------- is this an article?

# searched in lower-cased text, as hints.has_challenge_words is, and for the same reason
_ERROR_WORDS = re.compile(
    r"\b(not found|page not found|introuvable|n'existe plus|error|erreur|forbidden|access denied|"
    r"service unavailable|service indisponible|bad gateway|gateway time-?out|"
    r"страница не найдена|ошибка)\b|页面不存在|找不到|出错|错误页面|页面未找到|您访问的页面")
# a status code alone is weak evidence: "il a marqué 403 buts" is a headline, "404" on a bare page is not.
# Followed by a lower-case word it counts something ("503 migrants secourus", "500 morts"): not a code.
_ERROR_CODES = re.compile(r"\b(404|403|410|500|502|503)\b(?!\s*[a-zà-ÿа-яё])")


def _link_share(tree: Any) -> tuple[float, list[str]]:
    """Share of the page's visible text that sits in links, and the links' texts (whitespace collapsed)."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    for junk in root.iter("script", "style", "noscript"):
        junk.text = ""
    total = len("".join(root.text_content().split()))
    anchors = [text for text in (" ".join(a.text_content().split()) for a in root.iter("a")) if text]
    link_chars = sum(len(text) - text.count(" ") for text in anchors)
    return (link_chars / total if total else 0.0), anchors


def _linked_share(anchors: list[str], text: str) -> float:
    """Share of the extracted text that is link text: per line, the longest link text it holds."""
    longest_first = sorted({a for a in anchors if len(a) >= 2}, key=len, reverse=True)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    total = sum(len(line) for line in lines)
    linked = sum(next((len(a) for a in longest_first if a in line), 0) for line in lines if line)
    return linked / total if total else 0.0


def _states_article(meta: dict[str, str], ld: list[dict[str, Any]]) -> bool:
    """The page's own metadata says it is a news article (a consent wall or a bot challenge served in its
    place carries the wall's or the challenge's own head instead)."""
    return meta.get("og:type", "").lower() == "article" or any(
        titles.NEWS_TYPES.search(str(item.get("@type") or "")) for item in ld)


def _non_article_reason(tree: Any, title: str | None, text: str, stated_article: bool = False) -> str | None:
    """Why a page is not an article ("error-page", "challenge-page", "listing", ...), None when it is one.

    `stated_article`: the page's own metadata says it is an article (og:type, JSON-LD type).
    """
    head = f"{title or ''} {_first_heading(tree)}"
    longest = max((len(line) for line in text.splitlines()), default=0)
    # error words in the heading, over a short text with no paragraph of prose: news headlines use
    # them too ("L'erreur du gouvernement", "Le suspect reste introuvable") above a short brief
    if len(text) < SHORT_PAGE_TEXT and longest < 200 and _ERROR_WORDS.search(head.lower()):
        return "error-page"
    # a code in a short heading ("404", "Erreur 500") names an error page even above a list of suggested
    # links, but not above a paragraph of prose: "500 morts" is a headline
    if _ERROR_CODES.search(head) and (len(text) < 300 or (len(head.split()) <= 4 and longest < 200)):
        return "error-page"
    # challenge or consent words in the heading, or in a short text on a page that does not say it is an
    # article: a brief on cookie banners or CAPTCHAs quotes them too
    if len(text) < SHORT_PAGE_TEXT and (has_challenge_words(head) or (
            not stated_article and has_challenge_words(text[:SHORT_PAGE_TEXT]))):
        return "challenge-page"
    # listings: a page mostly of link text whose extracted text is link text too (or next to nothing),
    # with no long run of prose. The extracted text decides: on a news site most of an article page's
    # text is navigation links too, and an article of short paragraphs (Japanese, or one sentence per
    # paragraph) has no line of 300 characters; 14 of the 258 real articles of the fundus test data
    # were taken for listings when the page's link share alone decided, none of their text being links.
    if longest < 300:
        share, anchors = _link_share(tree)
        if share > 0.5 and len(anchors) >= 3 and (len(text) < MIN_TEXT or _linked_share(anchors, text) >= 0.5):
            return "listing"
    if not text.strip():
        return "empty"
    # the shortest wire briefs run to a few sentences; less than this is a caption or a teaser
    if len(text) < 100:
        return "too-short"
    return None


def _first_heading(tree: Any) -> str:
    h1 = tree.find(".//h1")
    return _text_of(h1) if h1 is not None else ""


# ---------------------------------------------------------------- the entry point


def _parse(page: str) -> Any:
    try:
        tree = trafilatura.utils.load_html(page)
        if tree is None:
            # Trafilatura refuses fragments without <html>; lxml still reads them
            tree = lxml_html.fromstring(page)
    except Exception:  # noqa: BLE001 - malformed markup is common; treated as an empty page
        tree = None
    return tree


def extract(html: bytes | str, url: str = "", hints: CleaningHints | None = None,
            feed_date: str | None = None) -> Extracted:
    """Extract main text and metadata from one page; never raises on bad HTML."""
    hints = hints or CleaningHints()
    try:
        return _extract(html, url, hints, feed_date)
    except Exception as exc:  # noqa: BLE001 - one bad page must not break a batch; it is flagged instead
        log.warning("extraction failed on %s: %s", url or "<page>", exc)
        return Extracted(url=url, title=None, text="", published=None, date_source="none", is_article=False,
                         method="none", flags=[f"error: {type(exc).__name__}"])


def _extract(html: bytes | str, url: str, hints: CleaningHints, feed_date: str | None) -> Extracted:
    used_encoding: str | None = None
    if isinstance(html, bytes):
        html, used_encoding = decode_html(maybe_gunzip(html))
    page = html.lstrip("\ufeff")
    tree = _parse(page) if page.strip() else None
    if tree is None:
        return Extracted(url=url, title=None, text="", published=None, date_source="none", is_article=False,
                         method="none", flags=["empty"], encoding=used_encoding)
    flags: list[str] = []
    html_lang = (tree.get("lang") or tree.get("xml:lang") or "").strip() or None
    meta = _meta(tree)
    ld = _json_ld(tree)
    title = _title(tree, meta, ld, hints, url)

    text, method = "", "none"
    hinted = _hinted_body(tree, hints) if hints.body_selector else []
    if hinted:
        text = _trafilatura(_wrap(hinted, title), url, hints, recall=True, fast=True)
        method = "trafilatura+hints"
        if len(text) < MIN_TEXT:  # read only then: most bodies give enough text (0.05 ms a page saved)
            selected = _paragraph_text(hinted)
            if len(text) < 0.5 * len(selected):
                text, method = selected, "selector"
    if not text:
        text = _trafilatura(tree, url, hints, recall=False)
        method = "trafilatura"
        if len(text) < MIN_TEXT:
            # a recall run keeps short pages that the balanced preset judged too thin
            recalled = _trafilatura(tree, url, hints, recall=True)
            if len(recalled) > len(text):
                text, method = recalled, "trafilatura-recall"
    tz = _site_tz(url, hints, html_lang, title)
    published, date_source = _published(tree, url, meta, ld, hints, feed_date, tz, flags)
    authors = _authors(tree, meta, ld, hints, page)
    if len(text) < MIN_TEXT:
        # what the site states as its body beats a guess from the page's layout
        embedded, where = _embedded_body(tree, ld)
        if len(embedded) > max(MIN_TEXT, 2 * len(text)):
            text, method = embedded, where
    if len(text) < MIN_TEXT:
        fallback = _density_fallback(tree)
        if len(fallback) > max(MIN_TEXT, 2 * len(text)) or (not text and fallback):
            text, method = fallback, "fallback"
    text = trimming.trim(text, title)
    if not text and title:
        method = "none"
    reason = _non_article_reason(tree, title, text, _states_article(meta, ld))
    if reason:
        flags.append(reason)
    return Extracted(url=url, title=title, text=text, published=published, date_source=date_source,
                     authors=authors, is_article=reason is None, method=method if text else "none",
                     html_lang=html_lang, flags=flags, encoding=used_encoding)


