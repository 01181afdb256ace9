"""Stories: copies, near-duplicates, translations and reports of one event grouped under a stable id."""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from datasketch import MinHash

from pipeline.pairing import BIG, UnionFind, decode_pairs, pairs_in_groups, unique_counts
from pipeline.textnorm import (
    Evidence,
    content_hash,
    extract_evidence,
    is_cjk_heavy,
    normalise_text,
    normalise_words,
    shingle_hashes,
    shingle_hashes_many,
)
from pipeline.translation_gloss import MIN_SHARED, agree, gloss_codes, no_gloss

__all__ = ["Doc", "assign_stories", "content_hash", "dedup", "normalise_text", "outlet_family",
           "parse_published", "story_pairs"]

log = logging.getLogger(__name__)

NUM_PERM = 96
# 32 bands of 3 rows: pairs with Jaccard 0.5 become candidates 98.6% of the
# time, pairs at 0.1 (the top of unrelated same-language news) 3%.
LSH_BANDS = (32, 3)
# Near-duplicate: most of the shorter text's shingles are in the longer one.
# Unrelated BBC articles of one category peak at 0.45 containment.
MIN_CONTAINMENT = 0.6
MIN_JACCARD_WITH_CONTAINMENT = 0.3
MIN_JACCARD = 0.5
MIN_SHINGLES = 8
# Texts shorter than this (normalised) are too generic to call exact copies.
MIN_EXACT_CHARS = 40
# Only the head of long texts is shingled: it decides whether two texts are
# copies, and it bounds the cost per article.
MAX_SHINGLE_CHARS = 6000
MAX_EVIDENCE_CHARS = 8000
TRANSLATION_WINDOW = timedelta(days=1)
# A Chinese character carries about three Latin characters of meaning (a French text's Chinese
# translation is about a third as long): lengths are compared in Latin-equivalent characters.
CJK_CHAR_WEIGHT = 3.0
# Translations of one dispatch keep its sentences and length within these bounds.
MIN_SENTENCE_RATIO = 0.7
MAX_LENGTH_RATIO = 1.5
# A translation must share one rare figure or name per this many sentences (two at least).
SENTENCES_PER_FEATURE = 8
# Features that survive translation: figures, quotes, links, lexicon entities, name skeletons
# (a Latin name counts through its skeleton `k:`, never twice through `p:` as well).
_TRANSLATION_KINDS = ("n:", "q:", "u:", "c:", "k:")
_EVENT_KINDS = ("n:", "p:", "q:", "u:")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# A run of sentence-ending marks before a space or the end, or one Chinese mark alone. Written to open
# with a character class so the regex engine skips to the next mark (4x faster than the alternation
# `[.!?。！？]+(?:\s|$)|[。！？]` it replaces, same matches).
_SENTENCE_END = re.compile(r"[.!?。！？](?:[.!?。！？]*(?:\s|$)|(?<=[。！？]))")
_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class Doc:
    """One article as story grouping sees it; `story_id` is set for articles already assigned."""

    id: str
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    language: str | None = None
    story_id: str | None = None


@dataclass
class _Prepared:
    doc: Doc
    when: datetime | None
    exact: str | None
    shingles: npt.NDArray[np.uint32]
    evidence: Evidence
    family: str | None
    minhash: npt.NDArray[np.uint32] | None = field(default=None, repr=False)
    sentences: int = 0
    length: float = 0.0  # Latin-equivalent characters (see CJK_CHAR_WEIGHT)
    language: str | None = None  # stated, from the source id's suffix, or from the script
    # gloss keys (`pipeline.translation_gloss`) of an article with an outlet and a date, and those of them
    # rare in the collection at hand (set by `_rare_keys`)
    gloss: npt.NDArray[np.uint32] = field(default_factory=no_gloss, repr=False)
    gloss_rare: npt.NDArray[np.uint32] = field(default_factory=no_gloss, repr=False)


def parse_published(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive means UTC); None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def outlet_family(source: str | None) -> str | None:
    """The outlet of a `<outlet>-<lang>` source id (`xinhua-fr` -> `xinhua`)."""
    if not source:
        return None
    head, sep, _ = source.rpartition("-")
    return head if sep and head else source


