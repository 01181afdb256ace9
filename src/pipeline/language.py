"""Language of a text: script rules, langdetect on long text, lingua and word evidence on short text, edition priors."""

from __future__ import annotations

import math
import random
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable
from itertools import chain
from typing import Any

import numpy as np

from pipeline.language_words import (
    declared_margin,
    frequency_log_likelihoods,
    log_likelihoods,
    vocabulary,
    words,
)

# langdetect is ~98% right on sentences but weak under ~100 letters; lingua is much better
# there, so short text goes to lingua (blended with langdetect up to LONG_TEXT letters).
LONG_TEXT = 200          # letters from which langdetect alone is trusted when it is confident
SHORT_TEXT = 60          # letters under which lingua alone is asked (titles, snippets)
# The opening of an article gives the same answer as all of it: on 550 MasakhaNEWS articles and 2,320
# six-sentence SIB-200 passages (train, all languages) 400 to 2,000 characters and 1 or 3 trials all scored
# 1.0000, and alike on dev (0.9990); 600 characters and 1 trial cost 0.2 ms an article where 2,000 and 3
# cost 0.43 ms (bench/bench_processing.py pages), leaving room for a dateline or a quote in another language.
SAMPLE_CHARS = 600
LONG_TRIALS = 1          # langdetect trials on long text (bench_language --long-trials)
_LINGUA_WEIGHT = 0.9     # lingua's share between SHORT_TEXT and LONG_TEXT (0.8-1.0 tried on SIB-200 train)
_FLOOR = 1e-4            # a language a detector rules out can still win on strong word evidence
_WORD_WEIGHT = 0.6       # word log-likelihoods against detector log-probabilities (2-fold CV, SIB-200 train)
_WORD_CAP = 5            # words counted in full; beyond, the evidence is averaged
# The general frequency table's share beside the SIB-200 word counts. On SIB-200 train and MasakhaNEWS
# fewshot_50 snippets (the nine goal languages): 0.960 without it, 0.964 at 0.3, 0.963 at 0.5, 0.962 at 1.0.
_FREQUENCY_WEIGHT = 0.3
# Long text in the edition's declared language needs no detector when its words say that language by
# this many nats (a likelihood ratio of e^30) over every other language the frequency table lists, its
# rivals included (Catalan for a Spanish edition, Macedonian for a Russian one). On the long train texts
# (six-sentence SIB-200 passages in the 15 listed languages of its 20, and 550 MasakhaNEWS articles) the
# true language's margin was 44.9 at least and its median 250-600; langdetect's n-gram pass, which this
# skips, was most of the time detection took on an article.
_CONFIRM_MARGIN = 30.0
# Base rate: the monitored editions publish in these languages (the goal list), so an
# ambiguous snippet is more likely one of them than Swahili or Indonesian. exp(0.5) = 1.6x;
# cross-validated on SIB-200 train: +0.5 point on these nine, -0.1 point over all 20 languages.
_PUBLISHED = frozenset({"fr", "en", "zh", "ru", "ar", "es", "de", "pt", "it"})
_PUBLISHED_BONUS = 0.5
# log bonuses: the edition's declared language beats a detector preference of up to ~4.5x
# (twice that under 30 letters), <html lang> up to ~2.2x; a clear detection still wins
_PRIOR_BONUS = 1.5
_HTML_LANG_BONUS = 0.8

# Languages the monitored editions publish in, plus their usual neighbours (which a
# detector must be able to name to avoid calling them something else). Han, Kana and
# Hangul never reach lingua: the script decides.
_LINGUA_CODES = ("EN", "FR", "ES", "PT", "DE", "IT", "NL", "PL", "RO", "CS", "SV", "DA", "TR", "VI", "ID", "SW",
                 "RU", "UK", "BG", "SR", "KK", "AR", "FA", "UR", "HI", "EL", "HE")
