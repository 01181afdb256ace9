"""Article titles: the page's headline among its title sources, without the site's name around it.

A page states its title several times: JSON-LD `headline`, Dublin Core's title, the visible
<h1>, og:title, Parse.ly's title, twitter:title and <title>. The social and <title> forms often
carry the site's name ("... | DW | 23.05.2011", "...-新华网", "...：朝日新聞デジタル") or are a rewritten teaser,
so the headline is taken from the sources in SOURCE_ORDER and a part is cut only when
the page itself shows it is not headline: it names the site (og:site_name, the JSON-LD
publisher or website, the host, a declared suffix, a Chinese "...网"), or it is a bare
date or a short section label beside the site's name. Anything else after a separator
stays: it is an author or a subtitle as often as the site's name.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipeline.cjk import CJK as _CJK

# Where the headline is taken from, first present wins ("h1" is an <h1> that another source
# confirms). JSON-LD first: chosen among the orders of ld/og/h1 by 5-fold cross-validation
# grouped by site on the extraction gold, and picked in every fold. Dublin Core and Parse.ly
# titles are metadata a publisher writes for other tools, like JSON-LD: on the 7 gold pages that
# state one beside og:title they equal it or the gold (where it differs, the gold is the Dublin
# Core title), so Dublin Core comes before og and Parse.ly before an <h1> nothing confirms.
SOURCE_ORDER: tuple[str, ...] = ("ld", "dc", "og", "parsely", "h1", "twitter", "head")
# Meta keys of each metadata title, first present wins (RDFa property before the older name form).
_META_TITLES: dict[str, tuple[str, ...]] = {
    "dc": ("dc:title", "dcterms:title", "dc.title", "dcterms.title"),
    "og": ("og:title",),
    "parsely": ("parsely-title",),
    "twitter": ("twitter:title",),
}

# Spaced separators ("Berlin-Marathon" is a word, " - " is not); "_", "--", "｜" and the
# Hangul letter "ㅣ" that Korean sites use as a bar need no spaces; a bare "-" or a
# full-width colon counts only beside CJK text, where words are not spaced.
_STRONG = re.compile(r"\s+(?:[-|–—·*]|--)\s+|\s*(?:--|——|_|｜|ㅣ)\s*|\s+\|(?=\S)|(?<=\S)\|\s+")
_WEAK = re.compile(rf"(?<=[{_CJK}\"”」』）)?!])(?:-|：)(?=[^\s-])|(?<=[^\s-])-(?=[{_CJK}])")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_DOMAIN_END = re.compile(r"(?:\.[a-z]{2,6}){1,2}$")
_MARKS = re.compile("[\u0300-\u036f]")
_NON_WORD = re.compile(r"[\W_]+")
# Chinese sites name themselves "...网" ("net"): 新华网, 人民网, 光明网, 中国青年网
_CHINESE_SITE = re.compile(rf"^[{_CJK}A-Za-z]{{1,8}}[网網]$")
_GENERIC_LABELS = {"www", "m", "amp", "mobile", "com", "co", "org", "net", "gov", "ac", "ne", "or", "edu"}
# JSON-LD types of a news article or post (NewsArticle, BlogPosting, Report, ...)
NEWS_TYPES = re.compile(r"Article|Posting|Report", re.I)
_SITE_TYPES = re.compile(r"WebSite|Organization|Organisation", re.I)
# typographic variants that say the same thing; used only to compare two sources
_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
                             "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-"})
_TRUNCATED = ("...", "…")


@dataclass
class TitleSources:
    """Every statement of the title that a page makes, and the names the site goes by."""

    ld: str | None = None
    h1s: list[str] = field(default_factory=list)
    dc: str | None = None
    og: str | None = None
    parsely: str | None = None
    twitter: str | None = None
    head: str | None = None
    site_names: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- comparing


def _collapse(text: str) -> str:
    return " ".join(text.replace("\u200b", "").split())


def comparable(text: str) -> str:
    """A title as it is compared (with another source, or with a gold): NFC, whitespace collapsed,
    typographic quotes and dashes as ASCII, case kept."""
    return _collapse(unicodedata.normalize("NFC", text)).translate(_TYPOGRAPHY)


def _same_key(text: str) -> str:
    """A form for comparing two sources: `comparable`, case folded too."""
    # lower(), not casefold(): "ß" keeps its length, so offsets into the original still hold
    return comparable(text).lower()


def _name_key(text: str) -> str:
    """A site name reduced to letters and digits ("Golem.de", "golem" and "GOLEM" agree)."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text.strip().casefold()))
    if "." in folded and " " not in folded:
        folded = _DOMAIN_END.sub("", folded)
    return unicodedata.normalize("NFC", _NON_WORD.sub("", folded))


