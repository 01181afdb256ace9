"""Search tokens: case- and accent-folded words (digits kept: "5G", "2025") and Chinese/Japanese/Korean
character bigrams, since no word splitter for those scripts works offline here."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pipeline.cjk import CJK as _CJK

_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
TITLE_WEIGHT = 3  # a term in the title counts as three in the body
MAX_TOKEN = 40
# Whitespace-separated chunks already tokenized. News text repeats its words, so most chunks are
# looked up rather than folded again; the cap bounds memory on a long reindex.
_CHUNKS: dict[str, tuple[str, ...]] = {}
_CHUNKS_MAX = 500_000
_CHUNK_CACHED = 40  # longer chunks (CJK sentences have no spaces) rarely repeat: not worth a cache slot
_BIGRAMS = re.compile(r"(?=(..))", re.DOTALL)
_marks: re.Pattern[str] | None = None


def _combining_marks() -> re.Pattern[str]:
    """Every character with a nonzero canonical combining class, as one regex class (built on first use)."""
    global _marks
    if _marks is None:
        ranges: list[str] = []
        start = prev = -2
        for code in range(0x110000):
            if unicodedata.combining(chr(code)):
                if code != prev + 1:
                    if start >= 0:
                        ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
                    start = code
                prev = code
        ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        _marks = re.compile(f"[{''.join(ranges)}]+")
    return _marks


def fold(text: str) -> str:
    """Lower case without accents ("Économie" -> "economie")."""
    if text.isascii():
        # casefold and NFKD leave ASCII alone except for case, and ASCII has no combining marks
        return text.lower()
    # one regex pass drops the marks: testing unicodedata.combining character by character in
    # Python was most of the cost of folding Chinese text
    return _combining_marks().sub("", unicodedata.normalize("NFKD", text.casefold()))


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    out: list[str] = []
    for match in _TOKEN.finditer(fold(chunk)):
        run = match.group(0)
        if _CJK_RUN.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(_BIGRAMS.findall(run))
        elif len(run) <= MAX_TOKEN:
            out.append(run)
    return tuple(out)


def tokens(text: str) -> list[str]:
    """Search terms of a text, in order (CJK runs become overlapping bigrams)."""
    # Tokenizing whitespace-separated chunks one by one gives the same terms as the whole text:
    # fold maps each character on its own (case folding and NFKD are per character, and the
    # canonical reordering NFKD does only moves combining marks, which fold drops), and no
    # whitespace character folds into a token character, so no token or CJK run spans a chunk
    # boundary (tests/test_search.py checks both over all of Unicode).
    out: list[str] = []
    cache = _CHUNKS
    for chunk in text.split():
        if len(chunk) > _CHUNK_CACHED:
            out.extend(_chunk_tokens(chunk))
            continue
        found = cache.get(chunk)
        if found is None:
            found = _chunk_tokens(chunk)
            if len(cache) >= _CHUNKS_MAX:
                cache.clear()
            cache[chunk] = found
        out.extend(found)
    return out


def term_counts(title: str, text: str) -> tuple[Counter[str], int]:
    """Weighted term frequencies of one article and its length in terms."""
    counts: Counter[str] = Counter(tokens(text))
    for term in tokens(title):
        counts[term] += TITLE_WEIGHT
    return counts, sum(counts.values())


# The key under which an article row may carry its `index_terms`, computed where the page was cleaned: the
# load, which holds the warehouse, then only writes them (`pipeline.warehouse.search.index`).
ROW_KEY = "index_terms"


def index_terms(title: str, text: str) -> dict[str, Any]:
    """What the search index stores of one article: its terms (one string, separated by spaces, which no term
    holds: a row carries one string instead of hundreds), their weighted counts in the same order, its
    length in terms, and a digest of the title and text they were counted on (`terms_for` checks it)."""
    counts, length = term_counts(title, text)
    return {"of": _digest(title, text), "length": length, "terms": " ".join(counts), "tf": list(counts.values())}


def _digest(title: str, text: str) -> str:
    # 5-10 µs for a news article, against ~100 µs to count its terms
    data = f"{title}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def terms_for(article: Mapping[str, Any]) -> Mapping[str, Any]:
    """The article row's carried `index_terms` when they were counted on its title and text as they are
    now (a row edited since is counted again), else counted here."""
    title, text = str(article.get("title") or ""), str(article.get("text") or "")
    carried = article.get(ROW_KEY)
    if isinstance(carried, Mapping) and carried.get("of") == _digest(title, text):
        terms, tf = carried.get("terms"), carried.get("tf")
        if isinstance(terms, str) and isinstance(tf, list) and len(tf) == (terms.count(" ") + 1 if terms else 0):
            return carried
    return index_terms(title, text)
