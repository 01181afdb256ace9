"""Story grouping on cases built from real text: pairwise precision/recall per operation, and clustering time.

Cases come from the seeds, MasakhaNEWS dev articles (fra and eng) and SIB-200
rows aligned by index_id (translations). The timing set recombines real
sentences into distinct articles, so no two articles are recycled copies.

    .venv/bin/python bench/eval_stories.py [--data /work/shared] [--n 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import re
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.stories import Doc, assign_stories, dedup, story_pairs

SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Þ«\"“])")
NUMBER = re.compile(r"\d+")
BOILER_FR = ["Lire aussi : {t}", "À voir aussi : {t}", "(Avec agences)", "Suivez-nous sur nos réseaux sociaux."]
BOILER_EN = ["Read more: {t}", "Also read: {t}", "(With agencies)", "Follow us on social media."]
OPERATIONS = ["headline", "boilerplate", "trimmed", "figure", "rewritten", "translation-en", "translation-zh"]


def read_tsv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def seeds(data: Path) -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((data / "seeds").glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        out.append(("seed", lines[0][:80], "\n".join(lines)))
    return out


def paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    return paras if len(paras) >= 3 else [s for s in SENTENCE.split(text) if s.strip()]


def stamp(base: datetime, hours: float) -> str:
    return (base + timedelta(hours=hours)).isoformat()


def build_cases(data: Path, rng: random.Random, per_language: int) -> tuple[list[Doc], dict[str, str], dict[str, str]]:
    """Documents, their true group, and the operation that produced each variant."""
    docs: list[Doc] = []
    truth: dict[str, str] = {}
    op_of: dict[str, str] = {}
    masakha = [("fra", r) for r in read_tsv(data / "data/topics/masakhanews/fra/dev.tsv")[:per_language]]
    masakha += [("eng", r) for r in read_tsv(data / "data/topics/masakhanews/eng/dev.tsv")[:per_language]]
    originals = [(lang, r["headline"], r["text"]) for lang, r in masakha]
    originals += [("fra", t, x) for _, t, x in seeds(data)]
    start = datetime(2025, 9, 1, 8, tzinfo=UTC)
    titles = [t for _, t, _ in originals]
    for k, (lang, title, text) in enumerate(originals):
        group = f"g{k}"
        base = start + timedelta(days=rng.uniform(0, 60))
        boiler = BOILER_FR if lang == "fra" else BOILER_EN
        src = "xinhua-fr" if lang == "fra" else "xinhua-en"
        wire = "prnewswire-fr" if lang == "fra" else "prnewswire-en"
        paras = paragraphs(text)

        def add(op: str, t: str, x: str, source: str, hours: float, group: str = group, k: int = k,
                base: datetime = base) -> None:
            doc_id = f"{op}-{k}"
            docs.append(Doc(id=doc_id, title=t, text=x, source=source, published=stamp(base, hours)))
            truth[doc_id] = group
            if op != "orig":
                op_of[doc_id] = op

        add("orig", title, text, src, 0)
        # A wire's own headline for the same copy: built from the lead, not
        # borrowed from another article.
        lead_words = (SENTENCE.split(text)[0] or title).split()
        add("headline", " ".join(lead_words[:rng.randint(6, 12)]), text, wire, rng.uniform(1, 30))
        extra = rng.choice(titles)
        add("boilerplate", title, f"{boiler[0].format(t=extra)}\n{text}\n{boiler[1].format(t=rng.choice(titles))}\n"
            f"{boiler[2]}\n{boiler[3]}", wire, rng.uniform(1, 30))
        if len(paras) >= 3:
            add("trimmed", title, "\n".join(paras[:-1]), wire, rng.uniform(1, 30))
        numbers = list(NUMBER.finditer(text))
        if numbers:
            m = rng.choice(numbers)
            fixed = str(int(m.group(0)) + rng.randint(1, 9))
            add("figure", title, text[:m.start()] + fixed + text[m.end():], src, rng.uniform(1, 30))
        sentences = [s for s in SENTENCE.split(text) if s.strip()]
        if len(sentences) >= 6:
            # Another outlet's account: the lead kept, a third of the rest
            # quoted in another order, a headline of its own.
            rest = sentences[1:]
            kept = rng.sample(rest, max(2, len(rest) // 3))
            rewritten = " ".join([sentences[0], *kept])
            new_title = " ".join(sentences[0].split()[:9])
            other = "sputnik-fr" if lang == "fra" else "sputnik-en"
            add("rewritten", new_title, rewritten, other, rng.uniform(1, 40))

    sib = {code: {r["index_id"]: r["text"] for r in read_tsv(data / f"data/topics/sib200/{code}/dev.tsv")
                  + read_tsv(data / f"data/topics/sib200/{code}/train.tsv")}
           for code in ("fra_Latn", "eng_Latn", "zho_Hans")}
    ids = sorted(sib["fra_Latn"], key=int)
    rng.shuffle(ids)
    for g in range(min(80, len(ids) // 8)):
        chunk = ids[g * 8:(g + 1) * 8]
        group = f"t{g}"
        base = start + timedelta(days=rng.uniform(0, 60))
        for code, src in (("fra_Latn", "xinhua-fr"), ("eng_Latn", "xinhua-en"), ("zho_Hans", "xinhua-zh")):
            text = " ".join(sib[code][i] for i in chunk)
            doc_id = f"translation-{g}-{src}"
            docs.append(Doc(id=doc_id, title="", text=text, source=src, published=stamp(base, rng.uniform(0, 12))))
            truth[doc_id] = group
            if src != "xinhua-fr":
                op_of[doc_id] = "translation-" + src[-2:]
    return docs, truth, op_of


def score(docs: list[Doc], truth: dict[str, str], op_of: dict[str, str]) -> None:
    t0 = time.perf_counter()
    predicted = story_pairs(dedup(docs))
    elapsed = time.perf_counter() - t0
    by_group: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        by_group[truth[d.id]].append(d.id)
    gold = story_pairs({d: truth[d] for d in truth})
    print(f"cases: {len(docs)} articles, {len(gold)} true same-story pairs, grouped in {elapsed:.2f} s")
    print(f"{'operation':<12} {'pairs':>6} {'recall':>7} {'precision':>9}")
    for op in OPERATIONS:
        involved_gold = {p for p in gold if op_of.get(p[0]) == op or op_of.get(p[1]) == op}
        involved_pred = {p for p in predicted if op_of.get(p[0]) == op or op_of.get(p[1]) == op}
        if not involved_gold:
            continue
        recall = len(involved_gold & involved_pred) / len(involved_gold)
        precision = len(involved_gold & involved_pred) / len(involved_pred) if involved_pred else 1.0
        print(f"{op:<12} {len(involved_gold):>6} {recall:>7.3f} {precision:>9.3f}")
    tp = len(gold & predicted)
    print(f"{'all':<12} {len(gold):>6} {tp / len(gold):>7.3f} {tp / max(1, len(predicted)):>9.3f}")
    wrong = sorted(predicted - gold)[:5]
    if wrong:
        print("false merges (first 5):", wrong)


def synthetic(data: Path, n: int, rng: random.Random) -> list[Doc]:
    """Distinct articles recombined from real sentences (8-14 sentences each)."""
    pool: list[str] = []
    for lang in ("fra", "eng"):
        for row in read_tsv(data / f"data/topics/masakhanews/{lang}/dev.tsv"):
            pool += [s.strip() for s in SENTENCE.split(row["text"]) if len(s.strip()) > 40]
    for _, _, text in seeds(data):
        pool += [s.strip() for s in SENTENCE.split(text) if len(s.strip()) > 40]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sources = ["xinhua-fr", "xinhua-en", "sputnik-fr", "sputnik-en", "people-fr", "prnewswire-fr"]
    docs = []
    for k in range(n):
        body = rng.sample(pool, rng.randint(8, 14))
        docs.append(Doc(id=f"a{k:06d}", title=" ".join(body[0].split()[:10]), text="\n".join(body),
                        source=rng.choice(sources), published=stamp(start, rng.uniform(0, 24 * 90))))
    return docs


def start_of(corpus: list[Doc]) -> datetime:
    return min(datetime.fromisoformat(d.published or "") for d in corpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/work/shared"), help="folder holding seeds/ and data/")
    parser.add_argument("--n", type=int, default=20000, help="articles in the timing run")
    parser.add_argument("--per-language", type=int, default=150, help="MasakhaNEWS articles per language")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"eval_stories on {platform.node()} ({platform.machine()}, Python {platform.python_version()}), "
          f"{datetime.now(UTC):%Y-%m-%d}")
    docs, truth, op_of = build_cases(args.data, rng, args.per_language)
    score(docs, truth, op_of)

    corpus = synthetic(args.data, args.n, rng)
    t0 = time.perf_counter()
    stories = dedup(corpus)
    elapsed = time.perf_counter() - t0
    print(f"dedup of {args.n} recombined articles: {elapsed:.1f} s, {len(set(stories.values()))} stories")
    if args.n > 1000:
        existing = corpus[:-1000]
        for d in existing:
            d.story_id = stories[d.id]
        t0 = time.perf_counter()
        assign_stories(existing, corpus[-1000:])
        print(f"assign 1000 new (dates over 90 days) against {len(existing)} existing: "
              f"{time.perf_counter() - t0:.1f} s")
        # A daily run: the new articles share one day, so only existing
        # articles inside the window are read.
        day = [Doc(id=d.id, title=d.title, text=d.text, source=d.source, published=stamp(start_of(corpus), 24 * 45))
               for d in corpus[-1000:]]
        t0 = time.perf_counter()
        assign_stories(existing, day)
        print(f"assign 1000 new (one day) against {len(existing)} existing: {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
