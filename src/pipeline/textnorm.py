"""Text normalisation, content hashes, character shingles and evidence features for story grouping."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from pipeline.cjk import CJK
from pipeline.translation import chinese_numbers, cross_keys, number_words

# Combining marks left behind by NFKD: folding them makes "é" and "e" equal,
# which is what a republication with lost accents (ASCII-only CMS) needs.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(f"[{CJK}]")

# Shingle width in characters. Chinese carries about one morpheme per
# character, so three characters are as specific as seven Latin ones.
LATIN_SHINGLE = 7
CJK_SHINGLE = 3
# Keep one shingle hash in SAMPLE_MOD: the same rule for every document, so
# overlap between two sampled sets still estimates overlap between full sets,
# at a quarter of the hashing cost.
SAMPLE_MOD = 4

_POWERS_CACHE: dict[int, npt.NDArray[np.uint64]] = {}


def _normalise_slow(text: str) -> str:
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    # NFC again so Hangul syllables (split into jamo by NFKD) come back whole.
    return unicodedata.normalize("NFC", " ".join(_NON_WORD.sub(" ", folded).split()))


_V = TypeVar("_V")


class Memo(dict[str, _V]):
    """A dict that computes a missing value with `func` and forgets everything past `limit` entries.

    News vocabulary is Zipfian: nearly every word of an article was seen in an earlier one, so a word is
    folded once per run instead of once per occurrence; the bound keeps a long run's memory flat. `func`
    must be pure, so that forgetting never changes a result.
    """

    def __init__(self, func: Callable[[str], _V], limit: int = 200_000) -> None:
        super().__init__()
        self.func = func
        self.limit = limit

    def __missing__(self, key: str) -> _V:
        value = self.func(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


# Whitespace-separated tokens normalise independently: NFKD, mark removal and case folding work per
# character (NFKD reorders only marks after a starter, and whitespace is a starter), every whitespace
# character is a separator for `_NON_WORD`, and NFC composes nothing across a space. So a text's
# normal form is the join of its tokens' normal forms, each computed once per run (a test checks the
# two agree on every code point).
_TOKEN_WORDS: Memo[tuple[str, ...]] = Memo(lambda token: tuple(_normalise_slow(token).split()))
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]+")


def normalise_words(text: str) -> list[str]:
    """The words of `normalise_text(text)`, without joining and splitting them again."""
    if text.isascii():
        # NFKD and NFC leave ASCII alone, casefold is lower, and `[\W_]` is any non-alphanumeric
        return _ASCII_ALNUM.findall(text.lower())
    return list(chain.from_iterable(map(_TOKEN_WORDS.__getitem__, text.split())))


def normalise_text(text: str) -> str:
    """Fold case, accents, punctuation and whitespace so trivial reformatting gives the same string."""
    return " ".join(normalise_words(text))


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


def _window_hashes(codes: npt.NDArray[np.uint64], width: int) -> npt.NDArray[np.uint32]:
    """The low 32 bits of the mixed polynomial hash of every `width`-character window of `codes`."""
    powers = _powers(width)
    count = codes.size - width + 1
    with np.errstate(over="ignore"):
        # the polynomial hash of every window as `width` shifted multiply-adds: the same sums mod 2^64
        # as a (windows @ powers) product, which numpy runs without BLAS for integers, several times slower
        h = codes[:count] * powers[0]
        for k in range(1, width):
            h += codes[k:k + count] * powers[k]
        # A 64-bit finaliser (splitmix-style) so sampling by modulo is unbiased.
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    low: npt.NDArray[np.uint32] = h.astype(np.uint32)  # the low 32 bits
    return low


def _shingle_source(normalised: str) -> tuple[str, int]:
    if is_cjk_heavy(normalised):
        # Spaces between ideographs are layout, not word boundaries.
        return normalised.replace(" ", ""), CJK_SHINGLE
    return normalised, LATIN_SHINGLE


def shingle_hashes(normalised: str) -> npt.NDArray[np.uint32]:
    """Sorted unique 32-bit hashes of sampled character shingles of an already normalised text."""
    text, width = _shingle_source(normalised)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size < width:
        return np.zeros(0, dtype=np.uint32)
    small = _window_hashes(codes, width)
    kept = np.sort(small[small % SAMPLE_MOD == 0])
    # sort and drop repeats: for a few hundred values, faster than np.unique's hash table
    unique: npt.NDArray[np.uint32] = kept[np.r_[True, kept[1:] != kept[:-1]]] if kept.size else kept
    return unique


def shingle_hashes_many(normalised: Sequence[str]) -> list[npt.NDArray[np.uint32]]:
    """`shingle_hashes` of each text, computed for all of them in one numpy pass per shingle width.

    Per article, the ~25 numpy calls of `shingle_hashes` on a few thousand characters cost more in call
    overhead than in arithmetic; here the texts are hashed end to end and the windows that straddle two
    texts are dropped. The arrays returned are views into one buffer.
    """
    out: list[npt.NDArray[np.uint32]] = [np.zeros(0, dtype=np.uint32)] * len(normalised)
    by_width: dict[int, list[tuple[int, str]]] = {}
    for k, text in enumerate(normalised):
        source, width = _shingle_source(text)
        by_width.setdefault(width, []).append((k, source))
    for width, items in by_width.items():
        lengths = np.array([len(t) for _, t in items], dtype=np.int64)
        if int(lengths.sum()) < width:
            continue
        codes = np.frombuffer("".join(t for _, t in items).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        small = _window_hashes(codes, width)
        owner = np.repeat(np.arange(len(items), dtype=np.uint64), lengths)
        # a window belongs to a text when its first and last characters do (owners only increase)
        keep = (owner[:small.size] == owner[width - 1:]) & (small % SAMPLE_MOD == 0)
        # text number in the high half, hash in the low half: one sort orders by text, then by hash
        keyed = np.sort((owner[:small.size][keep] << np.uint64(32)) | small[keep].astype(np.uint64))
        keyed = keyed[np.r_[True, keyed[1:] != keyed[:-1]]] if keyed.size else keyed
        counts = np.bincount((keyed >> np.uint64(32)).astype(np.int64), minlength=len(items))
        values = keyed.astype(np.uint32)
        for (k, _), part in zip(items, np.split(values, np.cumsum(counts)[:-1]), strict=True):
            out[k] = part
    return out


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
# The capital comes first and the look-behind after it (`(?<=... [A-ZÀ-Þ])` reads the same two characters
# before it): a pattern opening with a character class lets the regex engine skip to the next capital,
# one opening with a look-behind tries every position (2-3x slower on news text, same matches).
_NAME = re.compile(r"([A-ZÀ-Þ](?<=[a-zà-ÿ0-9,] [A-ZÀ-Þ])[a-zà-ÿA-Z'’-]{2,})")
_ACRONYM = re.compile(r"([A-Z](?<![A-Za-z][A-Z])[A-Z0-9]{1,9})(?![A-Za-z])")
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

    `features` holds them all as prefixed strings: `n:` figures, `p:` names, `q:` quotes, `u:` links, and
    the translation-only `c:` lexicon entities and `k:` name skeletons (see `pipeline.translation`) that
    let editions in other scripts meet and that event matching ignores. Story grouping indexes them in
    this form, and one set per article takes less memory and time than five sets prefixed on demand.
    """

    features: frozenset[str]
    title_words: frozenset[str]

    def _kind(self, prefix: str) -> frozenset[str]:
        return frozenset(k[2:] for k in self.features if k.startswith(prefix))

    @property
    def numbers(self) -> frozenset[str]:
        return self._kind("n:")

    @property
    def names(self) -> frozenset[str]:
        return self._kind("p:")

    @property
    def quotes(self) -> frozenset[str]:
        return self._kind("q:")

    @property
    def urls(self) -> frozenset[str]:
        return self._kind("u:")

    @property
    def cross(self) -> frozenset[str]:
        return frozenset(k for k in self.features if k[:2] in ("c:", "k:"))

    def keys(self) -> frozenset[str]:
        """All features as one set of prefixed strings (for an inverted index)."""
        return self.features