_CANDIDATES = frozenset(c.lower() for c in _LINGUA_CODES)
_SCRIPT_BOUND = frozenset({"zh", "ja", "ko"})
_CYRILLIC = frozenset({"ru", "uk", "bg", "sr", "kk"})
_ARABIC = frozenset({"ar", "fa", "ur"})
# letters found in some Cyrillic alphabets only (standard orthographies); Kazakh also writes
# і, ы and э, but never without its own letters
_KAZAKH_LETTERS = frozenset("әғқңөұүһ")
_SERBIAN_LETTERS = frozenset("ђјљњћџ")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_RUSSIAN_LETTERS = frozenset("ыэё")
_URDU_LETTERS = frozenset("ٹڈڑںےہ")        # retroflex letters, noon ghunna, bari ye, heh goal
_PERSIAN_LETTERS = frozenset("پچژگکی")      # also Urdu, never Arabic
_ARABIC_ONLY_LETTERS = frozenset("ةيكى")     # Persian and Urdu write ی and ک instead
_VIETNAMESE_LETTERS = frozenset("ơưĩũƠƯĨŨ")  # ĩ, ũ: tilde vowels only Vietnamese writes

_lock = threading.Lock()
_lingua: Any = None
_langdetect_ready = False

# Memo tables of the langdetect replay below; they only ever hold pure functions' results.
_CACHE_MAX = 50_000
_NORMALIZE: dict[int, str] = {}
_NORMALIZED_SEEN: set[str] = set()
_SCRIPTS: dict[str, str | None] = {}
_SPACES = re.compile(" {2,}")
_WORD_KEYS = re.compile("[^ ]+ ?")
_BASIC_LATIN_LETTERS = re.compile("[A-z]")      # langdetect's 'A' <= ch <= 'z' (the six signs between too)
_FROM_COMBINING = re.compile("[\u0300-\U0010ffff]")


class _Profiles:
    """The profile vectors of the n-grams met so far as rows of one matrix, and each word's n-gram rows.

    A text's draws then index one matrix instead of turning 55-float lists into
    arrays one n-gram at a time. The matrix grows by copying, so an array handed
    out earlier stays valid while rows are added.
    """

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.words: dict[str, list[int]] = {}
        self.matrix: Any = None

    def row(self, gram: str, known: dict[str, list[float]]) -> int:
        """The matrix row of one profile n-gram, added on first sight."""
        found = self.rows.get(gram)
        if found is None:
            found = self.rows[gram] = len(self.rows)
            if self.matrix is None or found >= len(self.matrix):
                # never more rows than the profiles hold (87,598 n-grams x 55 languages at most)
                size = min(max(1024, 2 * found), len(known))
                grown = np.empty((size, len(known[gram])), dtype=np.float64)
                if self.matrix is not None:
                    grown[:found] = self.matrix[:found]
                self.matrix = grown
            self.matrix[found] = known[gram]
        return found


_profiles = _Profiles()
_profiles_lock = threading.Lock()


def _script_of(ch: str) -> str | None:
    """A coarse script name for one letter, from its Unicode name (cheap and dependency-free)."""
    code = ord(ch)
    if code < 0x250:
        return "latin"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "kana"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF:
        return "han"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0370 <= code <= 0x03FF:
        return "greek"
    if 0x0590 <= code <= 0x05FF:
        return "hebrew"
    if 0x0900 <= code <= 0x097F:
        return "devanagari"
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if 0x0250 <= code < 0x0370 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    return unicodedata.name(ch, "other").split(" ")[0].lower()


def scripts(text: str) -> Counter[str]:
    """Letters per script in `text`."""
    # count characters first (in C), then look each distinct one up once; scripts keep first-seen order
    out: Counter[str] = Counter()
    for ch, n in Counter(text).items():
        if ch.isalpha():
            script = _SCRIPTS.get(ch, "")
            if script == "":
                script = _SCRIPTS[ch] = _script_of(ch)
            if script is not None:
                out[script] += n
    return out


