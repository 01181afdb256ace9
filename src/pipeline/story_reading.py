"""Reading an article for story grouping: dates, exact hash, shingles, MinHash sketch, evidence, gloss keys.

What `pipeline.stories` compares is made here, once per article content: a
process-wide cache keeps what a run's earlier loads already read, and a daily
run keeps it in a file for the next (`keep_read_articles`, `restore_read_articles`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import multiprocessing
import os
import pickle
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from pipeline.cjk import HAN, HAN_COMPAT
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
from pipeline.translation_gloss import dictionary_stamp, gloss_codes, no_gloss

log = logging.getLogger("pipeline.stories")

NUM_PERM = 96
SEED = 7                # the sketches' seed (datasketch's MinHash(seed=...))
MIN_SHINGLES = 8
# Texts shorter than this (normalised) are too generic to call exact copies.
MIN_EXACT_CHARS = 40
# Only the head of long texts is shingled: it decides whether two texts are
# copies, and it bounds the cost per article.
MAX_SHINGLE_CHARS = 6000
MAX_EVIDENCE_CHARS = 8000
# A Chinese character carries about three Latin characters of meaning (a French text's Chinese
# translation is about a third as long): lengths are compared in Latin-equivalent characters.
CJK_CHAR_WEIGHT = 3.0
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# A run of sentence-ending marks before a space or the end, or one Chinese mark alone. Written to open
# with a character class so the regex engine skips to the next mark (4x faster than the alternation
# `[.!?。！？]+(?:\s|$)|[。！？]` it replaces, same matches).
_SENTENCE_END = re.compile(r"[.!?。！？](?:[.!?。！？]*(?:\s|$)|(?<=[。！？]))")
_CJK_CHAR = re.compile(f"[{HAN}{HAN_COMPAT}]")


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
    # `textnorm.content_hash(text)` when the caller has just computed it (the load does, for the row): not
    # computed again. Stored rows leave it unset, as their hash may predate a change of normalisation.
    content_hash: str | None = None

    @classmethod
    def from_stored(cls, row: Mapping[str, Any]) -> Doc:
        """A Doc from an `articles` row (`warehouse.recent_articles`); no story id when the row has none."""
        return cls(id=row["id"], title=row["title"] or "", text=row["text"] or "", url=row["url"],
                   source=row["source_id"], published=row["published"], language=row["language"],
                   story_id=row.get("story_id"))


@dataclass
class Prepared:
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
    # `content_hash(doc.text or doc.title)`, the row's content hash, taken from the normalised text reading
    # makes anyway ("" when the article could not be read)
    digest: str = ""


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


@functools.cache
def _permutations() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """datasketch's hash family: its default "affine32" scheme and its permutations for this seed.

    Drawn as datasketch 2.0's `MinHash._init_permutations` draws them (odd multipliers, then offsets,
    from `RandomState(seed)`); tests/test_stories.py checks the sketches equal datasketch's own. Not
    taken from datasketch at run time: importing it loads SciPy (0.48 s and ~43 MB), the largest cost
    of a daily run's first load.
    """
    draw = np.random.RandomState(SEED)
    a = draw.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def minhash_values(shingles: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The MinHash signature datasketch gives these shingle hashes (identity hash function, seed SEED)."""
    h = shingles.astype(np.uint32)
    with np.errstate(over="ignore"):
        # MurmurHash3's 32-bit finaliser, as datasketch pre-mixes inputs, then h -> a*h + b mod 2^32
        h = h ^ (h >> np.uint32(16))
        h = h * np.uint32(0x85EBCA6B)
        h = h ^ (h >> np.uint32(13))
        h = h * np.uint32(0xC2B2AE35)
        h = h ^ (h >> np.uint32(16))
        perm_a, perm_b = _permutations()
        hashed = h[:, None] * perm_a
        hashed += perm_b  # in place: one (shingles x permutations) array instead of two
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


def _read(doc: Doc) -> tuple[Prepared, str]:
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
    # the content hash of the body (of the title when there is no text, as the row's), without normalising
    # it a second time; a text of blanks alone hashes as empty, where grouping reads its title
    hashed = norm if text.strip() or not text else ""
    digest = hashlib.sha256(hashed.encode("utf-8")).hexdigest()
    exact = None
    if len(norm) >= MIN_EXACT_CHARS:
        exact = digest if hashed is norm else hashlib.sha256(norm.encode("utf-8")).hexdigest()
    evidence = extract_evidence(title, head, title_norm, head_norm)
    prepared = Prepared(doc, parse_published(doc.published), exact, _NO_SHINGLES, evidence,
                         outlet_family(doc.source), digest=digest)
    # ASCII text has no CJK character to count
    cjk = 0 if text.isascii() else len(_CJK_CHAR.findall(text))
    prepared.sentences = len(_SENTENCE_END.findall(text)) or (1 if text.strip() else 0)
    prepared.length = len(text) - text.count(" ") - cjk + CJK_CHAR_WEIGHT * cjk
    prepared.language = _language(doc, text)
    if prepared.family is not None and prepared.when is not None:
        # only an outlet's dated editions are compared word by word
        prepared.gloss = gloss_codes(head, head_norm, cjk > 0 and is_cjk_heavy(head))
    return prepared, norm[:MAX_SHINGLE_CHARS]


