"""Story grouping on cases built from real text: pairwise precision/recall/F1 per kind, beside exact hashing.

No labelled set exists, so the cases are made from real articles by what happens
in the wild: the seeds and MasakhaNEWS dev articles (fra, eng) are reformatted,
given another headline, a corrected figure (near-duplicates), republished by a
wire with boilerplate or a trimmed last paragraph (republications), retold by
another outlet from a third of their sentences (same event); SIB-200 rows with
one `index_id` give the same dispatch in French, English and Chinese
(translations). Every original is a distractor for every other.

`data` is the shared folder (`seeds/`, `data/topics/masakhanews/`,
`data/topics/sib200/`) or a topics folder holding `masakhanews/` and `sib200/`.
"""

from __future__ import annotations

import csv
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib.metadata import version as _version
from pathlib import Path
from typing import Any

from pipeline.evaluation.scoring import cell, header, write_json
from pipeline.stories import Doc, content_hash, dedup, story_pairs

SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Þ«\"“])")
NUMBER = re.compile(r"\d+")
BOILER = {"fra": ["Lire aussi : {t}", "À voir aussi : {t}", "(Avec agences)", "Suivez-nous sur nos réseaux sociaux."],
          "eng": ["Read more: {t}", "Also read: {t}", "(With agencies)", "Follow us on social media."]}
# operation -> the kind of relation it stands for
KINDS: dict[str, str] = {
    "reformatted": "near-duplicate", "headline": "near-duplicate", "figure": "near-duplicate",
    "boilerplate": "republication", "trimmed": "republication",
    "rewritten": "same event",
    "translation-en": "translation", "translation-zh": "translation",
}
KIND_ORDER = ("near-duplicate", "republication", "same event", "translation")
GOALS = {"near-duplicate": "P>=0.99 R>=0.95", "republication": "P>=0.99 R>=0.95", "same event": "F1>=0.80",
         "translation": "F1>=0.90"}
SIB_CODES = {"fra_Latn": "xinhua-fr", "eng_Latn": "xinhua-en", "zho_Hans": "xinhua-zh"}
SIB_SENTENCES = 8  # sentences per "dispatch" built from SIB-200 rows
FULL = {"per_language": 150, "translation_groups": 80}
QUICK = {"per_language": 12, "translation_groups": 8}