# Scripts that name one language on their own (for the languages we meet).
_SCRIPT_LANG = {"hangul": "ko", "greek": "el", "hebrew": "he", "thai": "th", "georgian": "ka", "armenian": "hy"}


def _by_script(counts: Counter[str], letters: int) -> tuple[str, float] | None:
    cjk = counts["han"] + counts["kana"] + counts["hangul"]
    if cjk and cjk >= 0.3 * letters:
        # Japanese text is mostly kana with kanji; a few kana in Chinese come from quoted names
        if counts["kana"] >= 0.1 * cjk:
            return "ja", _length_conf(cjk * 3)
        if counts["hangul"] >= 0.3 * cjk:
            return "ko", _length_conf(cjk * 3)
        return "zh", _length_conf(cjk * 3)
    top, count = counts.most_common(1)[0]
    if top in _SCRIPT_LANG and count >= 0.5 * letters:
        return _SCRIPT_LANG[top], _length_conf(count)
    return None


def _length_conf(letters: int) -> float:
    """How much a short text can be trusted at best: 15 letters ~0.6, 60+ letters 0.99."""
    return round(min(0.99, 0.35 + letters / 60 * 0.64), 4)


def _ensure_langdetect() -> None:
    global _langdetect_ready
    if not _langdetect_ready:
        with _lock:
            from langdetect.detector_factory import init_factory
            init_factory()
            _langdetect_ready = True


def _normalized(text: str) -> str:
    """`text` with langdetect's per-character normalisation applied (NGram.normalize, memoised)."""
    from langdetect.utils.ngram import NGram

    for ch in set(text).difference(_NORMALIZED_SEEN):
        _NORMALIZE[ord(ch)] = NGram.normalize(ch)
        _NORMALIZED_SEEN.add(ch)
    return text.translate(_NORMALIZE)


def _appended(text: str, limit: int) -> str:
    """What Detector.append(text) leaves in an empty detector: URLs and e-mails out, runs of spaces as one."""
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    text = NGram.normalize_vi(Detector.MAIL_RE.sub(" ", Detector.URL_RE.sub(" ", text)))
    # append() cuts before it squeezes spaces, so the cut is taken first here too
    return _SPACES.sub(" ", text[:limit])


def _cleaned(text: str) -> str:
    """Detector.cleaning_text(): a text mostly in other scripts loses its A-z letters.

    langdetect compares unicode_block()'s number with a block name, so every
    character from U+0300 up counts as non-Latin (Vietnamese letters included).
    """
    latin = len(_BASIC_LATIN_LETTERS.findall(text))
    if latin * 2 < len(_FROM_COMBINING.findall(text)):
        return _BASIC_LATIN_LETTERS.sub("", text)
    return text


def _word_grams(key: str, known: dict[str, list[float]]) -> list[int]:
    """Profile rows of the n-grams langdetect's NGram buffer yields over one word (`key` ends in a space when one follows).

    The buffer restarts at every space, so a word's n-grams never depend on its
    neighbours: they are computed once per distinct word and reused.
    """
    padded = " " + key
    upper = list(map(str.isupper, padded))
    # at each position the 1-, 2- and 3-gram ending there (no 3-gram at the first letter); NGram.capitalword:
    # a letter after an upper-case letter that is upper-case itself (an acronym) yields nothing
    grams = [padded[1], padded[:2]] if len(padded) > 1 and not (upper[1] and upper[0]) else []
    grams += [w for j in range(2, len(padded)) if not (upper[j] and upper[j - 1])
              for w in (padded[j], padded[j - 1:j + 1], padded[j - 2:j + 1])]
    return [_profiles.row(w, known) for w in grams if w in known and w != " "]


