"""Stories: copies, near-duplicates, translations and reports of one event grouped under a stable id."""

from __future__ import annotations

import gc
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import chain

import numpy as np
import numpy.typing as npt

from pipeline.pairing import BIG, UnionFind, decode_pairs, pairs_in_groups, unique_counts
from pipeline.story_reading import (
    MIN_SHINGLES,
    Doc,
    Prepared,
    ReadArticle,
    cached_content_hash,
    forget_read_articles,
    outlet_family,
    parse_published,
    prepare_all,
    prepare_cached,
    read_and_remember,
    read_articles,
    remember_read_articles,
)
from pipeline.textnorm import content_hash, normalise_text
from pipeline.translation_gloss import MIN_SHARED, agree

__all__ = ["Doc", "assign_stories", "content_hash", "dedup", "forget_read_articles", "normalise_text", "outlet_family",
           "parse_published", "ReadArticle", "read_and_remember", "read_articles", "remember_read_articles",
           "story_pairs"]

log = logging.getLogger(__name__)

# 32 bands of 3 rows: pairs with Jaccard 0.5 become candidates 98.6% of the
# time, pairs at 0.1 (the top of unrelated same-language news) 3%.
LSH_BANDS = (32, 3)
# Near-duplicate: most of the shorter text's shingles are in the longer one.
# Unrelated BBC articles of one category peak at 0.45 containment.
MIN_CONTAINMENT = 0.6
MIN_JACCARD_WITH_CONTAINMENT = 0.3
MIN_JACCARD = 0.5
TRANSLATION_WINDOW = timedelta(days=1)
# Translations of one dispatch keep its sentences and length within these bounds.
MIN_SENTENCE_RATIO = 0.7
MAX_LENGTH_RATIO = 1.5
# A translation must share one rare figure or name per this many sentences (two at least).
SENTENCES_PER_FEATURE = 8
# Features that survive translation: figures, quotes, links, lexicon entities, name skeletons
# (a Latin name counts through its skeleton `k:`, never twice through `p:` as well).
_TRANSLATION_KINDS = ("n:", "q:", "u:", "c:", "k:")
_EVENT_KINDS = ("n:", "p:", "q:", "u:")
# Every way `_event_match` accepts a pair needs three shared rare event features (numbers + names +
# quotes + links >= 3, or an edition's numbers + names >= 3): pairs with fewer are dropped in numpy.
MIN_EVENT_SHARED = 3



def _within(a: Prepared, b: Prepared, window: timedelta) -> bool:
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


def _near_duplicate(a: Prepared, b: Prepared) -> bool:
    if a.shingles.size < MIN_SHINGLES or b.shingles.size < MIN_SHINGLES:
        return False
    containment, jaccard = _overlap(a.shingles, b.shingles)
    return jaccard >= MIN_JACCARD or (containment >= MIN_CONTAINMENT and jaccard >= MIN_JACCARD_WITH_CONTAINMENT)


def _event_match(a: Prepared, b: Prepared, rare_a: AbstractSet[str], rare_b: AbstractSet[str]) -> bool:
    """Different reports of one event: shared rare figures and names, a shared quote or title."""
    shared = rare_a & rare_b
    if len(shared) < MIN_EVENT_SHARED:
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


def _editions(a: Prepared, b: Prepared) -> bool:
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


def _translation_match(a: Prepared, b: Prepared, shared: AbstractSet[str]) -> bool:
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


def _lsh_candidates(prepared: Sequence[Prepared], n_queries: int, when: npt.NDArray[np.float64],
                    window: timedelta) -> list[tuple[int, int]]:
    """Pairs (i < j), i a query, whose MinHash sketches agree on every row of at least one band, and
    whose dates (`when`, see `_times`) may be within `window`.

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
    # Articles sharing sentences with many others make candidates grow with the square of the
    # collection, and most lie weeks apart: those are dropped here, in numpy, before the Python
    # checks. A second of slack keeps float rounding from dropping a pair `_within` would keep.
    return decode_pairs(pairs[_close_in_time(pairs, when, window.total_seconds() + 1.0)])


def _rare_keys(prepared: Sequence[Prepared]) -> list[frozenset[str]]:
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
        # each entry's count found by binary search in the sorted distinct values: np.isin against the
        # common ones sorted both arrays together again (3.5 s of the 10.5 s of linking 100k articles)
        rare_entry = counts[np.searchsorted(values, flat)] <= cap
        owner = np.repeat(np.arange(len(prepared)), sizes)[rare_entry]
        parts = np.split(flat[rare_entry], np.cumsum(np.bincount(owner, minlength=len(prepared)))[:-1])
        for p, part, size in zip(prepared, parts, sizes.tolist(), strict=True):
            if size:
                p.gloss_rare = part
    return [ks - common for ks in keys]


def _times(prepared: Sequence[Prepared]) -> npt.NDArray[np.float64]:
    """Each article's date in epoch seconds, NaN when it has none."""
    return np.array([p.when.timestamp() if p.when is not None else math.nan for p in prepared], dtype=np.float64)