def _fold(word: str) -> str:
    return _MARKS.sub("", unicodedata.normalize("NFKD", word)).casefold()


# a name recurs across articles: folded once per run
_NAME_KEYS = Memo(lambda word: _fold(word).strip("'’-"))
_NON_DIGIT = re.compile(r"\D")


def title_words(title: str, normalised: str | None = None) -> frozenset[str]:
    """Content words of a title (Latin words of 4+ letters; character pairs for Chinese).

    `normalised` is `normalise_text(title)` when the caller has it already.
    """
    norm = normalise_text(title) if normalised is None else normalised
    if is_cjk_heavy(norm):
        compact = norm.replace(" ", "")
        return frozenset(compact[i:i + 2] for i in range(len(compact) - 1))
    return frozenset(w for w in norm.split() if len(w) >= 4)


def _number_key(whole: str, fraction: str | None, scale: str | None) -> str | None:
    """The canonical value of one figure, or None for values too common to be evidence."""
    digits = _NON_DIGIT.sub("", whole)
    fraction = (fraction or "").rstrip("0")
    if scale:
        value = Decimal(f"{digits}.{fraction or 0}") * _SCALE[scale.casefold()]
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    # One-digit values and years are in every article of a week.
    if len(digits) + len(fraction) < 2 or (not fraction and len(digits) == 4 and _YEAR.fullmatch(digits)):
        return None
    integer = digits.lstrip("0") or "0"
    return f"{integer}.{fraction}" if fraction else integer