# datasketch's hash family (its default "affine32" scheme and its permutations for this seed): the
# sketches below are the values `MinHash.update_batch` computes, done on one array per article
# instead of one Python call per shingle (a test checks they are equal).
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=7)
_PERM_A, _PERM_B = (np.asarray(v, dtype=np.uint32) for v in _TEMPLATE.permutations)


def minhash_values(shingles: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The MinHash signature datasketch gives these shingle hashes (identity hash function, seed 7)."""
    h = shingles.astype(np.uint32)
    with np.errstate(over="ignore"):
        # MurmurHash3's 32-bit finaliser, as datasketch pre-mixes inputs, then h -> a*h + b mod 2^32
        h = h ^ (h >> np.uint32(16))
        h = h * np.uint32(0x85EBCA6B)
        h = h ^ (h >> np.uint32(13))
        h = h * np.uint32(0xC2B2AE35)
        h = h ^ (h >> np.uint32(16))
        hashed = h[:, None] * _PERM_A
        hashed += _PERM_B  # in place: one (shingles x permutations) array instead of two
    return np.asarray(hashed.min(axis=0), dtype=np.uint32)


def _language(doc: Doc, text: str) -> str | None:
    if doc.language:
        return doc.language
    if doc.source and "-" in doc.source:
        return doc.source.rpartition("-")[2] or None
    if is_cjk_heavy(text):
        return "zh"
    sample = text[:2000]
    return "ru" if sample and len(_CYRILLIC.findall(sample)) > 0.3 * len(sample.replace(" ", "")) else None


_NO_SHINGLES = np.zeros(0, dtype=np.uint32)


def _read(doc: Doc) -> tuple[_Prepared, str]:
    """An article's features but its shingles and sketch, and the normalised text those are made from."""
    title, text = doc.title or "", doc.text or ""
    # Each piece is normalised once: the content hash, the shingles, the evidence words and the title
    # words all read these (a text normalises token by token, see `normalise_text`).
    title_norm = normalise_words(title)
    head = text[:MAX_EVIDENCE_CHARS]
    head_norm = normalise_words(head)
    if text.strip():
        norm = " ".join(head_norm) if len(head) == len(text) else normalise_text(text)
    else:
        norm = " ".join(title_norm)
    # the content hash of the body, without normalising it a second time
    exact = hashlib.sha256(norm.encode("utf-8")).hexdigest() if len(norm) >= MIN_EXACT_CHARS else None
    evidence = extract_evidence(title, head, title_norm, head_norm)
    prepared = _Prepared(doc, parse_published(doc.published), exact, _NO_SHINGLES, evidence,
                         outlet_family(doc.source))
    # ASCII text has no CJK character to count
    cjk = 0 if text.isascii() else len(_CJK_CHAR.findall(text))
    prepared.sentences = len(_SENTENCE_END.findall(text)) or (1 if text.strip() else 0)
    prepared.length = len(text) - text.count(" ") - cjk + CJK_CHAR_WEIGHT * cjk
    prepared.language = _language(doc, text)
    if prepared.family is not None and prepared.when is not None:
        # only an outlet's dated editions are compared word by word
        prepared.gloss = gloss_codes(head, head_norm, cjk > 0 and is_cjk_heavy(head))
    return prepared, norm[:MAX_SHINGLE_CHARS]


def _unreadable(doc: Doc, exc: Exception) -> _Prepared:
    # one bad record must not stop the batch
    log.warning("story grouping: cannot read article %s: %s", doc.id, exc)
    return _Prepared(doc, None, None, _NO_SHINGLES, extract_evidence("", ""), outlet_family(doc.source))


def _sketch(prepared: _Prepared, shingles: npt.NDArray[np.uint32]) -> None:
    prepared.shingles = shingles
    if shingles.size >= MIN_SHINGLES:
        prepared.minhash = minhash_values(shingles)


# Articles whose shingles are hashed together (see `shingle_hashes_many`); their normalised texts are
# held only that long.
_BLOCK = 256
_V = TypeVar("_V")
# Every field a prepared article is made from: all but the story id, which may change between calls.
_KEY_FIELDS = tuple(f.name for f in fields(Doc) if f.name != "story_id")


def _doc_key(doc: Doc) -> bytes:
    # a digest of the content, not the id alone: an edited article must be read again
    content = repr(tuple(getattr(doc, name) for name in _KEY_FIELDS))
    return hashlib.blake2b(content.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class _PreparedCache:
    """Articles already read by earlier `assign_stories` calls of this process, by content digest.

    A daily run loads its sources one by one, and each load compares its new articles with the same
    story window: reading the window again was most of a load's story time. Preparation is a pure
    function of the digested fields, so a hit gives what reading would; the oldest entries go first.
    Entries are stored and handed out as shallow copies: what a call sets on its own articles later (the
    story id, the collection's rare keys) never reaches the cache.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.prepared: dict[bytes, _Prepared] = {}
        self.hashes: dict[bytes, str] = {}
        self.lock = threading.Lock()

    def get(self, key: bytes, doc: Doc) -> _Prepared | None:
        """The cached features with `doc` (and so its story id) in place of the cached one."""
        with self.lock:
            found = self.prepared.get(key)
        if found is None:
            return None
        hit = copy.copy(found)
        hit.doc = doc
        return hit

    def put(self, key: bytes, prepared: _Prepared) -> None:
        """Keep `prepared` without its text (the doc is replaced on every hit)."""
        kept = copy.copy(prepared)
        kept.doc = replace(prepared.doc, title="", text="", story_id=None)
        self._store(self.prepared, key, kept)

    def content_hash(self, key: bytes, doc: Doc) -> str:
        """`content_hash` of the doc's text (or title), computed once per content."""
        with self.lock:
            found = self.hashes.get(key)
        if found is None:
            found = content_hash(doc.text or doc.title or "")
            self._store(self.hashes, key, found)
        return found

    def _store(self, table: dict[bytes, _V], key: bytes, value: _V) -> None:
        if self.limit <= 0:
            return
        with self.lock:
            while len(table) >= self.limit:
                del table[next(iter(table))]
            table[key] = value


# An entry (shingles, sketch, evidence keys) is ~16 KB for a 3,000-character article: 10,000 entries, a
# three-day window of all nine editions, hold ~160 MB for the length of the run.
_CACHE = _PreparedCache(limit=10_000)


def forget_read_articles() -> None:
    """Empty the process's cache of read articles (benchmarks: each measure starts from a cold read)."""
    with _CACHE.lock:
        _CACHE.prepared.clear()
        _CACHE.hashes.clear()


def _prepare_all(docs: Iterable[Doc], cache: _PreparedCache | None = None) -> list[_Prepared]:
    # One process: with two workers the pickling of each article's features (~100 us) and the other
    # jobs sharing this VM's two cores made it slower (773 vs 615 us per article at n=40,000, load about 3).
    out: list[_Prepared] = []
    block: list[tuple[int, str]] = []  # (position in out, normalised text)
    missed: list[tuple[int, bytes]] = []  # (position in out, cache key) of the articles read here

    def flush() -> None:
        try:
            hashed = shingle_hashes_many([text for _, text in block])
        except Exception:  # find the bad record one by one, as if each were read alone
            hashed = None
        for n, (k, text) in enumerate(block):
            try:
                _sketch(out[k], shingle_hashes(text) if hashed is None else hashed[n])
            except Exception as exc:
                out[k] = _unreadable(out[k].doc, exc)
        block.clear()

    for doc in docs:
        if cache is not None:
            key = _doc_key(doc)
            hit = cache.get(key, doc)
            if hit is not None:
                out.append(hit)
                continue
            missed.append((len(out), key))
        try:
            read = _read(doc)
        except Exception as exc:
            out.append(_unreadable(doc, exc))
            continue
        block.append((len(out), read[1]))
        out.append(read[0])
        if len(block) >= _BLOCK:
            flush()
    flush()
    if cache is not None:
        for k, key in missed:
            cache.put(key, out[k])
    return out


def _within(a: _Prepared, b: _Prepared, window: timedelta) -> bool:
    # An article without a date cannot be ruled out by the window.
    if a.when is None or b.when is None:
        return True
    return abs(a.when - b.when) <= window


def _overlap(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> tuple[float, float]:
    """(containment in the smaller set, Jaccard) of two sorted unique hash arrays."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / min(a.size, b.size), inter / (a.size + b.size - inter)


def _near_duplicate(a: _Prepared, b: _Prepared) -> bool:
    if a.shingles.size < MIN_SHINGLES or b.shingles.size < MIN_SHINGLES:
        return False
    containment, jaccard = _overlap(a.shingles, b.shingles)
    return jaccard >= MIN_JACCARD or (containment >= MIN_CONTAINMENT and jaccard >= MIN_JACCARD_WITH_CONTAINMENT)


def _event_match(a: _Prepared, b: _Prepared, rare_a: AbstractSet[str], rare_b: AbstractSet[str]) -> bool:
    """Different reports of one event: shared rare figures and names, a shared quote or title."""
    shared = rare_a & rare_b
    if not shared:
        return False
    numbers = sum(1 for k in shared if k.startswith("n:"))
    names = sum(1 for k in shared if k.startswith("p:"))
    quotes = sum(1 for k in shared if k.startswith("q:"))
    links = sum(1 for k in shared if k.startswith("u:"))
    ratio = len(shared) / max(1, min(len(rare_a), len(rare_b)))
    titles = a.evidence.title_words & b.evidence.title_words
    title_ratio = len(titles) / max(1, min(len(a.evidence.title_words), len(b.evidence.title_words)))
    same_family = a.family is not None and a.family == b.family and a.doc.source != b.doc.source
    if same_family and a.when is not None and b.when is not None and abs(a.when - b.when) <= TRANSLATION_WINDOW:
        # Editions of one outlet in several languages publish the same
        # dispatch within hours: figures and Latin-script names survive the
        # translation while the wording does not.
        if (numbers >= 2 and numbers + names >= 3 and ratio >= 0.4) or (numbers + names >= 4 and ratio >= 0.5):
            return True
    if not (numbers + names + quotes + links >= 3 or (links and numbers + names + quotes >= 2)):
        return False
    # Two texts quoting one sentence share its figures and names too; an
    # account of the same event also shares its headline or more of its text.
    containment, _ = _overlap(a.shingles, b.shingles)
    supported = containment >= 0.2 or (len(titles) >= 2 and title_ratio >= 0.5) or ratio >= 0.5
    if not supported:
        return False
    if links or quotes:
        return True
    if numbers >= 2 and names >= 2 and ratio >= 0.3:
        return True
    return len(titles) >= 3 and title_ratio >= 0.5 and ratio >= 0.2
    return False


def _editions(a: _Prepared, b: _Prepared) -> bool:
    """Could these be one outlet's editions of one dispatch in two languages (not yet looking at content)?

    An unknown outlet or date cannot rule a pair out (`veille dedup` may get neither): the content must
    then carry more (see `_translation_match`).
    """
    if a.family is not None and b.family is not None and (a.family != b.family or a.doc.source == b.doc.source):
        return False
    if a.language is None or b.language is None or a.language == b.language:
        return False
    if a.when is not None and b.when is not None and abs(a.when - b.when) > TRANSLATION_WINDOW:
        return False
    if min(a.sentences, b.sentences) < 2 or min(a.length, b.length) <= 0:
        return False
    if min(a.sentences, b.sentences) / max(a.sentences, b.sentences) < MIN_SENTENCE_RATIO:
        return False
    return max(a.length, b.length) / min(a.length, b.length) <= MAX_LENGTH_RATIO


def _translation_match(a: _Prepared, b: _Prepared, shared: AbstractSet[str]) -> bool:
    """One outlet's editions of one dispatch: dated within a day, same shape, rare features in common.

    Figures, links, entities of the lexicon and name skeletons survive translation (`pipeline.translation`);
    one shared rare figure is enough when the two texts also have the same number of sentences and a
    matching length, which reports of other events by the same outlet on the same day seldom do. Dated
    editions of a known outlet may instead share enough rare words (`pipeline.translation_gloss.agree`).
    """
    if not _editions(a, b):
        return False
    # a country or city of the lexicon is shared by many unrelated stories of a day: two count as one
    # figure or name (a city and a figure in common linked an energy story to a cost-of-living one)
    useful = sum(0.5 if k[:2] == "c:" else 1.0 for k in shared if k[:2] in _TRANSLATION_KINDS)
    shortest = min(a.sentences, b.sentences)
    # a longer dispatch carries more figures and names, so its translation must share more of them
    needed = max(2, shortest // SENTENCES_PER_FEATURE)
    if a.family is None or b.family is None or a.when is None or b.when is None:
        # without the outlet and the day, two articles in two languages on one subject share more by chance
        return useful >= needed + 1
    # their words, glossed to shared keys (only dated articles of an outlet have them)
    if useful >= needed or agree(a.gloss_rare, b.gloss_rare):
        return True
    # alone, a place or person name is too common on one day (Texas, Obama); a rare figure is not
    figures = sum(1 for k in shared if k[:2] in ("n:", "q:", "u:"))
    return useful == figures == 1 and a.sentences == b.sentences and shortest <= SENTENCES_PER_FEATURE


def _lsh_candidates(prepared: Sequence[_Prepared], n_queries: int,
                    window: timedelta | None = None) -> list[tuple[int, int]]:
    """Pairs (i < j), i a query, whose MinHash sketches agree on every row of at least one band, and
    (given a `window`) whose dates may be within it.

    The banding of datasketch's MinHashLSH, done on the whole sketch matrix with numpy: inserting
    100k sketches one band at a time into Python dicts was most of the time to cluster 100k articles.
    """
    index = [i for i, p in enumerate(prepared) if p.minhash is not None]
    if len(index) < 2:
        return []
    ids = np.array(index, dtype=np.int64)
    matrix = np.stack([prepared[i].minhash for i in index]).astype(np.uint64)  # type: ignore[misc]
    bands, rows = LSH_BANDS
    codes = []
    for band in range(bands):
        block = matrix[:, band * rows:(band + 1) * rows]
        key = block[:, 0].copy()
        with np.errstate(over="ignore"):
            for r in range(1, rows):
                key = key * np.uint64(0x100000001B3) ^ block[:, r]
        # a key collision across different rows only adds a candidate to verify
        codes.append(pairs_in_groups(key, ids, n_queries))
    pairs = unique_counts(np.concatenate(codes))[0]
    if window is not None:
        # Articles sharing sentences with many others make candidates grow with the square of the
        # collection, and most lie weeks apart: those are dropped here, in numpy, before the Python
        # checks. A second of slack keeps float rounding from dropping a pair `_within` would keep.
        when = np.array([_seconds(p) for p in prepared], dtype=np.float64)
        gap = np.abs(when[pairs // BIG] - when[pairs % BIG])
        pairs = pairs[np.isnan(gap) | (gap <= window.total_seconds() + 1.0)]
    return decode_pairs(pairs)


def _rare_keys(prepared: Sequence[_Prepared]) -> list[frozenset[str]]:
    """Each article's evidence features that are rare in the collection at hand (and, in `gloss_rare`,
    its rare gloss keys)."""
    keys = [p.evidence.keys() for p in prepared]
    df = Counter(chain.from_iterable(keys))
    # A feature in more than about 1% of articles (at least 5, at most 30)
    # is background: a country, a ministry, a round figure.
    cap = max(5, min(30, len(prepared) // 100))
    # one set difference per article runs in C, where a test per feature ran in Python
    common = {k for k, count in df.items() if count > cap}
    sizes = np.array([p.gloss.size for p in prepared], dtype=np.int64)
    if sizes.any():
        # the same cap for gloss keys (common words of the day), counted with numpy over all articles
        flat = np.concatenate([p.gloss for p in prepared])
        values, counts = unique_counts(flat)
        rare_entry = ~np.isin(flat, values[counts > cap])
        owner = np.repeat(np.arange(len(prepared)), sizes)[rare_entry]
        parts = np.split(flat[rare_entry], np.cumsum(np.bincount(owner, minlength=len(prepared)))[:-1])
        for p, part, size in zip(prepared, parts, sizes.tolist(), strict=True):
            if size:
                p.gloss_rare = part
    return [ks - common for ks in keys]


def _seconds(p: _Prepared) -> float:
    return p.when.timestamp() if p.when is not None else math.nan


def _evidence_candidates(prepared: Sequence[_Prepared], rare: Sequence[AbstractSet[str]], n_queries: int,
                         window: timedelta) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pairs that may be one event (two shared rare event features, inside the window) and pairs that
    may be editions of one dispatch (one shared rare feature or `MIN_SHARED` rare gloss keys, `_editions`
    necessary conditions), both filtered with numpy so that the per-pair rules run on few pairs."""
    key_ids: dict[str, int] = {}
    kinds: list[bool] = []
    entry_key: list[int] = []
    entry_doc: list[int] = []
    for i, ks in enumerate(rare):
        for k in ks:
            kid = key_ids.get(k)
            if kid is None:
                kid = key_ids[k] = len(key_ids)
                kinds.append(k[:2] in _EVENT_KINDS)
            entry_key.append(kid)
            entry_doc.append(i)
    keys, docs = np.array(entry_key, dtype=np.int64), np.array(entry_doc, dtype=np.int64)
    is_event = np.array(kinds, dtype=bool)
    all_codes = pairs_in_groups(keys, docs, n_queries)
    event_mask = is_event[keys] if keys.size else np.zeros(0, dtype=bool)
    event_codes = pairs_in_groups(keys[event_mask], docs[event_mask], n_queries)
    when = np.array([_seconds(p) for p in prepared], dtype=np.float64)

    def inside(codes: npt.NDArray[np.int64], limit: float) -> npt.NDArray[np.bool_]:
        gap = np.abs(when[codes // BIG] - when[codes % BIG])
        return np.asarray(np.isnan(gap) | (gap <= limit), dtype=np.bool_)

    shared_twice, counts = unique_counts(event_codes)
    event = shared_twice[counts >= 2]
    event = event[inside(event, window.total_seconds())]

    pairs = np.union1d(unique_counts(all_codes)[0], _gloss_pairs(prepared, n_queries))
    pairs = pairs[inside(pairs, TRANSLATION_WINDOW.total_seconds())]
    sentences = np.array([p.sentences for p in prepared], dtype=np.float64)
    length = np.array([p.length for p in prepared], dtype=np.float64)
    first, second = pairs // BIG, pairs % BIG
    with np.errstate(divide="ignore", invalid="ignore"):
        shaped = ((np.minimum(sentences[first], sentences[second]) >= 2)
                  & (np.minimum(sentences[first], sentences[second]) / np.maximum(sentences[first], sentences[second])
                     >= MIN_SENTENCE_RATIO)
                  & (np.minimum(length[first], length[second]) > 0)
                  & (np.maximum(length[first], length[second]) / np.minimum(length[first], length[second]) <= MAX_LENGTH_RATIO))
    return decode_pairs(event), decode_pairs(pairs[shaped])


def _gloss_pairs(prepared: Sequence[_Prepared], n_queries: int) -> npt.NDArray[np.int64]:
    """Codes of the pairs of one outlet's articles in two languages sharing `MIN_SHARED` rare gloss keys.

    Editions whose only common ground is their words (no rare name or figure) become candidates here;
    a key is paired within its outlet only (the outlet's number above the key's 32 bits).
    """
    sizes = np.array([p.gloss_rare.size for p in prepared], dtype=np.int64)
    if not sizes.any():
        return np.zeros(0, dtype=np.int64)
    outlets: dict[str | None, int] = {}
    languages: dict[str | None, int] = {}
    outlet = np.array([outlets.setdefault(p.family, len(outlets)) for p in prepared], dtype=np.int64)
    language = np.array([languages.setdefault(p.language, len(languages)) for p in prepared], dtype=np.int64)
    owner = np.repeat(np.arange(len(prepared), dtype=np.int64), sizes)
    flat = np.concatenate([p.gloss_rare for p in prepared]).astype(np.int64)
    codes, shared = unique_counts(pairs_in_groups((outlet[owner] << 32) | flat, owner, n_queries))
    codes = codes[shared >= MIN_SHARED]
    across: npt.NDArray[np.int64] = codes[language[codes // BIG] != language[codes % BIG]]
    return across


def _links(prepared: Sequence[_Prepared], n_queries: int, window: timedelta) -> set[tuple[int, int]]:
    """Pairs (i < j) that belong to one story, i among the first `n_queries` articles (the ones asked about)."""
    found: set[tuple[int, int]] = set()

    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        if p.exact is not None:
            by_hash[p.exact].append(i)
    for members in by_hash.values():
        if len(members) > 1:
            found.update((i, j) for k, i in enumerate(members) if i < n_queries for j in members[k + 1:])

    for i, j in _lsh_candidates(prepared, n_queries, window):
        p = prepared[i]
        if (i, j) not in found and _within(p, prepared[j], window) and _near_duplicate(p, prepared[j]):
            found.add((i, j))

    rare = _rare_keys(prepared)
    event, editions = _evidence_candidates(prepared, rare, n_queries, window)
    # the event features of the few articles in candidate pairs, not of every article
    event_rare: dict[int, set[str]] = {}

    def event_keys(i: int) -> set[str]:
        found_keys = event_rare.get(i)
        if found_keys is None:
            found_keys = event_rare[i] = {k for k in rare[i] if k[:2] in _EVENT_KINDS}
        return found_keys

    for i, j in event:
        if (i, j) not in found and _event_match(prepared[i], prepared[j], event_keys(i), event_keys(j)):
            found.add((i, j))
    for i, j in editions:
        if (i, j) not in found and _translation_match(prepared[i], prepared[j], rare[i] & rare[j]):
            found.add((i, j))
    return found


def _sort_key(p: _Prepared) -> tuple[bool, datetime, str]:
    return (p.when is None, p.when or datetime.max.replace(tzinfo=UTC), p.doc.id)


def _story_of_first(members: Iterable[_Prepared]) -> str:
    return "st-" + min(members, key=_sort_key).doc.id


def dedup(docs: Sequence[Doc], window_days: int = 3) -> dict[str, str]:
    """Group articles into stories from their content alone: equal story ids mean the same story."""
    prepared = _prepare_all(docs)
    window = timedelta(days=window_days)
    union = UnionFind(len(prepared))
    for i, j in _links(prepared, len(prepared), window):
        union.union(i, j)
    groups: dict[int, list[_Prepared]] = defaultdict(list)
    for i, p in enumerate(prepared):
        groups[union.find(i)].append(p)
    out: dict[str, str] = {}
    for members in groups.values():
        story = _story_of_first(members)
        for p in members:
            out[p.doc.id] = story
    return out


def _relevant(existing: Sequence[Doc], new: Sequence[Doc], window: timedelta) -> list[Doc]:
    """Existing articles that could match a new one: inside the window of some new article, or undated."""
    dates = sorted(d for d in (parse_published(n.published) for n in new) if d is not None)
    if not dates or len(dates) < len(new):
        return list(existing)
    lo, hi = dates[0] - window, dates[-1] + window
    keep = []
    for doc in existing:
        when = parse_published(doc.published)
        if when is None or lo <= when <= hi:
            keep.append(doc)
    return keep


def assign_stories(existing: Sequence[Doc], new: Sequence[Doc], window_days: int = 3) -> dict[str, str]:
    """Story ids for the new articles; existing stories keep their ids and absorb matching new articles.

    Existing articles without a `story_id` are grouped like new ones and their ids are returned too.
    """
    window = timedelta(days=window_days)
    assigned = [d for d in existing if d.story_id]
    pending = [d for d in existing if not d.story_id] + list(new)
    # Exact copies join whatever their date, so the date filter keeps every
    # existing article whose text hash matches a new one.
    # Hashes and features come from the process's cache (`_PreparedCache`): the loads of one run
    # share most of their story window.
    new_hashes = {_CACHE.content_hash(_doc_key(d), d) for d in pending}
    candidates = _relevant(assigned, pending, window)
    kept = {id(d) for d in candidates}
    candidates += [d for d in assigned
                   if id(d) not in kept and _CACHE.content_hash(_doc_key(d), d) in new_hashes]

    prepared = _prepare_all(pending + candidates, _CACHE)
    n_pending = len(pending)
    union = UnionFind(len(prepared))
    links = _links(prepared, n_pending, window)
    for i, j in links:
        if j < n_pending:
            union.union(i, j)
    # New articles that match each other form a group; the group then joins
    # the existing story it touches (the earliest-started one if several).
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n_pending):
        groups[union.find(i)].append(i)
    touching: dict[int, list[_Prepared]] = defaultdict(list)
    for i, j in links:
        if j >= n_pending:
            touching[union.find(i)].append(prepared[j])

    out: dict[str, str] = {}
    for root, members in groups.items():
        hits = touching.get(root)
        if hits:
            story_id = min(hits, key=_sort_key).doc.story_id or ""
        else:
            story_id = _story_of_first(prepared[i] for i in members)
        for i in members:
            out[prepared[i].doc.id] = story_id
    return out


def story_pairs(stories: dict[str, str]) -> set[tuple[str, str]]:
    """All unordered pairs of article ids that share a story (for scoring)."""
    by_story: dict[str, list[str]] = defaultdict(list)
    for doc_id, story in stories.items():
        by_story[story].append(doc_id)
    pairs: set[tuple[str, str]] = set()
    for members in by_story.values():
        members.sort()
        if len(members) > 1 and math.comb(len(members), 2) <= 5_000_000:
            pairs.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    return pairs