@dataclass
class Cases:
    """Articles, the group each truly belongs to, and the operation that made each variant."""

    docs: list[Doc] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)
    op_of: dict[str, str] = field(default_factory=dict)

    def add(self, doc: Doc, group: str, op: str | None) -> None:
        self.docs.append(doc)
        self.truth[doc.id] = group
        if op is not None:
            self.op_of[doc.id] = op


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated file with a header (quoted fields may span lines); [] when missing."""
    if not path.is_file():
        return []
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _topics_dir(data: Path) -> Path:
    for candidate in (data / "data" / "topics", data / "topics", data):
        if (candidate / "masakhanews").is_dir() or (candidate / "sib200").is_dir():
            return candidate
    raise ValueError(f"no masakhanews/ or sib200/ under {data} (expected the shared folder or its data/topics)")


def _seeds(data: Path) -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((data / "seeds").glob("*.txt")) if (data / "seeds").is_dir() else []:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if lines:
            out.append(("fra", " ".join(lines[0].split()[:12]), "\n".join(lines)))
    return out


def _paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    # MasakhaNEWS texts are one block: their "paragraphs" are sentences
    return paras if len(paras) >= 3 else [s for s in SENTENCE.split(text) if s.strip()]


def _stamp(base: datetime, hours: float) -> str:
    return (base + timedelta(hours=hours)).isoformat()


def _reformat(text: str) -> str:
    # what a CMS does to a copy: paragraphs re-wrapped, typographic quotes and spaces changed
    return "\n\n".join(_paragraphs(text)).replace("’", "'").replace("\u00a0", " ").replace("« ", "«")


def build_cases(data: Path, rng: random.Random, per_language: int, translation_groups: int) -> Cases:
    """The labelled cases, from the real texts under `data`."""
    topics = _topics_dir(data)
    cases = Cases()
    originals = [(lang, r["headline"], r["text"]) for lang in ("fra", "eng")
                 for r in read_tsv(topics / "masakhanews" / lang / "dev.tsv")[:per_language] if r.get("text")]
    originals += _seeds(data)
    titles = [t for _, t, _ in originals] or ["—"]
    start = datetime(2025, 9, 1, 8, tzinfo=UTC)
    for k, (lang, title, text) in enumerate(originals):
        group, base = f"g{k}", start + timedelta(days=rng.uniform(0, 60))
        suffix = "fr" if lang == "fra" else "en"
        boiler = BOILER[lang]
        paras = _paragraphs(text)

        def add(op: str, t: str, x: str, outlet: str, hours: float, k: int = k, group: str = group,
                base: datetime = base, suffix: str = suffix) -> None:
            cases.add(Doc(id=f"{op}-{k}", title=t, text=x, source=f"{outlet}-{suffix}", published=_stamp(base, hours)),
                      group, None if op == "orig" else op)

        add("orig", title, text, "xinhua", 0)
        add("reformatted", title, _reformat(text), "xinhua", rng.uniform(0, 6))
        lead = (SENTENCE.split(text)[0] or title).split()
        add("headline", " ".join(lead[:rng.randint(6, 12)]), text, "xinhua", rng.uniform(1, 30))
        numbers = list(NUMBER.finditer(text))
        if numbers:
            m = rng.choice(numbers)
            add("figure", title, text[:m.start()] + str(int(m.group(0)) + rng.randint(1, 9)) + text[m.end():],
                "xinhua", rng.uniform(1, 30))
        add("boilerplate", title, f"{boiler[0].format(t=rng.choice(titles))}\n{text}\n"
            f"{boiler[1].format(t=rng.choice(titles))}\n{boiler[2]}\n{boiler[3]}", "prnewswire", rng.uniform(1, 30))
        if len(paras) >= 3:
            add("trimmed", title, "\n".join(paras[:-1]), "prnewswire", rng.uniform(1, 30))
        sentences = [s for s in SENTENCE.split(text) if s.strip()]
        if len(sentences) >= 6:
            # another outlet's account: the lead kept, a third of the rest in another order, its own headline
            kept = rng.sample(sentences[1:], max(2, (len(sentences) - 1) // 3))
            add("rewritten", " ".join(sentences[0].split()[:9]), " ".join([sentences[0], *kept]), "sputnik",
                rng.uniform(1, 40))

    sib = {code: {r["index_id"]: r["text"] for r in read_tsv(topics / "sib200" / code / "dev.tsv")
                  + read_tsv(topics / "sib200" / code / "train.tsv")} for code in SIB_CODES}
    ids = sorted(set.intersection(*(set(v) for v in sib.values())), key=int) if all(sib.values()) else []
    rng.shuffle(ids)
    for g in range(min(translation_groups, len(ids) // SIB_SENTENCES)):
        chunk = ids[g * SIB_SENTENCES:(g + 1) * SIB_SENTENCES]
        base = start + timedelta(days=rng.uniform(0, 60))
        for code, source in SIB_CODES.items():
            op = None if code == "fra_Latn" else "translation-" + source[-2:]
            cases.add(Doc(id=f"translation-{g}-{source}", title="", text=" ".join(sib[code][i] for i in chunk),
                          source=source, published=_stamp(base, rng.uniform(0, 12))), f"t{g}", op)
    return cases


def exact_hashing(docs: list[Doc]) -> dict[str, str]:
    """The baseline: articles with the same normalised-text hash are one story, nothing else is."""
    return {d.id: "h-" + content_hash(d.text or d.title) for d in docs}


@dataclass
class Score:
    pairs: int
    precision: float | None
    recall: float | None

    @property
    def f1(self) -> float | None:
        if self.precision is None or self.recall is None:
            return None
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _score(gold: set[tuple[str, str]], predicted: set[tuple[str, str]], keep: Callable[[str], bool]) -> Score:
    g = {p for p in gold if keep(p[0]) or keep(p[1])}
    got = {p for p in predicted if keep(p[0]) or keep(p[1])}
    hit = len(g & got)
    return Score(len(g), hit / len(got) if got else None, hit / len(g) if g else None)


def _is_kind(kind_of: dict[str, str], kind: str, doc_id: str) -> bool:
    return kind_of.get(doc_id) == kind


def score(cases: Cases, grouping: dict[str, str]) -> dict[str, Score]:
    """Pairwise scores per kind (pairs that involve a variant of that kind) and over all pairs."""
    gold = story_pairs(dict(cases.truth))
    predicted = story_pairs(grouping)
    kind_of = {d: KINDS.get(op, "") for d, op in cases.op_of.items()}
    out = {kind: _score(gold, predicted, partial(_is_kind, kind_of, kind)) for kind in KIND_ORDER}
    out["all"] = _score(gold, predicted, lambda d: True)
    return out


def _row(name: str, base: Score, ours: Score) -> str:
    return (f"{name:15} {ours.pairs:>6}  {cell(base.precision)} {cell(base.recall)} {cell(base.f1)}  "
            f"{cell(ours.precision)} {cell(ours.recall)} {cell(ours.f1)}  {GOALS.get(name, '')}")


def run(data: Path, out: Path | None = None, quick: bool = False, seed: int = 1) -> str:
    """Build the cases, group them with veille and with exact hashing; the table (JSON to `out`)."""
    sizes = QUICK if quick else FULL
    cases = build_cases(data, random.Random(seed), sizes["per_language"], sizes["translation_groups"])
    if not cases.docs:
        raise ValueError(f"no articles to build cases from under {data}")
    t0 = time.perf_counter()
    ours = score(cases, dedup(cases.docs))
    elapsed = time.perf_counter() - t0
    base = score(cases, exact_hashing(cases.docs))
    head = (f"{'kind':15} {'pairs':>6}  {'exact hashing':^20}  {'veille':^20}  goal\n"
            f"{'':15} {'':>6}  {'P':>6} {'R':>6} {'F1':>6}  {'P':>6} {'R':>6} {'F1':>6}")
    lines = [head, "-" * 78, *(_row(k, base[k], ours[k]) for k in (*KIND_ORDER, "all"))]
    lines.append(f"{len(cases.docs)} articles ({len(cases.op_of)} variants), grouped by veille in {elapsed:.2f} s; "
                 f"pairs = true same-story pairs involving a variant of that kind")
    results: dict[str, Any] = {
        **header("dedup", {"datasketch": _version("datasketch")}), "quick": quick, "seed": seed,
        "articles": len(cases.docs), "seconds": elapsed,
        "rows": [{"kind": k, "pairs": ours[k].pairs, "baseline": vars(base[k]) | {"f1": base[k].f1},
                  "veille": vars(ours[k]) | {"f1": ours[k].f1}} for k in (*KIND_ORDER, "all")],
    }
    write_json(out, results)
    return "\n".join(lines) + "\n"


def docs_by_group(cases: Cases) -> dict[str, list[str]]:
    """Article ids per true group (for inspecting misses)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id, group in cases.truth.items():
        groups[group].append(doc_id)
    return groups
