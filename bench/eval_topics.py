"""Topic models on real labelled news: plain TF-IDF + logistic regression vs veille's model, side by side.

Trains on masakhanews few-shot (50 per label) and evaluates on its dev split
(English, French), and on sib200 train/dev for a few languages. Prints
per-topic precision/recall/F1 and macro-F1 per language; writes JSON.

    .venv/bin/python bench/eval_topics.py [--data /work/shared/data/topics] [--out var/bench/eval_topics.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.pipeline import Pipeline

from pipeline.topics.model import document, fit

SIB_LANGS = ("eng_Latn", "fra_Latn", "zho_Hans", "rus_Cyrl", "arb_Arab")


def read(path: Path) -> tuple[list[str], list[str], list[str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r["category"] for r in rows], [r.get("headline") or "" for r in rows], [r["text"] for r in rows]


def baseline_predict(train: tuple[list[str], list[str], list[str]], test: tuple[list[str], list[str], list[str]]) -> list[str]:
    pipe = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(max_iter=1000))])
    pipe.fit([document(t, x) for t, x in zip(train[1], train[2], strict=True)], train[0])
    return [str(p) for p in pipe.predict([document(t, x) for t, x in zip(test[1], test[2], strict=True)])]


def veille_predict(train: tuple[list[str], list[str], list[str]], test: tuple[list[str], list[str], list[str]]) -> list[str]:
    model = fit(*train)
    scores = model.predict_scores_batch(list(zip(test[1], test[2], strict=True)))
    return [max(s, key=lambda k: s[k]) for s in scores]


def score(gold: list[str], pred: list[str]) -> dict[str, Any]:
    labels = sorted(set(gold))
    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per = {lab: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
                 "support": int(n[i])} for i, lab in enumerate(labels)}
    return {"macro_f1": round(sum(float(x) for x in f) / len(labels), 3), "per_topic": per}


def datasets(data: Path) -> list[tuple[str, Path, Path]]:
    out = [(f"masakhanews/{lang}", data / "masakhanews" / "fewshot_50" / lang / "train.tsv",
            data / "masakhanews" / lang / "dev.tsv") for lang in ("eng", "fra")]
    out += [(f"sib200/{lang}", data / "sib200" / lang / "train.tsv", data / "sib200" / lang / "dev.tsv")
            for lang in SIB_LANGS]
    return [d for d in out if d[1].is_file() and d[2].is_file()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/work/shared/data/topics", help="folder with masakhanews/ and sib200/")
    parser.add_argument("--out", default="var/bench/eval_topics.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": f"{platform.node()} {platform.machine()} {platform.processor()}".strip(),
                               "datasets": {}}
    print(f"{'dataset':22} {'n':>4} {'baseline':>9} {'veille':>7} {'train s':>8}")
    for name, train_path, dev_path in datasets(Path(args.data)):
        train, dev = read(train_path), read(dev_path)
        base = score(dev[0], baseline_predict(train, dev))
        started = time.perf_counter()
        ours = score(dev[0], veille_predict(train, dev))
        seconds = round(time.perf_counter() - started, 2)
        results["datasets"][name] = {"train": len(train[0]), "dev": len(dev[0]), "baseline": base, "veille": ours,
                                     "veille_seconds": seconds}
        print(f"{name:22} {len(dev[0]):>4} {base['macro_f1']:>9.3f} {ours['macro_f1']:>7.3f} {seconds:>8.2f}")
        for lab, v in ours["per_topic"].items():
            b = base["per_topic"][lab]
            print(f"    {lab:20} P/R/F1 baseline {b['precision']:.2f}/{b['recall']:.2f}/{b['f1']:.2f}"
                  f"   veille {v['precision']:.2f}/{v['recall']:.2f}/{v['f1']:.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
