"""`veille eval topics`: rules and the few-shot model beside plain TF-IDF + logistic regression, same run.

MasakhaNEWS (BBC English and French): the model and the baseline are trained
on `fewshot_50/<lang>/train.tsv` (50 examples per label) and scored on
`<lang>/dev.tsv`; the packaged rules written for its labels
(`pipeline/data/masakhanews_topics.yaml`) are scored on the same rows, the
label with the best rule score being the answer (no rule match: no answer,
a miss). SIB-200 (short sentences, many languages): model and baseline
trained on `<code>/train.tsv`, scored on `<code>/dev.tsv`. Per topic
precision, recall and F1, and the macro-F1 over the gold labels.
"""

from __future__ import annotations

import csv
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Rows = tuple[list[str], list[str], list[str]]   # labels, headlines, texts
SIB_LANGS = ("eng_Latn", "fra_Latn", "zho_Hans", "rus_Cyrl", "arb_Arab", "deu_Latn")
QUICK_SIB = ("fra_Latn", "zho_Hans")
QUICK_ROWS = 60
RULES_FILE = "masakhanews_topics.yaml"
NO_LABEL = "(none)"


def read(path: Path) -> Rows:
    """Labels, headlines (empty when the file has none) and texts of a labelled TSV."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r["category"] for r in rows], [r.get("headline") or "" for r in rows], [r.get("text") or "" for r in rows]


def _head(rows: Rows, n: int) -> Rows:
    # A spread of labels, not the first n rows of one: every k-th row.
    step = max(1, len(rows[0]) // n)
    keep = list(range(0, len(rows[0]), step))[:n]
    return [rows[0][i] for i in keep], [rows[1][i] for i in keep], [rows[2][i] for i in keep]


def score(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Per-label precision/recall/F1 and macro-F1 over the gold labels."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    p, r, f, n = precision_recall_fscore_support(list(gold), list(pred), labels=labels, zero_division=0)
    per = {lab: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
                 "support": int(n[i])} for i, lab in enumerate(labels)}
    return {"macro_f1": round(sum(float(x) for x in f) / len(labels), 3), "per_topic": per}


def baseline_predict(train: Rows, test: Rows) -> list[str]:
    """Plain TF-IDF (scikit-learn defaults) + logistic regression on the same documents the model sees."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from pipeline.topics.model import document

    pipe = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(max_iter=1000))])
    pipe.fit([document(t, x) for t, x in zip(train[1], train[2], strict=True)], train[0])
    return [str(p) for p in pipe.predict([document(t, x) for t, x in zip(test[1], test[2], strict=True)])]


def model_predict(train: Rows, test: Rows) -> list[str]:
    """veille's topic model: the most probable label."""
    from pipeline.topics.model import fit

    model = fit(*train)
    scores = model.predict_scores_batch(list(zip(test[1], test[2], strict=True)))
    return [max(s, key=lambda k: s[k]) for s in scores]


def rules_predict(test: Rows, language: str) -> list[str]:
    """The label whose rules score highest (NO_LABEL when none matches)."""
    from importlib import resources

    from pipeline.topics import parse_rules

    # Not the default tracked topics: rules written for the MasakhaNEWS labels, shipped beside them.
    text = resources.files("pipeline").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    rules = parse_rules(text, f"{RULES_FILE} (packaged)")
    out = []
    for title, body in zip(test[1], test[2], strict=True):
        found = rules.evaluate(title, body, language)
        out.append(max(found.values(), key=lambda m: m.score).topic if found else NO_LABEL)
    return out


def _timed(fn: Callable[[], list[str]]) -> tuple[list[str], float]:
    started = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - started, 2)


def run(data: Path, out: Path | None, quick: bool) -> str:
    """Score rules, model and baseline on every dataset found under `data`; the printed table."""
    data = Path(data)
    jobs: list[tuple[str, Path, Path, str | None]] = [
        (f"masakhanews/{lang}", data / "masakhanews" / "fewshot_50" / lang / "train.tsv",
         data / "masakhanews" / lang / "dev.tsv", code) for lang, code in (("eng", "en"), ("fra", "fr"))]
    jobs += [(f"sib200/{lang}", data / "sib200" / lang / "train.tsv", data / "sib200" / lang / "dev.tsv", None)
             for lang in (QUICK_SIB if quick else SIB_LANGS)]
    jobs = [j for j in jobs if j[1].is_file() and j[2].is_file()]
    if not jobs:
        raise FileNotFoundError(f"{data}: no masakhanews/ or sib200/ train and dev files found")
    results: dict[str, Any] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": f"{platform.node()} {platform.machine()} Python {platform.python_version()}",
                               "quick": quick, "datasets": {}}
    lines = [f"{'dataset':20} {'dev':>4}  {'baseline':>8}  {'model':>6}  {'rules':>6}  {'model s':>7}"]
    details: list[str] = []
    for name, train_path, dev_path, language in jobs:
        train, dev = read(train_path), read(dev_path)
        if quick:
            dev = _head(dev, QUICK_ROWS)
        base = score(dev[0], baseline_predict(train, dev))
        pred, seconds = _timed(lambda train=train, dev=dev: model_predict(train, dev))  # type: ignore[misc]
        ours = score(dev[0], pred)
        rules = score(dev[0], rules_predict(dev, language)) if language else None
        results["datasets"][name] = {"train": len(train[0]), "dev": len(dev[0]), "baseline": base, "model": ours,
                                     "rules": rules, "model_seconds": seconds}
        rules_f1 = f"{rules['macro_f1']:.3f}" if rules else "—"
        lines.append(f"{name:20} {len(dev[0]):>4}  {base['macro_f1']:>8.3f}  {ours['macro_f1']:>6.3f}  "
                     f"{rules_f1:>6}  {seconds:>7.2f}")
        details.append(f"{name}: P/R/F1 per topic (baseline | model | rules)")
        for lab, v in ours["per_topic"].items():
            b = base["per_topic"][lab]
            r = rules["per_topic"][lab] if rules else None
            rtext = f"{r['precision']:.2f}/{r['recall']:.2f}/{r['f1']:.2f}" if r else "—"
            details.append(f"  {lab:20} {b['precision']:.2f}/{b['recall']:.2f}/{b['f1']:.2f} | "
                           f"{v['precision']:.2f}/{v['recall']:.2f}/{v['f1']:.2f} | {rtext}")
    table = "\n".join(lines + [""] + details) + "\n"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return table
