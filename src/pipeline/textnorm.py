"""Text normalisation, content hashes, character shingles and evidence features for story grouping."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from pipeline.translation import chinese_numbers, cross_keys, number_words

# Combining marks left behind by NFKD: folding them makes "é" and "e" equal,
# which is what a republication with lost accents (ASCII-only CMS) needs.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_WORD = re.compile(r"[\W_]+")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

# Shingle width in characters. Chinese carries about one morpheme per
# character, so three characters are as specific as seven Latin ones.
LATIN_SHINGLE = 7
CJK_SHINGLE = 3
# Keep one shingle hash in SAMPLE_MOD: the same rule for every document, so
# overlap between two sampled sets still estimates overlap between full sets,
# at a quarter of the hashing cost.
SAMPLE_MOD = 4

_POWERS_CACHE: dict[int, npt.NDArray[np.uint64]] = {}


def normalise_text(text: str) -> str:
    """Fold case, accents, punctuation and whitespace so trivial reformatting gives the same string."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    # NFC again so Hangul syllables (split into jamo by NFKD) come back whole.
    return unicodedata.normalize("NFC", " ".join(_NON_WORD.sub(" ", folded).split()))


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text: equal for copies that differ only in formatting."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def is_cjk_heavy(text: str) -> bool:
    """True when ideographs/kana/hangul make up a good share of the characters."""
    if not text:
        return False
    sample = text[:2000]
    return len(_CJK.findall(sample)) > 0.3 * len(sample.replace(" ", ""))


def _powers(width: int) -> npt.NDArray[np.uint64]:
    cached = _POWERS_CACHE.get(width)
    if cached is None:
        base = np.uint64(1_000_003)
        values = [np.uint64(1)]
        with np.errstate(over="ignore"):
            for _ in range(width - 1):
                values.append(values[-1] * base)
        cached = np.array(values[::-1], dtype=np.uint64)
        _POWERS_CACHE[width] = cached
    return cached


