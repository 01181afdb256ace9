"""Score veille's extract against plain trafilatura.extract, side by side, on the extraction pages.

Method (EVALUATION.md, after the scrapinghub article-extraction benchmark): lower-cased word
tokens with every CJK character a token, 4-token shingles as multisets, precision and recall
per page averaged over the pages, F1 from the two averages. Snippet gold: share of
must-contain found and of must-not-contain absent. Also: title exact match and date
(day) match where the gold has them, and time per page.

    .venv/bin/python bench/eval_extraction.py [DATA_DIR] [--out bench/results/extraction.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import trafilatura
from lxml import html as lxml_html

from pipeline import cleaning
from pipeline.encoding import maybe_gunzip

DEFAULT_DATA = Path("/work/shared/data/extraction")
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|\w+", re.U)


@dataclass
class Case:
    folder: str
    name: str
    raw: bytes
    url: str
    body: str | None = None
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    title: str | None = None
    date: str | None = None


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def precision_recall(got: str, gold: str) -> tuple[float, float]:
    g, e = shingles(got), shingles(gold)
    overlap = sum((g & e).values())
    p = overlap / sum(g.values()) if g else (1.0 if not e else 0.0)
    r = overlap / sum(e.values()) if e else 1.0
    return p, r


def _read(path: Path) -> bytes:
    return maybe_gunzip(path.read_bytes())


def target_pages(root: Path) -> Iterator[Case]:
    folder = root / "target-site-pages"
    for rec in json.loads((folder / "index.json").read_text(encoding="utf-8")):
        gt = rec.get("ground_truth") or {}
        if not gt or not (gt.get("articleBody") or gt.get("with")):
            continue
        url = rec.get("url") or ""
        if "web.archive.org" in url:
            url = re.sub(r"^https?://web\.archive\.org/web/\d+/", "", url)
        yield Case("target-site-pages", rec["file"], _read(folder / rec["file"]), url, gt.get("articleBody"),
                   gt.get("with") or [], gt.get("without") or [], gt.get("title") or None, gt.get("date") or None)


def fundus(root: Path) -> Iterator[Case]:
    folder = root / "fundus-parser-testdata"
    for expected in sorted(folder.glob("*/*.json")):
        meta_file = expected.parent / "meta.info"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        versions = json.loads(expected.read_text(encoding="utf-8"))
        pages = sorted(expected.parent.glob(f"{expected.stem}_*.html.gz"))
        for (_, gold), page in zip(versions.items(), pages, strict=False):
            body = gold.get("body") or {}
            parts = list(body.get("summary") or [])
            for section in body.get("sections") or []:
                parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
            pub = gold.get("publishing_date")
            yield Case("fundus-parser-testdata", f"{expected.parent.name}/{page.name}", _read(page),
                       meta.get(page.name, {}).get("url", ""), "\n".join(parts), title=gold.get("title"),
                       date=pub[:10] if isinstance(pub, str) else None)


def trafilatura_subset(root: Path) -> Iterator[Case]:
    folder = root / "trafilatura-eval-subset"
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    have = {p.name for p in (folder / "html").iterdir()}
    for url, rec in data.items():
        if rec.get("file") in have:
            yield Case("trafilatura-eval-subset", rec["file"], _read(folder / "html" / rec["file"]), url, None,
                       rec.get("with") or [], rec.get("without") or [], rec.get("title") or None,
                       (rec.get("date") or None))


def readability(root: Path) -> Iterator[Case]:
    folder = root / "mozilla-readability-test-pages"
    for case in sorted(p for p in folder.iterdir() if (p / "source.html").exists()):
        expected = (case / "expected.html").read_text(encoding="utf-8", errors="replace")
        try:
            gold = "\n".join(lxml_html.fromstring(expected).itertext())
        except Exception:  # noqa: BLE001 - an unreadable gold file is skipped
            continue
        meta_path = case / "expected-metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        pub = meta.get("publishedTime")
        yield Case("mozilla-readability-test-pages", case.name, (case / "source.html").read_bytes(), "", gold,
                   title=meta.get("title"), date=pub[:10] if isinstance(pub, str) else None)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def score(cases: list[Case], run: Callable[[Case], tuple[str, str | None, str | None]]) -> dict[str, Any]:
    ps, rs, snip_in, snip_out, titles, dates = [], [], [], [], [], []
    start = time.perf_counter()
    outputs = [run(c) for c in cases]
    elapsed = time.perf_counter() - start
    for case, (text, title, published) in zip(cases, outputs, strict=True):
        if case.body:
            p, r = precision_recall(text, case.body)
            ps.append(p)
            rs.append(r)
        snip_in += [s in text for s in case.with_]
        snip_out += [s not in text for s in case.without]
        if case.title:
            titles.append(_norm(title) == _norm(case.title))
        if case.date and re.match(r"\d{4}-\d\d-\d\d", case.date):
            dates.append((published or "")[:10] == case.date[:10])
    avg_p = sum(ps) / len(ps) if ps else None
    avg_r = sum(rs) / len(rs) if rs else None
    f1 = 2 * avg_p * avg_r / (avg_p + avg_r) if avg_p is not None and avg_r is not None and avg_p + avg_r else None

    def share(v: list[bool]) -> float | None:
        return sum(v) / len(v) if v else None

    return {"pages": len(cases), "scored_pages": len(ps), "precision": avg_p, "recall": avg_r, "f1": f1,
            "with_found": share(snip_in), "without_absent": share(snip_out), "title_exact": share(titles),
            "date_day": share(dates), "seconds": elapsed}


def run_plain(case: Case) -> tuple[str, str | None, str | None]:
    doc = trafilatura.bare_extraction(case.raw, url=case.url or None, with_metadata=True)
    text = trafilatura.extract(case.raw, url=case.url or None) or ""
    if doc is None:
        return text, None, None
    return text, getattr(doc, "title", None), getattr(doc, "date", None)


def run_plain_text_only(case: Case) -> str:
    return trafilatura.extract(case.raw, url=case.url or None) or ""


def run_veille(case: Case) -> tuple[str, str | None, str | None]:
    page = cleaning.extract(case.raw, url=case.url, hints=_hints(case.url))
    return page.text, page.title, page.published


def _hints(url: str) -> cleaning.CleaningHints | None:
    try:
        from urllib.parse import urlsplit

        from pipeline.sources import all_sources
        host = urlsplit(url).hostname or ""
        for source in all_sources():
            if source.owns(host):
                return source.hints
    except Exception:  # noqa: BLE001 - no registry means no hints
        pass
    return None


def _fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("bench/results/extraction.json"))
    args = parser.parse_args(argv)
    folders: dict[str, list[Case]] = {}
    for reader in (target_pages, trafilatura_subset, fundus, readability):
        try:
            for case in reader(args.data):
                folders.setdefault(case.folder, []).append(case)
        except FileNotFoundError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
    results: dict[str, Any] = {"date": date.today().isoformat(), "machine": platform.platform(),
                               "python": platform.python_version(), "trafilatura": trafilatura.__version__,
                               "folders": {}}
    head = f"{'folder':32} {'pages':>5} | {'system':8} {'P':>6} {'R':>6} {'F1':>6} {'with':>6} {'w/o':>6} {'title':>6} {'date':>6}"
    print(head)
    print("-" * len(head))
    all_cases = [c for cs in folders.values() for c in cs]
    for name, cases in [*folders.items(), ("ALL", all_cases)]:
        row = {"plain": score(cases, run_plain), "veille": score(cases, run_veille)}
        results["folders"][name] = row
        for system, s in row.items():
            print(f"{name:32} {s['pages']:5} | {system:8} {_fmt(s['precision'])} {_fmt(s['recall'])} {_fmt(s['f1'])} "
                  f"{_fmt(s['with_found'])} {_fmt(s['without_absent'])} {_fmt(s['title_exact'])} {_fmt(s['date_day'])}")
    # speed: plain text extraction vs the whole of veille's extract, same pages, same process
    t0 = time.perf_counter()
    for case in all_cases:
        run_plain_text_only(case)
    plain_s = time.perf_counter() - t0
    inner = {"s": 0.0}
    original = cleaning.trafilatura.extract

    def timed(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            inner["s"] += time.perf_counter() - t

    cleaning.trafilatura.extract = timed  # type: ignore[assignment]
    t0 = time.perf_counter()
    for case in all_cases:
        run_veille(case)
    veille_s = time.perf_counter() - t0
    cleaning.trafilatura.extract = original  # type: ignore[assignment]
    speed = {"pages": len(all_cases), "plain_extract_s": plain_s, "veille_extract_s": veille_s,
             "veille_inside_trafilatura_s": inner["s"],
             "overhead_outside_trafilatura_vs_plain": (veille_s - inner["s"]) / plain_s}
    results["speed"] = speed
    print(f"\nspeed on {len(all_cases)} pages: plain trafilatura.extract {plain_s:.2f}s, veille extract {veille_s:.2f}s "
          f"(of which Trafilatura {inner['s']:.2f}s); work outside Trafilatura = "
          f"{speed['overhead_outside_trafilatura_vs_plain']:.1%} of plain")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