def host_names(url: str) -> list[str]:
    """The name a host goes by: its registered label ("golem" for www.golem.de), umlauts spelt either way."""
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.lower().split(".") if label]
    if len(labels) < 2:
        return []
    labels = labels[:-1]  # the top-level domain
    while len(labels) > 1 and labels[-1] in _GENERIC_LABELS:
        labels = labels[:-1]
    label = labels[-1].replace("-", "")
    if label in _GENERIC_LABELS:
        return []
    # German hosts spell ö as oe ("boersen-zeitung.de" for "Börsen-Zeitung")
    return sorted({label, label.replace("ae", "a").replace("oe", "o").replace("ue", "u")})


def _names_match(key: str, name: str) -> bool:
    if not key or not name:
        return False
    if key == name:
        return True
    short, long_ = sorted((key, name), key=len)
    # "Metro News" for "Metro", "ZDFheute" for zdf.de, "NTV Haber" for ntv: a short word more at most
    if len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 6:
        return True
    # "Die Neue Südtiroler Tageszeitung" for tageszeitung.it, "The Irish Times" for irishtimes.com: words
    # in front of a long name
    return len(name) >= 8 and key.endswith(name)


# ---------------------------------------------------------------- stripping the site's name


def _is_site(segment: str, names: Sequence[str]) -> bool:
    key = _name_key(segment)
    if len(segment.split()) > 6:
        return False
    if _CHINESE_SITE.match(segment.replace(" ", "")):
        return True
    return any(_names_match(key, name) for name in names)


def _is_section(segment: str, strong: bool) -> bool:
    """A section label ("Sport", "Politics News", "时政", "정치"): one or two short words, no digits."""
    if any(ch.isdigit() for ch in segment):
        return False
    if re.search(f"[{_CJK}]", segment):
        # after a bare "-" ("...커졌다-정치ㅣ한국일보") only a very short label is taken for a section
        return len(segment.replace(" ", "")) <= (6 if strong else 3)
    return strong and len(segment.split()) <= 2 and len(segment) <= 20


def _substantive(head: str) -> bool:
    return len(head.strip()) >= 4


def _last_cut(text: str) -> tuple[str, str, bool] | None:
    """The text before and after its last separator, and whether that separator is a strong one."""
    best: tuple[int, int, bool] | None = None
    for pattern, strong in ((_STRONG, True), (_WEAK, False)):
        for match in pattern.finditer(text):
            if match.end() < len(text) and (best is None or match.start() > best[0]):
                best = (match.start(), match.end(), strong)
    if best is None:
        return None
    return text[: best[0]].rstrip(), text[best[1]:].strip(), best[2]


def _first_cut(text: str) -> tuple[str, str] | None:
    match = _STRONG.search(text)
    if match is None or match.start() == 0:
        return None
    return text[: match.start()].strip(), text[match.end():].strip()


def strip_title(title: str, suffixes: tuple[str, ...] = (), site_names: Iterable[str] = ()) -> str:
    """The headline without the site's name around it ("-新华网", "--时政--人民网", " | DW | 23.05.2011").

    A tail goes when it is a declared suffix, names the site (one of `site_names`, or a
    Chinese "...网"), is a bare date, or is a short section label beside a removed site name.
    """
    out = _collapse(title)
    for suffix in suffixes:
        suffix = _collapse(suffix)
        if suffix and out.endswith(suffix) and len(out) > len(suffix):
            out = out[: -len(suffix)].rstrip()
    names = [key for key in (_name_key(n) for n in site_names) if key]
    removed_site = False
    for _ in range(4):
        cut = _last_cut(out)
        if cut is None or not _substantive(cut[0]):
            break
        head, tail, strong = cut
        if _is_site(tail, names):
            removed_site = True
        elif not ((strong and _DATE.fullmatch(tail)) or (removed_site and _is_section(tail, strong))):
            break
        out = head
    first = _first_cut(out)
    if first is not None and _is_site(first[0], names) and _substantive(first[1]):
        out = first[1]  # "Tageblatt.lu | headline": the site's name in front
    return out


def _opens_with(text: str, headline: str) -> bool:
    """`text` is `headline` followed by a separator and more ("Headline | Site", "Headline - Section")."""
    key, head = _same_key(text), _same_key(headline)
    return len(head) >= 4 and key.startswith(head) and bool(_STRONG.match(key, len(head)) or
                                                            _WEAK.match(key, len(head)))


# ---------------------------------------------------------------- reading the sources


def _ld_text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    # some CMSs write entities into JSON-LD strings ("Kohberger&#8217;s")
    return _collapse(html.unescape(value))