def _unreadable(doc: Doc, exc: Exception) -> Prepared:
    # one bad record must not stop the batch
    log.warning("story grouping: cannot read article %s: %s", doc.id, exc)
    return Prepared(doc, None, None, _NO_SHINGLES, extract_evidence("", ""), outlet_family(doc.source))


def _sketch(prepared: Prepared, shingles: npt.NDArray[np.uint32]) -> None:
    prepared.shingles = shingles
    if shingles.size >= MIN_SHINGLES:
        prepared.minhash = minhash_values(shingles)


# Articles whose shingles are hashed together (see `shingle_hashes_many`); their normalised texts are
# held only that long.
_BLOCK = 256
_V = TypeVar("_V")
# Every field a prepared article is made from: all but the story id, which may change between calls.
# The content hash is left out too: it is derived from the text.
_KEY_FIELDS = tuple(f.name for f in fields(Doc) if f.name not in ("story_id", "content_hash"))


def _doc_key(doc: Doc) -> bytes:
    # a digest of the content, not the id alone: an edited article must be read again. The date counts as
    # the instant reading takes from it: a new article's "2026-01-05T00:10:44+08:00" comes back from the
    # warehouse as "2026-01-04 16:36:32+00", and keyed as written, every article of a run's earlier loads
    # was read again by the next load (4,000 extra reads, ~2 s, in a five-source run of 1,000 each)
    # Each field goes to the hash as its type's tag, its length and its bytes (not the repr of the whole tuple,
    # which copied and escaped the text first: 14 -> 8 us an article, and a load keys its whole window).
    digest = hashlib.blake2b(digest_size=16)
    for name in _KEY_FIELDS:
        value = getattr(doc, name)
        if name == "published" and isinstance(value, str):
            value = parse_published(value)
        data = (value if isinstance(value, str) else repr(value)).encode("utf-8", "surrogatepass")
        digest.update(b"s" if isinstance(value, str) else b"r")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.digest()


def _with_doc(prepared: Prepared, doc: Doc) -> Prepared:
    """A shallow copy of `prepared` holding `doc`: its arrays and sets are shared, never changed in place."""
    # copy.copy goes through __reduce_ex__, 9 us an article; a load looks up its whole story window
    out = Prepared.__new__(Prepared)
    out.__dict__.update(prepared.__dict__)
    out.doc = doc
    return out


class PreparedCache:
    """Articles already read by earlier `assign_stories` calls of this process, by content digest.

    A daily run loads its sources one by one, and each load compares its new articles with the same
    story window: reading the window again was most of a load's story time. Preparation is a pure
    function of the digested fields, so a hit gives what reading would; the oldest entries go first.
    Entries are stored and handed out as shallow copies: what a call sets on its own articles later (the
    story id, the collection's rare keys) never reaches the cache.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.prepared: dict[bytes, Prepared] = {}
        self.hashes: dict[bytes, str] = {}
        self.lock = threading.Lock()

    def get(self, key: bytes, doc: Doc) -> Prepared | None:
        """The cached features with `doc` (and so its story id) in place of the cached one."""
        with self.lock:
            found = self.prepared.get(key)
        if found is None:
            return None
        return _with_doc(found, doc)

    def put(self, key: bytes, prepared: Prepared) -> None:
        """Keep `prepared` without its text (the doc is replaced on every hit)."""
        kept = _with_doc(prepared, replace(prepared.doc, title="", text="", story_id=None, content_hash=None))
        self._store(self.prepared, key, kept)

    def content_hash(self, key: bytes, doc: Doc) -> str:
        """`content_hash` of the doc's text (or title), computed once per content."""
        with self.lock:
            found = self.hashes.get(key)
            if found is None and key in self.prepared:
                found = self.prepared[key].digest or None
        if found is None:
            found = content_hash(doc.text or doc.title or "")
            self._store(self.hashes, key, found)
        return found

    def snapshot(self) -> tuple[dict[bytes, Prepared], dict[bytes, str]]:
        """Copies of what the cache holds, oldest first (what `fill` takes back)."""
        with self.lock:
            return dict(self.prepared), dict(self.hashes)

    def fill(self, prepared: Mapping[bytes, Prepared], hashes: Mapping[bytes, str]) -> None:
        """Add entries of a `snapshot`, in their order, within the limit."""
        for key, value in prepared.items():
            self._store(self.prepared, key, value)
        for key, digest in hashes.items():
            self._store(self.hashes, key, digest)

    def _store(self, table: dict[bytes, _V], key: bytes, value: _V) -> None:
        if self.limit <= 0:
            return
        with self.lock:
            while len(table) >= self.limit:
                del table[next(iter(table))]
            table[key] = value