def _close_in_time(codes: npt.NDArray[np.int64], when: npt.NDArray[np.float64], limit: float) -> npt.NDArray[np.bool_]:
    """Which pair codes join articles at most `limit` seconds apart (an undated article is never ruled out)."""
    gap = np.abs(when[codes // BIG] - when[codes % BIG])
    return np.asarray(np.isnan(gap) | (gap <= limit), dtype=np.bool_)


def _evidence_candidates(prepared: Sequence[Prepared], rare: Sequence[AbstractSet[str]], n_queries: int,
                         when: npt.NDArray[np.float64], window: timedelta
                         ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pairs that may be one event (`MIN_EVENT_SHARED` shared rare event features, inside the window) and
    pairs that may be editions of one dispatch (one shared rare feature or `MIN_SHARED` rare gloss keys,
    `_editions` necessary conditions), both filtered with numpy so that the per-pair rules run on few pairs."""
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
    shared, counts = unique_counts(event_codes)
    event = shared[counts >= MIN_EVENT_SHARED]
    event = event[_close_in_time(event, when, window.total_seconds())]

    pairs = np.union1d(unique_counts(all_codes)[0], _gloss_pairs(prepared, n_queries))
    pairs = pairs[_close_in_time(pairs, when, TRANSLATION_WINDOW.total_seconds())]
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


def _gloss_pairs(prepared: Sequence[Prepared], n_queries: int) -> npt.NDArray[np.int64]:
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


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while (as it was before, after).

    Linking makes a set or two per article and no reference cycles, yet those allocations set off
    collector passes over every article read: 20% of linking 30,000 articles (3.1 -> 2.5 s).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_cycle_collection_paused()
def _links(prepared: Sequence[Prepared], n_queries: int, window: timedelta) -> set[tuple[int, int]]:
    """Pairs (i < j) that belong to one story, i among the first `n_queries` articles (the ones asked about)."""
    found: set[tuple[int, int]] = set()

    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        if p.exact is not None:
            by_hash[p.exact].append(i)
    for members in by_hash.values():
        if len(members) > 1:
            found.update((i, j) for k, i in enumerate(members) if i < n_queries for j in members[k + 1:])

    when = _times(prepared)
    for i, j in _lsh_candidates(prepared, n_queries, when, window):
        p = prepared[i]
        if (i, j) not in found and _within(p, prepared[j], window) and _near_duplicate(p, prepared[j]):
            found.add((i, j))

    rare = _rare_keys(prepared)
    event, editions = _evidence_candidates(prepared, rare, n_queries, when, window)
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


def _sort_key(p: Prepared) -> tuple[bool, datetime, str]:
    return (p.when is None, p.when or datetime.max.replace(tzinfo=UTC), p.doc.id)


def _story_of_first(members: Iterable[Prepared]) -> str:
    return "st-" + min(members, key=_sort_key).doc.id


def dedup(docs: Sequence[Doc], window_days: int = 3, workers: int = 1) -> dict[str, str]:
    """Group articles into stories from their content alone: equal story ids mean the same story.

    `workers` > 1 lets helper processes read a large batch (`story_reading.prepare_all`); same stories.
    """
    prepared = prepare_all(docs, workers=workers)
    window = timedelta(days=window_days)
    union = UnionFind(len(prepared))
    for i, j in _links(prepared, len(prepared), window):
        union.union(i, j)
    groups: dict[int, list[Prepared]] = defaultdict(list)
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


def assign_stories(existing: Sequence[Doc], new: Sequence[Doc], window_days: int = 3,
                   workers: int = 1) -> dict[str, str]:
    """Story ids for the new articles; existing stories keep their ids and absorb matching new articles.

    Existing articles without a `story_id` are grouped like new ones and their ids are returned too.
    `workers` > 1 lets helper processes read what the cache does not hold, when that is a lot.
    """
    window = timedelta(days=window_days)
    assigned = [d for d in existing if d.story_id]
    pending = [d for d in existing if not d.story_id] + list(new)
    # Exact copies join whatever their date, so the date filter keeps every
    # existing article whose text hash matches a new one.
    # Hashes and features come from the process's cache (`PreparedCache`): the loads of one run
    # share most of their story window.
    new_hashes = {cached_content_hash(d) for d in pending}
    candidates = _relevant(assigned, pending, window)
    kept = {id(d) for d in candidates}
    candidates += [d for d in assigned
                   if id(d) not in kept and cached_content_hash(d) in new_hashes]

    prepared = prepare_cached(pending + candidates, workers)
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
    touching: dict[int, list[Prepared]] = defaultdict(list)
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
