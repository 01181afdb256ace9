"""Language detection: time per text by length, and accuracy with and without an edition prior.

    .venv/bin/python bench/bench_language.py [TOPICS_DIR] [--split train|dev] [--baseline FILE.py]
                                             [--long-trials 7,3,2]

Time: `pipeline.language.detect` on MasakhaNEWS articles, headlines and 15-character snippets
and SIB-200 sentences, in ms per text; with --baseline (an older language.py, e.g. from
`git show REV:src/pipeline/language.py`) the same texts through it in the same run.
Accuracy: on the split's 15-character snippets and sentences (SIB-200) and headlines (MasakhaNEWS)
with no prior (as `veille eval language`), with the true language as the edition prior, and with
a wrong prior (English, or French for English text), which shows whether a wrong declaration
overrides clear text. Long text: MasakhaNEWS articles and `passage`s of six consecutive SIB-200
sentences (every language); --long-trials times and scores them with each number of langdetect
trials (language.LONG_TRIALS; 1 was chosen with --split train). Parameters are chosen on
--split train; dev is for reporting.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from pipeline import language
from pipeline.evaluation.language import GOAL_LANGUAGES, MASAKHANEWS, SIB, snippet

PASSAGE = 6     # sentences per long `passage`
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "topics"
Detect = Callable[..., tuple[str, float]]


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("language_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def texts(root: Path, split: str) -> dict[str, list[tuple[str, str]]]:
    """(language, text) per bucket; MasakhaNEWS train is its fewshot_50 folder."""
    csv.field_size_limit(sys.maxsize)
    out: dict[str, list[tuple[str, str]]] = {"sentence": [], "snippet15": [], "headline": [], "article": [],
                                             "passage": []}
    for folder, code in SIB.items():
        with (root / "sib200" / folder / f"{split}.tsv").open(encoding="utf-8", newline="") as handle:
            sentences = [row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
        out["sentence"] += [(code, text) for text in sentences]
        out["snippet15"] += [(code, snippet(text)) for text in sentences]
        out["passage"] += [(code, " ".join(sentences[i:i + PASSAGE])) for i in range(0, len(sentences) - PASSAGE + 1, PASSAGE)]
    for folder, code in MASAKHANEWS.items():
        path = (root / "masakhanews" / folder / "dev.tsv" if split == "dev"
                else root / "masakhanews" / "fewshot_50" / folder / "train.tsv")
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                out["headline"].append((code, row["headline"]))
                out["article"].append((code, row["text"]))
                out["snippet15"].append((code, snippet(row["text"])))
    return out


def timing(detect: Detect, items: list[tuple[str, str]], rounds: int) -> float:
    """Best-of-`rounds` ms per text (the best round is the least disturbed by other load)."""
    detect(items[0][1])   # load models outside the clock
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _, text in items:
            detect(text)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1000


def accuracy(items: list[tuple[str, str]], prior: Callable[[str], str | None],
             goal_only: bool = False) -> float:
    picked = [(lang, text) for lang, text in items if not goal_only or lang in GOAL_LANGUAGES]
    return sum(language.detect(text, prior=prior(lang))[0] == lang for lang, text in picked) / len(picked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=("train", "dev"), default="train")
    parser.add_argument("--baseline", type=Path, help="an older language.py to time on the same texts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-bucket", type=int, default=400, help="texts timed per bucket")
    parser.add_argument("--long-trials", help="comma-separated LONG_TRIALS values to compare on long text")
    args = parser.parse_args(argv)
    data = texts(args.data, args.split)
    systems: dict[str, Detect] = {"veille": language.detect}
    if args.baseline:
        systems["baseline"] = _load(args.baseline).detect
    print(f"time, ms per text (best of {args.rounds}; {args.per_bucket} texts per bucket, spread over languages)")
    for bucket, items in data.items():
        step = max(1, len(items) // args.per_bucket)
        sample = items[::step][:args.per_bucket]
        cells = "  ".join(f"{name} {timing(fn, sample, args.rounds):7.3f}" for name, fn in systems.items())
        print(f"  {bucket:10} {cells}")
    priors: dict[str, Callable[[str], str | None]] = {
        "no prior": lambda lang: None,
        "true prior": lambda lang: lang,
        "wrong prior": lambda lang: "fr" if lang == "en" else "en",
    }
    print(f"accuracy on {args.split} (all languages / the nine goal languages)")
    for bucket in ("snippet15", "sentence", "headline", "article", "passage"):
        cells = "  ".join(f"{name} {accuracy(data[bucket], fn):.3f}/{accuracy(data[bucket], fn, True):.3f}"
                          for name, fn in priors.items())
        print(f"  {bucket:10} {cells}")
    if args.long_trials:
        long_trials(data, [int(n) for n in args.long_trials.split(",")], args.split)
    return 0


def long_trials(data: dict[str, list[tuple[str, str]]], values: list[int], split: str) -> None:
    """Accuracy (no prior / true prior) and time on long text for each number of langdetect trials."""
    items = data["article"] + data["passage"]
    default = language.LONG_TRIALS
    print(f"long text on {split}: {len(data['article'])} articles + {len(data['passage'])} passages")
    try:
        for n in values:
            language.LONG_TRIALS = n
            start = time.perf_counter()
            plain = accuracy(items, lambda lang: None)
            seconds = time.perf_counter() - start
            print(f"  trials {n}: accuracy {plain:.4f} / {accuracy(items, lambda lang: lang):.4f} (true prior), "
                  f"{seconds / len(items) * 1000:.3f} ms per text")
    finally:
        language.LONG_TRIALS = default


if __name__ == "__main__":
    raise SystemExit(main())