# An entry (shingles, sketch, evidence keys) is ~16 KB for a 3,000-character article: 10,000 entries, a
# three-day window of all nine editions, hold ~160 MB for the length of the run.
_CACHE = PreparedCache(limit=10_000)


def cached_content_hash(doc: Doc) -> str:
    """`content_hash` of the doc's text (or title): as given, else from the process's cache when read before."""
    if doc.content_hash and doc.text:
        return doc.content_hash
    return _CACHE.content_hash(_doc_key(doc), doc)


def prepare_cached(docs: Iterable[Doc], workers: int = 1) -> list[Prepared]:
    """`prepare_all` through the process's cache of read articles."""
    return prepare_all(docs, _CACHE, workers)


# What decides an article's features: the reading code, the Unicode tables normalisation folds with, the
# Chinese dictionary (its package version) the gloss keys come from. A kept cache made under any other is not used.
_READING_MODULES = ("story_reading", "textnorm", "translation", "translation_gloss", "translation_lexicon", "cjk")
_KEPT_FORMAT = 3  # 3: Prepared.digest


@functools.cache
def _reading_fingerprint() -> str:
    digest = hashlib.sha256(f"{_KEPT_FORMAT} {sys.version_info[:2]} {unicodedata.unidata_version}".encode())
    here = Path(__file__).parent
    for name in _READING_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    digest.update(repr(dictionary_stamp()).encode())
    return digest.hexdigest()


