"""Language accuracy per language and per length: veille's detect beside plain langdetect (seeded), same run.

Data: SIB-200 dev (short sentences, 20 languages; `sib200/<code>/dev.tsv`) and MasakhaNEWS dev (BBC
articles in English and French; `masakhanews/{eng,fra}/dev.tsv`). Length buckets: `headline`
(MasakhaNEWS headlines), `sentence` (SIB-200 sentences), `article` (MasakhaNEWS texts) and
`snippet15` (the first 15 characters of each sentence and article, where langdetect is weakest).
Both systems see the bare text: no edition prior, no `<html lang>`.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version as _version
from pathlib import Path
from typing import Any

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from pipeline.evaluation.scoring import header, write_json
from pipeline.language import detect

SIB = {"arb_Arab": "ar", "deu_Latn": "de", "eng_Latn": "en", "fra_Latn": "fr", "hin_Deva": "hi", "ita_Latn": "it",
       "jpn_Jpan": "ja", "kor_Hang": "ko", "nld_Latn": "nl", "pes_Arab": "fa", "pol_Latn": "pl", "por_Latn": "pt",
       "rus_Cyrl": "ru", "spa_Latn": "es", "tur_Latn": "tr", "ukr_Cyrl": "uk", "vie_Latn": "vi", "yue_Hant": "zh",
       "zho_Hans": "zh", "zho_Hant": "zh"}
MASAKHANEWS = {"eng": "en", "fra": "fr"}
# the languages the monitored editions publish in and their neighbours named in the goals
GOAL_LANGUAGES = ("fr", "en", "zh", "ru", "ar", "es", "de", "pt", "it")
BUCKETS = ("headline", "sentence", "article", "snippet15")
SNIPPET = 15
QUICK_ROWS = 6    # rows per file with --quick


@dataclass(frozen=True)
class Sample:
    """One text with its known language."""

    dataset: str
    language: str
    bucket: str
    text: str


def snippet(text: str) -> str:
    """The first 15 characters (whitespace collapsed): a title fragment or a search-result snippet."""
    return " ".join(text.split())[:SNIPPET].strip()


def _rows(path: Path, quick: bool, quoted: bool) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = (csv.DictReader(handle, delimiter="\t") if quoted
                  else csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        rows = list(reader)
    return rows[:QUICK_ROWS] if quick else rows


def samples(root: Path, quick: bool = False) -> list[Sample]:
    """Every labelled text under `root` (absent files are skipped)."""
    out: list[Sample] = []
    for folder, code in SIB.items():
        path = root / "sib200" / folder / "dev.tsv"
        if path.exists():
            # SIB-200 text holds bare quotes: read it unquoted (its README says both parse the same)
            for row in _rows(path, quick, quoted=False):
                out.append(Sample("sib200", code, "sentence", row["text"]))
                out.append(Sample("sib200", code, "snippet15", snippet(row["text"])))
    # MasakhaNEWS articles are quoted and span lines, and some are longer than csv's default field limit
    csv.field_size_limit(sys.maxsize)
    for folder, code in MASAKHANEWS.items():
        path = root / "masakhanews" / folder / "dev.tsv"
        if path.exists():
            for row in _rows(path, quick, quoted=True):
                out.append(Sample("masakhanews", code, "headline", row["headline"]))
                out.append(Sample("masakhanews", code, "article", row["text"]))
                out.append(Sample("masakhanews", code, "snippet15", snippet(row["text"])))
    return out


def plain(text: str, seed: int = 0) -> str:
    """Plain langdetect, seeded so the baseline repeats; 'und' when it finds no feature."""
    DetectorFactory.seed = seed
    try:
        code = str(detect_langs(text)[0].lang)
    except LangDetectException:
        return "und"
    return "zh" if code.startswith("zh") else code


def ours(text: str, seed: int = 0) -> str:
    """veille's detector on the bare text."""
    return detect(text, seed=seed)[0]


@dataclass
class Cell:
    """Counts for one (dataset, language, bucket)."""

    n: int = 0
    langdetect: int = 0
    veille: int = 0


def _summary(name: str, cells: dict[tuple[str, str, str], Cell], bucket: str,
             languages: tuple[str, ...] | None) -> dict[str, Any] | None:
    picked = [c for (_, lang, b), c in cells.items() if b == bucket and (languages is None or lang in languages)]
    n = sum(c.n for c in picked)
    if not n:
        return None
    return {"dataset": name, "language": "*", "bucket": bucket, "n": n,
            "langdetect": sum(c.langdetect for c in picked) / n, "veille": sum(c.veille for c in picked) / n}


def _line(row: dict[str, Any]) -> str:
    return (f"{row['dataset']:12} {row['language']:4} {row['bucket']:9} {row['n']:5} "
            f"{row['langdetect']:10.3f} {row['veille']:7.3f}")


def run(data: Path, out: Path | None = None, quick: bool = False, verbose: bool = False) -> str:
    """Evaluate both detectors on every text under `data`; return the table (and write JSON to `out`)."""
    texts = samples(data, quick)
    if not texts:
        raise FileNotFoundError(f"no sib200/<code>/dev.tsv or masakhanews/<eng|fra>/dev.tsv under {data}")
    cells: dict[tuple[str, str, str], Cell] = {}
    seconds = {"langdetect": 0.0, "veille": 0.0}
    misses: list[str] = []
    for s in texts:
        t = time.perf_counter()
        got_plain = plain(s.text)
        seconds["langdetect"] += time.perf_counter() - t
        t = time.perf_counter()
        got_ours = ours(s.text)
        seconds["veille"] += time.perf_counter() - t
        c = cells.setdefault((s.dataset, s.language, s.bucket), Cell())
        c.n += 1
        c.langdetect += got_plain == s.language
        c.veille += got_ours == s.language
        if verbose and got_ours != s.language:
            misses.append(f"{s.dataset} {s.language} {s.bucket}: veille {got_ours}, langdetect {got_plain}: "
                          f"{s.text[:60]!r}")
    order = {b: i for i, b in enumerate(BUCKETS)}
    rows = [{"dataset": d, "language": lang, "bucket": b, "n": c.n, "langdetect": c.langdetect / c.n,
             "veille": c.veille / c.n}
            for (d, lang, b), c in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]]))]
    summaries = [row for b in BUCKETS for name, langs in (("ALL", None), ("GOAL-9", GOAL_LANGUAGES))
                 if (row := _summary(name, cells, b, langs)) is not None]
    head = f"{'dataset':12} {'lang':4} {'bucket':9} {'n':>5} {'langdetect':>10} {'veille':>7}"
    lines = [head, "-" * len(head), *map(_line, rows), "-" * len(head), *map(_line, summaries)]
    lines.append(f"langdetect = plain langdetect {_version('langdetect')} (seed 0) on the same texts; "
                 f"time: langdetect {seconds['langdetect']:.1f}s, "
                 f"veille {seconds['veille']:.1f}s for {len(texts)} texts")
    lines += misses
    write_json(out, {**header("language", {"langdetect": _version("langdetect")}), "quick": quick, "rows": rows, "summaries": summaries,
                     "goal_languages": list(GOAL_LANGUAGES), "seconds": seconds, "texts": len(texts)})
    return "\n".join(lines) + "\n"