def _ngrams(text: str, known: dict[str, list[float]]) -> list[int]:
    """Profile rows of exactly the n-grams langdetect's Detector._extract_ngrams() yields, word by word from a cache."""
    # each word with the space that follows it, if one does: the cache key, as the space adds an n-gram
    keys = _WORD_KEYS.findall(_normalized(text))
    with _profiles_lock:
        cache = _profiles.words
        missing = set(keys).difference(cache)
        if len(cache) + len(missing) > _CACHE_MAX:
            cache.clear()
            missing = set(keys)
        for key in missing:
            cache[key] = _word_grams(key, known)
        # lookups and concatenation in C: a text's words are mostly known after the first few hundred texts
        return list(chain.from_iterable(map(cache.__getitem__, keys)))


def _probabilities(detector: Any) -> list[Any]:
    """Detector.get_probabilities() with the same random draws and the same float operations, in numpy.

    langdetect's pure-Python loops (n-gram extraction per character, a 55-language
    update per draw) were most of veille's per-article cost; this replays its
    `_detect_block` step by step, so the probabilities are bit-for-bit the same
    (tests/test_language.py checks it against langdetect itself).
    """
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    rows = _ngrams(_cleaned(detector.text), detector.word_lang_prob_map)
    if not rows:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    matrix = _profiles.matrix
    langprob = np.zeros(len(detector.langlist), dtype=np.float64)
    start = np.array(detector._init_probability(), dtype=np.float64)
    block = np.empty((6, len(start)), dtype=np.float64)
    rnd = detector.random
    rnd.seed(detector.seed)
    draw = _drawer(rnd, rows)
    for _ in range(detector.n_trial):
        alpha = detector.alpha + rnd.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        prob = _trial(start, matrix, draw, alpha / detector.BASE_FREQ, block, detector)
        langprob += prob / detector.n_trial
    result: list[Any] = detector._sort_probability(langprob.tolist())
    return result


def _drawer(rnd: random.Random, rows: list[int]) -> Callable[[], int]:
    """random.choice(rows) as CPython's Random._randbelow_with_getrandbits does it, minus two calls per draw.

    The same bits give the same index; tests/test_language.py checks the replay against langdetect.
    """
    getrandbits = rnd.getrandbits
    n = len(rows)
    k = n.bit_length()

    def draw() -> int:
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return rows[r]

    return draw


def _trial(start: Any, matrix: Any, draw: Callable[[], int], weight: float, block: Any, detector: Any) -> Any:
    """One of langdetect's trials: draw until a language passes CONV_THRESHOLD or ITERATION_LIMIT draws.

    langdetect normalises after draw 0 and every fifth draw after it; the draws
    in between are independent of the probabilities, so they are taken together
    and multiplied in with one reduction (row by row, in draw order, as langdetect does).
    """
    prob = start.copy()
    i, step = 0, 1
    while True:
        picks = [draw() for _ in range(step)]
        block[0] = prob
        np.add(matrix[picks], weight, out=block[1:step + 1])
        prob = np.multiply.reduce(block[:step + 1], axis=0)
        values = prob.tolist()
        # the builtin sum adds left to right, as langdetect does (numpy's pairwise sum rounds differently)
        total = sum(values)
        if total == 0.0:
            raise ZeroDivisionError("float division by zero")
        prob /= total
        # division by a positive total keeps the order, so the top value is found before dividing
        if max(0.0, max(values) / total) > detector.CONV_THRESHOLD or i >= detector.ITERATION_LIMIT:
            return prob
        i, step = i + 5, 5


def _langdetect_probs(text: str, seed: int, trials: int | None = None) -> dict[str, float]:
    from langdetect import detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    _ensure_langdetect()
    factory = detector_factory._factory
    try:
        # the seed is read when a detector is created: same text, same seed, same answer
        factory.seed = seed
        detector = factory.create()
        if trials is not None:
            detector.n_trial = trials
        detector.text = _appended(text, detector.max_text_length)
        found = _probabilities(detector)
    except LangDetectException:
        return {}
    probs: dict[str, float] = {}
    for item in found:
        code = _iso(item.lang)
        probs[code] = probs.get(code, 0.0) + float(item.prob)
    return probs