def keep_read_articles(path: Path) -> int:
    """Write the process's cache of read articles to `path` (replacing it whole); how many articles.

    The next run's loads compare their articles with mostly the same story window: kept, its features are
    read back (~0.2 s for 5,000 articles) where reading the articles again took ~2 s. The file is a pickle,
    a cache of this process's own making like Python's bytecode files: whoever may write the work
    directory may already change the code that runs.
    """
    prepared, hashes = _CACHE.snapshot()
    kept = {"fingerprint": _reading_fingerprint(), "prepared": prepared, "hashes": hashes}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with partial.open("wb") as out:
            pickle.dump(kept, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # a reader sees the old file or the new one, never half of one
    finally:
        partial.unlink(missing_ok=True)
    return len(prepared)


def restore_read_articles(path: Path) -> int:
    """Fill the process's cache from a file `keep_read_articles` wrote; how many articles it gave.

    A missing, unreadable or foreign file (another version of the reading code) gives none: the articles
    are read again, as without it.
    """
    try:
        with path.open("rb") as kept_file:
            kept = pickle.load(kept_file)  # noqa: S301 - this process's own cache file (see keep_read_articles)
    except FileNotFoundError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a cache never fails the run
        log.warning("story grouping: kept features in %s unreadable (%s); articles are read again", path, exc)
        return 0
    if not isinstance(kept, dict) or kept.get("fingerprint") != _reading_fingerprint():
        log.info("story grouping: kept features in %s are of other reading code; articles are read again", path)
        return 0
    prepared = kept.get("prepared") or {}
    _CACHE.fill(prepared, kept.get("hashes") or {})
    return len(prepared)


# What reading one article leaves for the cache: its key, its features without the text, its content hash.
ReadArticle = tuple[bytes, Prepared, str]


def read_articles(docs: Sequence[Doc]) -> list[ReadArticle]:
    """Read articles where they were cleaned (a worker process), so that the process grouping them only links.

    Reading is per-article work, ~0.5 ms each; linking needs every article at once. `remember_read_articles`
    puts the result in the grouping process's cache, where `assign_stories` finds it.
    """
    out: list[ReadArticle] = []
    for doc, prepared in zip(docs, _read_serial(docs), strict=True):
        prepared.doc = replace(doc, title="", text="", story_id=None, content_hash=None)  # as the cache keeps it
        digest = doc.content_hash or prepared.digest or content_hash(doc.text or doc.title or "")
        out.append((_doc_key(doc), prepared, digest))
    return out


def read_and_remember(docs: Sequence[Doc]) -> list[str]:
    """Read articles and keep them in this process's cache, where the grouping that follows finds them read;
    their content hashes, which reading gives for free (the row stores them)."""
    read = read_articles(docs)
    remember_read_articles(read)
    return [digest for _, _, digest in read]


def remember_read_articles(read: Iterable[ReadArticle]) -> None:
    """Add what `read_articles` returned (in any process) to this process's cache of read articles."""
    read = list(read)
    _CACHE.fill({key: prepared for key, prepared, _ in read}, {key: digest for key, _, digest in read})


def forget_read_articles() -> None:
    """Empty the process's cache of read articles (benchmarks: each measure starts from a cold read)."""
    with _CACHE.lock:
        _CACHE.prepared.clear()
        _CACHE.hashes.clear()


def prepare_all(docs: Iterable[Doc], cache: PreparedCache | None = None, workers: int = 1) -> list[Prepared]:
    """The features of each doc, in order; read once per content when `cache` is given.

    With `workers` > 1 and at least PARALLEL_MIN articles to read, helper processes read part of them
    (see `_read_many`); the features are the same either way.
    """
    docs = list(docs)
    found: list[Prepared | None] = [None] * len(docs)
    missed: list[int] = []
    keys: list[bytes] = []  # the cache keys of the missed articles, in the same order
    for k, doc in enumerate(docs):
        if cache is not None:
            key = _doc_key(doc)
            hit = cache.get(key, doc)
            if hit is not None:
                found[k] = hit
                continue
            keys.append(key)
        missed.append(k)
    for k, prepared in zip(missed, _read_many([docs[k] for k in missed], workers), strict=True):
        found[k] = prepared
    out = [p for p in found if p is not None]
    if cache is not None:
        for k, key in zip(missed, keys, strict=True):
            cache.put(key, out[k])
    return out


def _read_serial(docs: Sequence[Doc]) -> list[Prepared]:
    """Read each doc in this process, hashing the shingles of _BLOCK articles at a time."""
    out: list[Prepared] = []
    block: list[tuple[int, str]] = []  # (position in out, normalised text)

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
    return out


# Reading is most of a large grouping's time (0.5-0.8 ms an article: ~78 s of the 88 s that `veille dedup`
# took on the bench's 100,000 articles in one process). Helper processes start fresh (a fork server: safe
# beside Prefect's threads) and import numpy and load CC-CEDICT first, 0.3-0.5 s, which a read of fewer
# articles than this does not win back.
PARALLEL_MIN = 4000
# Articles per task: small enough that this process and the helpers finish within a task of each other.
_CHUNK = 256


def _read_chunk(docs: list[Doc]) -> list[Prepared]:
    """A helper process's task: the features, with the docs' texts left out (the caller has them)."""
    out = _read_serial(docs)
    for prepared in out:
        prepared.doc = replace(prepared.doc, title="", text="")
    return out


def _read_many(docs: Sequence[Doc], workers: int) -> list[Prepared]:
    """`_read_serial(docs)`, with `workers - 1` helper processes reading from the end while this one reads
    from the front, so each ends when the other does whatever the machine's load."""
    # more processes than CPUs this process may run on would only take turns
    workers = min(workers, _usable_cpus())
    if workers <= 1 or len(docs) < PARALLEL_MIN:
        return _read_serial(docs)
    chunks = [list(docs[i:i + _CHUNK]) for i in range(0, len(docs), _CHUNK)]
    results: list[list[Prepared] | None] = [None] * len(chunks)
    try:
        pool = ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("forkserver"))
    except (OSError, ValueError) as exc:
        log.warning("story grouping: no helper process (%s); reading in this one", exc)
        return _read_serial(docs)
    with pool:
        front, back = 0, len(chunks)
        pending: dict[Future[list[Prepared]], int] = {}
        helping = True
        while front < back:
            # two tasks queued per helper, so none waits for this process between tasks
            while helping and len(pending) < 2 * (workers - 1) and front < back:
                try:
                    future = pool.submit(_read_chunk, chunks[back - 1])
                except Exception as exc:  # noqa: BLE001 - the pool broke (a helper died): read on here
                    log.warning("story grouping: no more help (%s); reading in this process", exc)
                    helping = False
                    break
                back -= 1
                pending[future] = back
            if front < back:
                results[front] = _read_serial(chunks[front])
                front += 1
            for future in [f for f in pending if f.done()]:
                results[pending.pop(future)] = _helper_result(future)
        for future in as_completed(list(pending)):
            results[pending.pop(future)] = _helper_result(future)
    out: list[Prepared] = []
    for chunk, read in zip(chunks, results, strict=True):
        if read is None:  # a helper died (out of memory, killed): this process reads its chunk
            read = _read_serial(chunk)
        else:
            for prepared, doc in zip(read, chunk, strict=True):
                prepared.doc = doc
        out.extend(read)
    return out


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _helper_result(future: Future[list[Prepared]]) -> list[Prepared] | None:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a lost helper costs time, not articles
        log.warning("story grouping: a helper process failed (%s); its articles are read here", exc)
        return None