def extract_evidence(title: str, text: str, title_norm_words: list[str] | None = None,
                     text_norm_words: list[str] | None = None) -> Evidence:
    """Figures, names, quotes and links of an article (title and text).

    `title_norm_words` and `text_norm_words` are `normalise_words` of `title` and `text` when the caller
    has them already (story grouping normalises each article once).
    """
    # NFKC: full-width digits and letters (common in Chinese text) read as ASCII
    body = unicodedata.normalize("NFKC", f"{title}\n{text}")
    numbers = {key for m in _NUMBER.finditer(body) if (key := _number_key(m.group(1), m.group(2), m.group(3)))}
    # figures spelled out or in Chinese numerals, as the same dispatch in another language writes them.
    # normalise_text(NFKC(x)) == normalise_text(x) (NFKD undoes NFKC) and a text normalises token by
    # token, so the body's normal form is the title's and the text's joined by a space.
    head = normalise_words(title) if title_norm_words is None else title_norm_words
    words = head + (normalise_words(text) if text_norm_words is None else text_norm_words)
    normalised = " ".join(words)
    distinct = set(words)
    numbers |= {str(v) for v in chinese_numbers(body) | number_words(words, distinct)
                if v >= 10 and not 1900 <= v <= 2099}
    names = {_NAME_KEYS[m.group(1)] for m in _NAME.finditer(body)}
    names |= {m.group(1).casefold() for m in _ACRONYM.finditer(body) if not m.group(1).isdigit()}
    names = {n for n in names if len(n) >= 2 and n not in _NAME_STOP and not n.isdigit()}
    quotes = {normalise_text(next(g for g in m.groups() if g)) for m in _QUOTE.finditer(body)}
    urls = {u.rstrip(".,;").lower() for u in _URL.findall(body)}
    features = cross_keys(normalised, body, frozenset(names), words, distinct)
    features.update(["n:" + v for v in numbers], ["p:" + v for v in names],
                    ["q:" + q for q in quotes if len(q) >= 30], ["u:" + u for u in urls])
    return Evidence(frozenset(features), title_words(title, " ".join(head)))