def _lingua_detector() -> Any:
    global _lingua
    if _lingua is None:
        with _lock:
            if _lingua is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
                langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c)) for c in _LINGUA_CODES]
                # models load lazily per language, so only the scripts seen cost memory; the default
                # high-accuracy mode costs ~0.1 ms on a title, so there is no reason for the low one
                _lingua = LanguageDetectorBuilder.from_languages(*langs).build()
    return _lingua


# One call at a time: a daily run cleans pages in one thread per crawl, and Lingua's thread safety is not
# documented (its Rust side loads models lazily behind locks of its own, on a thread pool of its own). A call
# on a title takes ~0.1 ms, so the threads hardly wait; a Python lock lets go of the GIL while it waits.
_lingua_calls = threading.Lock()


def _lingua_probs(text: str) -> dict[str, float]:
    detector = _lingua_detector()
    with _lingua_calls:
        values = detector.compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values if v.value > 0}


def _iso(code: str) -> str:
    code = code.lower()
    return "zh" if code.startswith("zh") else code.split("-")[0]


def _base(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().replace("_", "-").lower()
    return _iso(code) if code else None


def _cyrillic_candidates(text: str) -> set[str]:
    """Cyrillic languages left possible by the letters present.

    Each of these letters belongs to some of the Cyrillic alphabets only. A text that mixes
    Russian-only and Ukrainian-only letters (a Russian article quoting "Київ") is left open.
    """
    present = set(text.lower())
    if present & _KAZAKH_LETTERS:
        return {"kk"}
    if present & _SERBIAN_LETTERS:
        return {"sr"}
    ukrainian, russian = bool(present & _UKRAINIAN_LETTERS), bool(present & _RUSSIAN_LETTERS)
    if ukrainian and not russian:
        return {"uk"}
    if russian and not ukrainian:
        return {"ru"}
    if "ъ" in present and not ukrainian:
        return {"ru", "bg"}
    return {"ru", "uk", "bg", "sr"}


def _candidates(counts: Counter[str], letters: int, sample: str) -> set[str]:
    """The languages a detector may answer for this text, narrowed by letters only some alphabets have."""
    if counts["cyrillic"] >= 0.5 * letters:
        return _cyrillic_candidates(sample)
    if counts["arabic"] >= 0.5 * letters:
        present = set(sample)
        out = set(_ARABIC)
        if not present & _URDU_LETTERS:
            out.discard("ur")
        if present & _PERSIAN_LETTERS and not present & _ARABIC_ONLY_LETTERS:
            out.discard("ar")
        return out
    if counts["latin"] >= 0.5 * letters:
        # ơ, ư, ĩ, ũ and the stacked tone marks (ạ, ế, ữ ...) are written in Vietnamese only; a share
        # rather than a presence, so that "Hồ Chí Minh" in a French text does not decide
        marked = sum(1 for ch in sample if ch in _VIETNAMESE_LETTERS or "\u1ea0" <= ch <= "\u1ef9")
        if marked >= 0.05 * letters:
            return {"vi"}
    return set(_CANDIDATES)


def _scores(probs: dict[str, float], candidates: set[str], sample: str, short: bool) -> dict[str, float]:
    """Log scores: detector probabilities, the published-language base rate, and word evidence on short text."""
    scores = {code: math.log(p + _FLOOR) + (_PUBLISHED_BONUS if code in _PUBLISHED else 0.0)
              for code, p in probs.items() if code in candidates}
    if short and scores:
        candidates_scored = frozenset(scores)
        evidence = log_likelihoods(sample, candidates_scored)
        general = frequency_log_likelihoods(sample, candidates_scored)
        if general:
            evidence = {code: evidence.get(code, 0.0) + _FREQUENCY_WEIGHT * general[code] for code in general}
        if evidence:
            known = sum(1 for w in words(sample) if w in vocabulary())
            # past a few words the character models know enough: the words stop adding up
            scale = _WORD_WEIGHT * min(1.0, _WORD_CAP / max(known, 1))
            for code in scores:
                scores[code] += scale * evidence[code]
    return scores


def detect(text: str, title: str = "", prior: str | None = None, html_lang: str | None = None,
           seed: int = 0) -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0..1); "und" or the prior with low confidence when there is too little text."""
    body = (text or "").strip()
    head = (title or "").strip()
    # the opening of an article says its language as well as the whole of it, and is bounded in time
    sample = f"{head}\n{body[:SAMPLE_CHARS]}".strip() if head else body[:SAMPLE_CHARS]
    prior_code, page_code = _base(prior), _base(html_lang)
    try:
        counts = scripts(sample)
        letters = sum(counts.values())
        if letters == 0:
            fallback = prior_code or page_code
            return (fallback, 0.1) if fallback else ("und", 0.0)
        found = _by_script(counts, letters)
        if found is not None:
            return found
        # letter rules matter where the detectors have little to go on; long text has enough
        candidates = _candidates(counts, letters, sample) if letters < LONG_TEXT else set(_CANDIDATES)
        if len(candidates) == 1:
            (only,) = candidates
            return only, _length_conf(letters)
        for hint in (prior_code, page_code):
            # a declared language outside the usual set is still a possible answer
            if hint is not None and hint not in _SCRIPT_BOUND:
                candidates.add(hint)
        if letters >= LONG_TEXT and prior_code is not None and page_code in (None, prior_code):
            margin = declared_margin(sample, prior_code)
            if margin is not None and margin >= _CONFIRM_MARGIN:
                return prior_code, 0.999
        if letters >= LONG_TEXT:
            probs = _langdetect_probs(sample, seed, LONG_TRIALS)
            if probs and max(probs.values()) >= 0.9:
                # langdetect is ~98% right on long text: a confident answer needs no second opinion
                code, p = max(probs.items(), key=lambda kv: kv[1])
                return code, round(min(p, 0.999), 4)
            blended = _blend(_lingua_probs(sample), probs, 0.5)
        elif letters >= SHORT_TEXT:
            blended = _blend(_lingua_probs(sample), _langdetect_probs(sample, seed), _LINGUA_WEIGHT)
        else:
            # on a title or snippet langdetect adds nothing lingua does not know (cross-validated on
            # SIB-200 train) and costs ~3 ms, 25 times lingua's time
            blended = _lingua_probs(sample)
        scores = _scores(blended, candidates, sample, letters < LONG_TEXT)
        if not scores:
            fallback = prior_code or page_code
            return (fallback, 0.1) if fallback else ("und", 0.0)
        # the edition's own language decides between near-equals, more so the shorter the text
        weight = 2.0 if letters < 30 else 1.0
        for hint, bonus in ((prior_code, _PRIOR_BONUS), (page_code, _HTML_LANG_BONUS)):
            if hint is not None and hint in scores:
                scores[hint] += bonus * weight
        code, best = max(scores.items(), key=lambda kv: kv[1])
        share = 1.0 / sum(math.exp(s - best) for s in scores.values())
        return code, round(min(share, _length_conf(letters), 0.999), 4)
    except Exception:  # noqa: BLE001 - detection must never break a batch; an unknown answer is honest
        return ("und", 0.0) if not prior_code else (prior_code, 0.1)


def _blend(lingua: dict[str, float], langdetect: dict[str, float], weight: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for code, p in lingua.items():
        out[code] = out.get(code, 0.0) + weight * p
    for code, p in langdetect.items():
        out[code] = out.get(code, 0.0) + (1 - weight) * p
    return out


def mismatch(detected: str, declared: str | None) -> bool:
    """True when a confident detection names another language than the edition declares."""
    want = _base(declared)
    got = _base(detected)
    if not want or not got or got == "und":
        return False
    return got != want
