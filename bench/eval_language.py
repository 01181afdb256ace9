"""Language accuracy per language and per length: langdetect alone vs veille's detect, side by side.

Data: SIB-200 dev sentences (20 languages) and MasakhaNEWS dev articles (en, fr). Lengths:
"title" = the first 15-30 characters cut at a word boundary, "full" = the whole text.

    .venv/bin/python bench/eval_language.py [TOPICS_DIR] [--out bench/results/language.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from pipeline.language import detect

DEFAULT_DATA = Path("/work/shared/data/topics")
SIB = {"arb_Arab": "ar", "deu_Latn": "de", "eng_Latn": "en", "fra_Latn": "fr", "hin_Deva": "hi", "ita_Latn": "it",
       "jpn_Jpan": "ja", "kor_Hang": "ko", "nld_Latn": "nl", "pes_Arab": "fa", "pol_Latn": "pl", "por_Latn": "pt",
       "rus_Cyrl": "ru", "spa_Latn": "es", "tur_Latn": "tr", "ukr_Cyrl": "uk", "vie_Latn": "vi", "yue_Hant": "zh",
       "zho_Hans": "zh", "zho_Hant": "zh"}


def title_cut(text: str) -> str:
    """15-30 characters, cut at a space when there is one (CJK has none)."""
    head = text[:30]
    space = head.rfind(" ", 15)
    return head[:space] if space >= 15 else head


def plain(text: str) -> str:
    DetectorFactory.seed = 0
    try:
        code = str(detect_langs(text)[0].lang)
    except LangDetectException:
        return "und"
    return "zh" if code.startswith("zh") else code


def samples(root: Path) -> list[tuple[str, str, str, str]]:
    """(dataset, language, length, text)."""
    out: list[tuple[str, str, str, str]] = []
    for folder, code in SIB.items():
        path = root / "sib200" / folder / "dev.tsv"
        if not path.exists():
            continue
        for row in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE):
            out.append(("sib200", code, "full", row["text"]))
            out.append(("sib200", code, "title", title_cut(row["text"])))
    for folder, code in (("eng", "en"), ("fra", "fr")):
        path = root / "masakhanews" / folder / "dev.tsv"
        if not path.exists():
            continue
        csv.field_size_limit(sys.maxsize)
        for row in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"):
            out.append(("masakhanews", code, "full", row["text"]))
            out.append(("masakhanews", code, "title", title_cut(row["headline"])))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("bench/results/language.json"))
    args = parser.parse_args(argv)
    data = samples(args.data)
    cells: dict[tuple[str, str, str], list[int]] = {}
    times = {"langdetect": 0.0, "veille": 0.0}
    for dataset, code, length, text in data:
        t = time.perf_counter()
        a = plain(text) == code
        times["langdetect"] += time.perf_counter() - t
        t = time.perf_counter()
        b = detect(text)[0] == code
        times["veille"] += time.perf_counter() - t
        cell = cells.setdefault((dataset, code, length), [0, 0, 0])
        cell[0] += 1
        cell[1] += a
        cell[2] += b
    print(f"{'dataset':12} {'lang':4} {'length':6} {'n':>4} {'langdetect':>10} {'veille':>7}")
    rows: list[dict[str, Any]] = []
    for (dataset, code, length), (n, a, b) in sorted(cells.items()):
        rows.append({"dataset": dataset, "language": code, "length": length, "n": n,
                     "langdetect": a / n, "veille": b / n})
        print(f"{dataset:12} {code:4} {length:6} {n:4} {a / n:10.3f} {b / n:7.3f}")
    totals: dict[str, Any] = {}
    for length in ("title", "full"):
        picked = [r for r in rows if r["length"] == length]
        n = sum(r["n"] for r in picked)
        totals[length] = {"n": n, "langdetect": sum(r["langdetect"] * r["n"] for r in picked) / n,
                          "veille": sum(r["veille"] * r["n"] for r in picked) / n}
        print(f"{'ALL':12} {'':4} {length:6} {n:4} {totals[length]['langdetect']:10.3f} {totals[length]['veille']:7.3f}")
    print(f"time: langdetect {times['langdetect']:.1f}s, veille {times['veille']:.1f}s for {len(data)} texts")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"date": date.today().isoformat(), "machine": platform.platform(),
                                    "rows": rows, "totals": totals, "seconds": times}, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
