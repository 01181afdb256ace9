"""Word evidence for short text: how often each common word occurs in each language.

Character n-gram detectors (langdetect, lingua) see "que a", "que la" and "que el" as a few
shared letters; the words themselves say Portuguese, French or Spanish. On 15-character
snippets those two or three function words are most of the evidence, so the detector's
scores are combined with a small word model: for every language, the counts of the
`TOP_WORDS` most frequent words of a training text (a union vocabulary across languages),
smoothed, as log-likelihoods.

The packaged table (`pipeline/data/language_words.json`) is built from the SIB-200 *train*
split (CC BY-SA 4.0, NLLB team / Adelani et al.), never from the dev split that
`veille eval language` reports on:

    .venv/bin/python -m pipeline.language_words ../shared/data/topics/sib200

Three hundred words of 700 sentences know the function words, not "theatre", "programme"
or "former". A second, general table (`pipeline/data/language_frequencies.npz`) holds the
`FREQUENT_WORDS` commonest words of each language the detector names, and of a few neighbours
it does not (`RIVAL_LANGUAGES`), with their frequencies from wordfreq 3.1.1 (books, subtitles,
Wikipedia, news and web text; data CC BY-SA 4.0): `frequency_log_likelihoods` scores short
text with it, and `declared_margin` tells whether a long text's words are plainly those of the
language its edition declares. wordfreq is needed only to rebuild it:

    pip install wordfreq==3.1.1 && .venv/bin/python -m pipeline.language_words --frequencies
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

DATA_FILE = "language_words.json"
FREQUENCY_FILE = "language_frequencies.npz"
# Per language: on SIB-200 train and MasakhaNEWS fewshot_50 snippets, 3,000 / 10,000 / all
# (~30,000) words scored 0.962 / 0.964 / 0.966 over the nine goal languages: 10,000 keep most of it
# in a 1 MB file.
FREQUENT_WORDS = 10_000
# wordfreq's "small" lists stop at Zipf 1 (once per 100 million words): an unlisted word is at most that
# frequent in the language
_ZIPF_FLOOR = 1.0
# the languages the detector can answer (pipeline.language) that wordfreq has a list for
FREQUENCY_LANGUAGES = ("ar", "bg", "cs", "da", "de", "el", "en", "es", "fa", "fr", "he", "hi", "id", "it", "nl",
                       "pl", "pt", "ro", "ru", "sv", "tr", "uk", "ur", "vi")
# Neighbours of those that short text is never scored for, but whose text must not pass for a neighbour's
# (Catalan for Spanish, Macedonian for Bulgarian or Russian, Norwegian for Danish, Slovak for Czech or
# Polish, Slovenian and Serbo-Croatian, Malay for Indonesian): listed only so that they can win
RIVAL_LANGUAGES = ("ca", "mk", "ms", "nb", "sh", "sk", "sl")
# 300 per language is where the list is still mostly function words and frequent news
# vocabulary; chosen by 2-fold cross-validation on the SIB-200 train split (100-1000 tried)
TOP_WORDS = 300
_ALPHA = 1.0            # add-one smoothing: a word unseen in a language is rare there, not impossible
_VOCAB_GUESS = 20_000   # the size of a language's everyday vocabulary, for the smoothing denominator
WORD = re.compile(r"[^\W\d_]+")

# SIB-200 folders and the ISO 639-1 code the detector answers with; Chinese, Japanese and
# Korean are decided by script and need no word table
SIB_FOLDERS = {"arb_Arab": "ar", "deu_Latn": "de", "eng_Latn": "en", "fra_Latn": "fr", "hin_Deva": "hi",
               "ita_Latn": "it", "nld_Latn": "nl", "pes_Arab": "fa", "pol_Latn": "pl", "por_Latn": "pt",
               "rus_Cyrl": "ru", "spa_Latn": "es", "tur_Latn": "tr", "ukr_Cyrl": "uk", "vie_Latn": "vi"}


def words(text: str) -> list[str]:
    """Lower-cased letter runs (apostrophes and hyphens split: l'eau -> l, eau)."""
    return [w.lower() for w in WORD.findall(text)]


def build(sib_dir: Path, top: int = TOP_WORDS) -> dict[str, object]:
    """The word table from `sib_dir/<folder>/train.tsv` (train split only)."""
    counts: dict[str, Counter[str]] = {}
    for folder, code in SIB_FOLDERS.items():
        with (sib_dir / folder / "train.tsv").open(encoding="utf-8", newline="") as handle:
            # SIB-200 text holds bare quotes: read it unquoted
            rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            counts[code] = Counter(w for row in rows for w in words(row["text"]))
    vocab = sorted({w for c in counts.values() for w, _ in c.most_common(top)})
    return {"source": "SIB-200 train split (CC BY-SA 4.0)", "top_words": top,
            "totals": {code: sum(c.values()) for code, c in counts.items()},
            "counts": {code: {w: c[w] for w in vocab if c[w]} for code, c in counts.items()},
            "vocabulary": vocab}


@lru_cache(maxsize=1)
def _table() -> tuple[frozenset[str], dict[str, dict[str, float]], dict[str, float]]:
    """(vocabulary, log P(word | language) for seen words, log P for an unseen word per language)."""
    raw = json.loads(resources.files("pipeline").joinpath("data", DATA_FILE).read_text(encoding="utf-8"))
    seen: dict[str, dict[str, float]] = {}
    unseen: dict[str, float] = {}
    for code, total in raw["totals"].items():
        denominator = total + _ALPHA * _VOCAB_GUESS
        seen[code] = {w: math.log((c + _ALPHA) / denominator) for w, c in raw["counts"][code].items()}
        unseen[code] = math.log(_ALPHA / denominator)
    return frozenset(raw["vocabulary"]), seen, unseen


def vocabulary() -> frozenset[str]:
    """The words the table knows."""
    return _table()[0]


@lru_cache(maxsize=4096)
def _prefix(start: str) -> dict[str, float] | None:
    """log P(a word begins with `start` | language) from the table's words; None when none of them does."""
    vocab, seen, unseen = _table()
    matching = [w for w in vocab if w.startswith(start)]
    if not matching:
        return None
    # the words' smoothed probabilities added up, less the smoothing each added beyond the first
    return {code: math.log(sum(math.exp(table.get(w, unseen[code])) for w in matching)
                           - (len(matching) - 1) * math.exp(unseen[code]))
            for code, table in seen.items()}


def _split_cut(text: str) -> tuple[list[str], str | None]:
    """The text's words, and apart the last one when the text ends on a letter (it may have been cut there)."""
    found = words(text)
    if found and text[-1:].isalpha():
        return found[:-1], found[-1]
    return found, None


def _with_neutral(scored: dict[str, float], languages: set[str] | frozenset[str]) -> dict[str, float]:
    """`scored` with the languages it lacks at the mean of the others (no evidence either way); {} if empty."""
    if not scored:
        return {}
    neutral = sum(scored.values()) / len(scored)
    return {code: scored.get(code, neutral) for code in languages}


def log_likelihoods(text: str, languages: set[str] | frozenset[str]) -> dict[str, float]:
    """Sum of log P(word | language) over the text's known words, for each of `languages`.

    A text that ends on a letter may have been cut there (a snippet, a truncated title): its last
    word counts as the start of a word ("ha" as has/have/had, not as the Italian word).
    Languages without a table get the mean of the others, i.e. no evidence either way;
    an empty dict when the text has none of the vocabulary's words.
    """
    vocab, seen, unseen = _table()
    found, cut = _split_cut(text)
    known = [w for w in found if w in vocab]
    prefix = _prefix(cut) if cut is not None else None
    if not known and prefix is None:
        return {}
    return _with_neutral({code: sum(seen[code].get(w, unseen[code]) for w in known) + (prefix[code] if prefix else 0.0)
                          for code in languages if code in seen}, languages)


def build_frequencies(top: int = FREQUENT_WORDS) -> dict[str, Any]:
    """The general table from wordfreq (imported here only: it is not needed to read the table).

    Saved as arrays (`numpy.savez_compressed`): the languages, the rivals, the words (UTF-8, one per
    line) and a words x languages matrix of deci-Zipf values, _UNLISTED where a language does not list
    the word. Deci-Zipf fits a byte, and a tenth of a Zipf unit is a 26% step in frequency, finer than
    the evidence needs; read as arrays, the table costs no parsing and no object per value.
    """
    from importlib.metadata import version

    import wordfreq  # type: ignore[import-not-found,unused-ignore]

    languages = tuple(sorted(FREQUENCY_LANGUAGES + RIVAL_LANGUAGES))
    rows: dict[str, int] = {}
    cells: list[tuple[int, int, int]] = []
    for column, code in enumerate(languages):
        for word in wordfreq.top_n_list(code, top, wordlist="small"):
            if WORD.fullmatch(word):
                row = rows.setdefault(word, len(rows))
                cells.append((row, column, round(wordfreq.zipf_frequency(word, code, wordlist="small") * 10)))
    matrix = np.full((len(rows), len(languages)), _UNLISTED, dtype=np.uint8)
    for row, column, value in cells:
        matrix[row, column] = max(value, _UNLISTED)
    return {"source": np.array(f"wordfreq {version('wordfreq')} 'small' lists, top {top} words per language "
                               "(data CC BY-SA 4.0)"),
            "languages": np.array(languages), "rivals": np.array(RIVAL_LANGUAGES),
            "words": np.frombuffer("\n".join(rows).encode("utf-8"), dtype=np.uint8), "decizipf": matrix}


@dataclass(frozen=True)
class _Frequencies:
    """The general table: a row per word, a column per language, deci-Zipf values.

    Words are found by their `hash()` in a sorted array (13 MB resident where a dict of the 229,000
    words took 45): this process's string hashes, computed when the table is read, 64 bits wide, so
    that a word outside the table matching one inside is a one-in-10^13 event per lookup.
    """

    languages: tuple[str, ...]
    answerable: frozenset[str]          # the languages scored for the detector (not the rivals)
    columns: dict[str, int]
    hashes: npt.NDArray[np.int64]       # the words' hashes, sorted
    order: npt.NDArray[np.intp]         # the matrix row of each sorted hash
    matrix: npt.NDArray[np.uint8]       # a row per word; _UNLISTED where a language does not list it

    def rows(self, found: list[str]) -> npt.NDArray[np.intp]:
        """The matrix rows of the listed words among `found`."""
        wanted = np.fromiter((hash(w) for w in found), dtype=np.int64, count=len(found))
        at = np.searchsorted(self.hashes, wanted)
        at[at >= len(self.hashes)] = 0
        rows: npt.NDArray[np.intp] = self.order[at[self.hashes[at] == wanted]]
        return rows


_LINE = re.compile(r"[^\n]+")   # one word of the table's word list


@lru_cache(maxsize=1)
def _frequencies() -> _Frequencies:
    """The general table, read on first use (~0.2 s; 13 MB resident, 16 MB at most while it is read)."""
    with resources.files("pipeline").joinpath("data", FREQUENCY_FILE).open("rb") as fh, \
            np.load(fh, allow_pickle=False) as saved:
        languages = tuple(str(c) for c in saved["languages"])
        rivals = {str(c) for c in saved["rivals"]}
        listed = bytes(saved["words"]).decode("utf-8")
        matrix = saved["decizipf"]
    # one word string at a time: a list of all of them doubled the memory the reading took
    hashes = np.fromiter((hash(m.group()) for m in _LINE.finditer(listed)), dtype=np.int64, count=len(matrix))
    order = np.argsort(hashes)
    return _Frequencies(languages, frozenset(c for c in languages if c not in rivals),
                        {code: n for n, code in enumerate(languages)}, hashes[order], order, matrix)


# Zipf z is log10 of a word's frequency per billion words: log P = ln(10) * (z - 9)
_LN10_DECI = math.log(10) / 10
_BILLION = 90   # 9 in deci-Zipf
_UNLISTED = round(_ZIPF_FLOOR * 10)


def _log_sums(found: list[str], table: _Frequencies) -> npt.NDArray[np.float64] | None:
    """Sum of log P(word | language) over `found`, per language of the table; None when none is listed."""
    listed = table.rows(found)
    if not len(listed):
        return None
    deci = table.matrix[listed].sum(axis=0, dtype=np.int64) + _UNLISTED * (len(found) - len(listed))
    sums: npt.NDArray[np.float64] = _LN10_DECI * (deci - _BILLION * len(found))
    return sums


def frequency_log_likelihoods(text: str, languages: set[str] | frozenset[str]) -> dict[str, float]:
    """Sum of log P(word | language) by the general table over the text's whole words.

    A last word the text may have been cut in is left out. Languages without a
    list get the mean of the others; an empty dict when no word of the text is listed anywhere.
    """
    table = _frequencies()
    # a word the text may have been cut in is left out: its frequency says nothing of the words it begins
    sums = _log_sums(_split_cut(text)[0], table)
    if sums is None:
        return {}
    return _with_neutral({code: float(sums[table.columns[code]]) for code in languages if code in table.answerable},
                         languages)


def declared_margin(text: str, code: str) -> float | None:
    """How much likelier the text's words are in `code` than in the likeliest other listed language.

    Every list counts here, the rivals' included. None when `code` has no list or no word of
    the text is listed.
    """
    table = _frequencies()
    column = table.columns.get(code)
    if column is None:
        return None
    sums = _log_sums(_split_cut(text)[0], table)
    if sums is None:
        return None
    others = np.delete(sums, column)
    return float(sums[column] - others.max())


def _write(name: str, table: dict[str, Any]) -> Path:
    out = Path(str(resources.files("pipeline"))) / "data" / name
    if name.endswith(".npz"):
        with out.open("wb") as fh:
            np.savez_compressed(fh, **table)
    else:
        out.write_text(json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                       encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Rebuild a packaged table: the word counts from a SIB-200 folder, or the general one from wordfreq."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--frequencies"]:
        try:
            table = build_frequencies()
        except ImportError:
            print("the general table is built from wordfreq: pip install wordfreq==3.1.1", file=sys.stderr)
            return 2
        out = _write(FREQUENCY_FILE, table)
        print(f"wrote {out} ({table['decizipf'].shape[0]} words x {table['decizipf'].shape[1]} languages)")
        return 0
    if len(args) != 1:
        print("usage: python -m pipeline.language_words SIB200_DIR | --frequencies", file=sys.stderr)
        return 2
    table = build(Path(args[0]))
    out = _write(DATA_FILE, table)
    print(f"wrote {out} ({len(table['vocabulary'])} words)")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