def _ld_headline(ld: list[dict[str, Any]], h1s: list[str]) -> str | None:
    """The article's JSON-LD headline; its `name` instead when that is the one the page shows."""
    for item in ld:
        if not NEWS_TYPES.search(str(item.get("@type") or "")):
            continue
        headline, name = _ld_text(item.get("headline")), _ld_text(item.get("name"))
        if headline and headline.endswith(_TRUNCATED):
            headline = None  # cut for a character limit: another source has it whole
        if headline and name and _same_key(name) != _same_key(headline):
            # Wikipedia puts a description in `headline` and the article's name in `name`
            shown = {_same_key(h) for h in h1s}
            if _same_key(name) in shown and _same_key(headline) not in shown:
                return name
        if headline:
            return headline
    return None


def _site_names(meta: dict[str, str], ld: list[dict[str, Any]], url: str) -> list[str]:
    names = [meta[key] for key in ("og:site_name", "application-name") if meta.get(key)]
    for item in ld:
        if _SITE_TYPES.search(str(item.get("@type") or "")):
            names += [v for v in (item.get("name"), item.get("alternateName")) if isinstance(v, str)]
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    return [html.unescape(n) for n in names] + host_names(url)


def _element_text(element: Any) -> str:
    return _collapse(element.text_content())


def _meta_title(meta: dict[str, str], kind: str) -> str | None:
    return next((text for key in _META_TITLES[kind] if (text := _collapse(meta.get(key, "")))), None)


def read_sources(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], url: str) -> TitleSources:
    """Every title statement on the page (JSON-LD, <h1>s, metadata titles, <title>) and the site's names."""
    h1s = [text for text in (_element_text(e) for e in tree.iter("h1")) if text][:3]
    head_element = tree.find(".//title")
    head = _element_text(head_element) if head_element is not None else None
    return TitleSources(
        ld=_ld_headline(ld, h1s), h1s=h1s, dc=_meta_title(meta, "dc"), og=_meta_title(meta, "og"),
        parsely=_meta_title(meta, "parsely"), twitter=_meta_title(meta, "twitter"), head=head or None,
        site_names=_site_names(meta, ld, url))


# ---------------------------------------------------------------- choosing


def _stated(sources: TitleSources, source: str) -> str | None:
    """What one source of SOURCE_ORDER other than "h1" states (the field of that name)."""
    value: str | None = getattr(sources, source)
    return value


def _confirmed_h1(sources: TitleSources, names: Sequence[str]) -> str | None:
    """The first <h1> that another source states too (alone or with the site's name around it)."""
    others = [text for text in (_stated(sources, s) for s in SOURCE_ORDER if s != "h1") if text]
    for h1 in sources.h1s:
        key = _same_key(h1)
        # one word is as likely the site's or the section's name as a headline ("Mozilla - Wikipedia")
        if len(key) < 4 or len(key.split()) < 2 and not re.search(f"[{_CJK}]", key) or _is_site(h1, names):
            continue
        for other in others:
            if _opens_with(other, h1) or _same_key(strip_title(other, (), sources.site_names)) == key:
                return h1
    return None


def choose_title(sources: TitleSources, suffixes: tuple[str, ...] = (),
                 order: Sequence[str] = SOURCE_ORDER) -> str | None:
    """The headline: the first source of `order` present, without the site's name around it."""
    names = [key for key in (_name_key(n) for n in sources.site_names) if key]
    confirmed = _confirmed_h1(sources, names)
    picked = next((text for s in order if (text := confirmed if s == "h1" else _stated(sources, s))), None)
    if picked is None:
        # nothing but an unconfirmed <h1> (or nothing at all)
        return strip_title(sources.h1s[0], suffixes, sources.site_names) if sources.h1s else None
    # no cut beyond strip_title's, even where another source is a prefix of this one: what
    # follows is the site's name on most pages, but an author or a subtitle on others
    title = strip_title(picked, suffixes, sources.site_names) or picked
    if confirmed and _same_key(title) != _same_key(confirmed) and _opens_with(title, confirmed):
        # ...unless the visible <h1> and a second source state the shorter headline word for word
        # ("Headline | Sport" in JSON-LD beside og:title "Headline"): two statements against one
        exact = _same_key(confirmed)
        if any(_same_key(text) == exact for s in order if s != "h1"
               and (text := _stated(sources, s)) and text != picked):
            return confirmed
    return title


def hinted_title(text: str, sources: TitleSources, suffixes: tuple[str, ...]) -> str:
    """A title read with a source's declared selector, cleaned the same way."""
    return strip_title(text, suffixes, sources.site_names) or _collapse(text)