def shingle_hashes(normalised: str) -> npt.NDArray[np.uint32]:
    """Sorted unique 32-bit hashes of sampled character shingles of an already normalised text."""
    cjk = is_cjk_heavy(normalised)
    if cjk:
        # Spaces between ideographs are layout, not word boundaries.
        normalised = normalised.replace(" ", "")
    width = CJK_SHINGLE if cjk else LATIN_SHINGLE
    codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size < width:
        return np.zeros(0, dtype=np.uint32)
    windows = np.lib.stride_tricks.sliding_window_view(codes, width)
    with np.errstate(over="ignore"):
        h = windows @ _powers(width)
        # A 64-bit finaliser (splitmix-style) so sampling by modulo is unbiased.
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    small = (h & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    kept = small[small % SAMPLE_MOD == 0]
    return np.unique(kept)


# Numbers: thousands groups of exactly three digits, so "le 6, 300 personnes"
# stays two numbers while "360 000" and "360,000" give the same value; a scale
# word after the figure ("2,5 millions", "2.5 million", "250 万") gives its value,
# so the editions of one dispatch in several languages carry the same number.
_NUMBER = re.compile(r"(\d+(?:[ .,\u00a0\u2007\u2009\u202f]\d{3})*)(?:[.,](\d+))?"
                     r"(?:\s?(millions?|milliards?|billions?|thousands?|млн|млрд|тыс|миллион|миллиард|万|亿)"
                     r"(?![a-zA-Zа-яА-Я]))?")
_SCALE = {"million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9, "billion": 10**9,
          "billions": 10**9, "thousand": 10**3, "thousands": 10**3, "млн": 10**6, "млрд": 10**9, "тыс": 10**3,
          "миллион": 10**6, "миллиард": 10**9, "万": 10**4, "亿": 10**8}
_YEAR = re.compile(r"(?:19|20)\d\d")
# A capitalised Latin word after a lower-case word, digit or comma: a name,
# not the first word of a sentence.
_NAME = re.compile(r"(?<=[a-zà-ÿ0-9,] )([A-ZÀ-Þ][a-zà-ÿA-Z'’-]{2,})")
_ACRONYM = re.compile(r"(?<![A-Za-z])([A-Z][A-Z0-9]{1,9})(?![A-Za-z])")
_QUOTE = re.compile(r"«\s*([^»]{30,400}?)\s*»|“([^”]{30,400}?)”|\"([^\"]{30,400}?)\"")
_URL = re.compile(r"https?://[^\s<>\"')]+")
_NAME_STOP = frozenset(
    "the this that these those les des une cette dans pour mais and but our their his her its "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


@dataclass(frozen=True)
class Evidence:
    """What survives rewriting and translation: figures, Latin-script names, quotes, links.

    `cross` holds the translation-only features (`c:` lexicon entities, `k:` name skeletons, see
    `pipeline.translation`): they let editions in other scripts meet, and event matching ignores them.
    """

    numbers: frozenset[str]
    names: frozenset[str]
    quotes: frozenset[str]
    urls: frozenset[str]
    title_words: frozenset[str]
    cross: frozenset[str] = frozenset()

    def keys(self) -> set[str]:
        """All features as one set of prefixed strings (for an inverted index)."""
        out = {"n:" + v for v in self.numbers} | {"p:" + v for v in self.names}
        out |= {"q:" + v for v in self.quotes} | {"u:" + v for v in self.urls}
        return out | self.cross


def _fold(word: str) -> str:
    return _MARKS.sub("", unicodedata.normalize("NFKD", word)).casefold()


def title_words(title: str) -> frozenset[str]:
    """Content words of a title (Latin words of 4+ letters; character pairs for Chinese)."""
    norm = normalise_text(title)
    if is_cjk_heavy(norm):
        compact = norm.replace(" ", "")
        return frozenset(compact[i:i + 2] for i in range(len(compact) - 1))
    return frozenset(w for w in norm.split() if len(w) >= 4)


def _number_key(whole: str, fraction: str | None, scale: str | None) -> str | None:
    """The canonical value of one figure, or None for values too common to be evidence."""
    digits = re.sub(r"\D", "", whole)
    fraction = (fraction or "").rstrip("0")
    if scale:
        value = Decimal(f"{digits}.{fraction or 0}") * _SCALE[scale.casefold()]
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    # One-digit values and years are in every article of a week.
    if len(digits) + len(fraction) < 2 or (not fraction and len(digits) == 4 and _YEAR.fullmatch(digits)):
        return None
    integer = digits.lstrip("0") or "0"
    return f"{integer}.{fraction}" if fraction else integer


def extract_evidence(title: str, text: str) -> Evidence:
    """Figures, names, quotes and links of an article (title and text)."""
    # NFKC: full-width digits and letters (common in Chinese text) read as ASCII
    body = unicodedata.normalize("NFKC", f"{title}\n{text}")
    numbers = {key for m in _NUMBER.finditer(body) if (key := _number_key(m.group(1), m.group(2), m.group(3)))}
    # figures spelled out or in Chinese numerals, as the same dispatch in another language writes them
    normalised = normalise_text(body)
    words = normalised.split()
    numbers |= {str(v) for v in chinese_numbers(body) | number_words(words) if v >= 10 and not 1900 <= v <= 2099}
    names = {_fold(m.group(1)).strip("'’-") for m in _NAME.finditer(body)}
    names |= {m.group(1).casefold() for m in _ACRONYM.finditer(body) if not m.group(1).isdigit()}
    names = {n for n in names if len(n) >= 2 and n not in _NAME_STOP and not n.isdigit()}
    quotes = {normalise_text(next(g for g in m.groups() if g)) for m in _QUOTE.finditer(body)}
    urls = {u.rstrip(".,;").lower() for u in _URL.findall(body)}
    frozen_names = frozenset(names)
    cross = cross_keys(normalised, body, frozen_names, words)
    return Evidence(frozenset(numbers), frozen_names, frozenset(q for q in quotes if len(q) >= 30),
                    frozenset(urls), title_words(title), frozenset(cross))
