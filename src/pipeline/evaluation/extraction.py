"""Main text, title and date: veille's cleaning beside plain `trafilatura.extract`, same pages, same run.

Scored as EVALUATION.md says (after the scrapinghub article-extraction benchmark): 4-token
shingles, precision and recall per page averaged over the pages, F1 from the two averages;
must-contain / must-not-contain snippet shares; title exact match after Unicode NFC, whitespace
collapse (zero-width space included) and typographic quotes and dashes folded to ASCII, the same
for both systems (case is kept: a title in capitals is a different title); publication day.
The data folder holds any of the four dataset layouts below; pages may be gzipped (`.gz`
beside or instead of the plain file), so the test fixtures use the same readers.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import trafilatura
from lxml import html as lxml_html

from pipeline import cleaning, titles
from pipeline.encoding import maybe_gunzip
from pipeline.evaluation.scoring import cell, f1, header, mean, precision_recall, share, write_json
from pipeline.language import scripts

if TYPE_CHECKING:
    from pipeline.sources import Source

QUICK_PAGES = 3   # pages per dataset with --quick: enough to exercise every reader and both systems


@dataclass
class Case:
    """One page with whatever gold its dataset provides."""

    folder: str
    name: str
    raw: bytes
    url: str
    body: str | None = None
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    title: str | None = None
    date: str | None = None


@dataclass
class Output:
    """What one system returned for one page."""

    text: str
    title: str | None
    published: str | None
    seconds: float


@dataclass
class Score:
    """One system's figures on one set of pages."""

    pages: int
    scored_pages: int
    precision: float | None
    recall: float | None
    f1: float | None
    with_found: float | None
    without_absent: float | None
    title_exact: float | None
    date_day: float | None
    ms_per_page: float

    @property
    def snippets(self) -> float | None:
        """Both snippet shares in one figure (the main-text score of snippet-only datasets)."""
        parts = [v for v in (self.with_found, self.without_absent) if v is not None]
        return mean(parts)


# ---------------------------------------------------------------- datasets


def _read(path: Path) -> bytes:
    """A page's bytes, from `path` or its gzipped twin `path.gz`."""
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        path = path.with_name(path.name + ".gz")
    return maybe_gunzip(path.read_bytes())


def _exists(path: Path) -> bool:
    return path.exists() or path.with_name(path.name + ".gz").exists()


def target_pages(root: Path) -> Iterator[Case]:
    """Saved Xinhua / People's Daily / Sputnik / RT pages (index.json: full body or snippets)."""
    folder = root / "target-site-pages"
    for rec in json.loads((folder / "index.json").read_text(encoding="utf-8")):
        gt = rec.get("ground_truth") or {}
        if not (gt.get("articleBody") or gt.get("with")) or not _exists(folder / rec["file"]):
            continue
        # the page was saved through the Wayback Machine; the article's own URL is what a crawl would see
        url = re.sub(r"^https?://web\.archive\.org/web/\d+/", "", rec.get("url") or "")
        yield Case("target-site-pages", rec["file"], _read(folder / rec["file"]), url, gt.get("articleBody"),
                   gt.get("with") or [], gt.get("without") or [], gt.get("title") or None, gt.get("date") or None)


def fundus(root: Path) -> Iterator[Case]:
    """fundus parser test pages: per publisher a JSON of expected outputs, one per stored page."""
    folder = root / "fundus-parser-testdata"
    for expected in sorted(folder.glob("*/*.json")):
        meta_file = expected.parent / "meta.info"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        versions = json.loads(expected.read_text(encoding="utf-8"))
        pages = sorted(expected.parent.glob(f"{expected.stem}_*.html.gz"))
        # the JSON holds one expected output per parser version, oldest first, as the pages sort by date
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
    """Pages of Trafilatura's own evaluation with must-contain / must-not-contain snippets."""
    folder = root / "trafilatura-eval-subset"
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    for url, rec in sorted(data.items(), key=lambda item: str(item[1].get("file"))):
        page = folder / "html" / str(rec.get("file"))
        if rec.get("file") and _exists(page):
            yield Case("trafilatura-eval-subset", rec["file"], _read(page), url, None, rec.get("with") or [],
                       rec.get("without") or [], rec.get("title") or None, rec.get("date") or None)


def readability(root: Path) -> Iterator[Case]:
    """Mozilla Readability's test pages: expected article HTML and metadata JSON."""
    folder = root / "mozilla-readability-test-pages"
    for case in sorted(p for p in folder.iterdir() if _exists(p / "source.html")):
        try:
            expected = _read(case / "expected.html").decode("utf-8", errors="replace")
            gold = "\n".join(lxml_html.fromstring(expected).itertext())
        except Exception:  # noqa: BLE001 - a missing or unreadable gold file leaves the page out
            continue
        meta_path = case / "expected-metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        pub = meta.get("publishedTime")
        yield Case("mozilla-readability-test-pages", case.name, _read(case / "source.html"), "", gold,
                   title=meta.get("title"), date=pub[:10] if isinstance(pub, str) else None)


READERS: tuple[Callable[[Path], Iterator[Case]], ...] = (target_pages, trafilatura_subset, fundus, readability)


def load_cases(root: Path, quick: bool = False) -> dict[str, list[Case]]:
    """Every page under `root` grouped by dataset folder (absent folders are skipped)."""
    folders: dict[str, list[Case]] = {}
    for reader in READERS:
        try:
            for case in reader(root):
                group = folders.setdefault(case.folder, [])
                if not quick or len(group) < QUICK_PAGES:
                    group.append(case)
        except FileNotFoundError:
            continue
    return folders


# ---------------------------------------------------------------- the two systems


def run_plain(case: Case) -> Output:
    """Plain Trafilatura: `extract` for the text (timed), `bare_extraction` for title and date."""
    start = time.perf_counter()
    text = trafilatura.extract(case.raw, url=case.url or None) or ""
    seconds = time.perf_counter() - start
    doc = trafilatura.bare_extraction(case.raw, url=case.url or None, with_metadata=True)
    if doc is None:
        return Output(text, None, None, seconds)
    return Output(text, getattr(doc, "title", None), getattr(doc, "date", None), seconds)


@lru_cache(maxsize=1)
def _sources() -> tuple[Source, ...]:
    from pipeline.sources import all_sources

    return tuple(all_sources())


def hints_for(url: str) -> cleaning.CleaningHints | None:
    """The declared source's cleaning hints when the page's host belongs to one."""
    host = urlsplit(url).hostname or "" if url else ""
    for source in _sources():
        if host and source.owns(host):
            return source.hints
    return None


def run_veille(case: Case) -> Output:
    """veille's cleaning, with the source's hints when the page belongs to a declared source (found before
    the clock starts: a run knows its sources before it cleans a page)."""
    hints = hints_for(case.url)
    start = time.perf_counter()
    page = cleaning.extract(case.raw, url=case.url, hints=hints)
    return Output(page.text, page.title, page.published, time.perf_counter() - start)


SYSTEMS: dict[str, Callable[[Case], Output]] = {"plain": run_plain, "veille": run_veille}


def title_key(text: str | None) -> str:
    """A title as compared to the gold: NFC, whitespace collapsed, typographic quotes and dashes as ASCII."""
    return titles.comparable(text or "")


def _has_day(value: str | None) -> bool:
    return bool(value and re.match(r"\d{4}-\d\d-\d\d", value))


def score(cases: list[Case], outputs: list[Output]) -> Score:
    """One system's figures on `cases`, given its outputs in the same order."""
    ps: list[float] = []
    rs: list[float] = []
    found: list[bool] = []
    absent: list[bool] = []
    titles: list[bool] = []
    dates: list[bool] = []
    for case, out in zip(cases, outputs, strict=True):
        if case.body:
            p, r = precision_recall(out.text, case.body)
            ps.append(p)
            rs.append(r)
        found += [s in out.text for s in case.with_]
        absent += [s not in out.text for s in case.without]
        if case.title:
            titles.append(title_key(out.title) == title_key(case.title))
        if _has_day(case.date):
            dates.append((out.published or "")[:10] == (case.date or "")[:10])
    avg_p, avg_r = mean(ps), mean(rs)
    seconds = sum(o.seconds for o in outputs)
    return Score(len(cases), len(ps), avg_p, avg_r, f1(avg_p, avg_r), share(found), share(absent), share(titles),
                 share(dates), 1000 * seconds / len(cases) if cases else 0.0)


def evaluate(cases: list[Case]) -> tuple[dict[str, Score], dict[str, list[Output]]]:
    """Both systems on the same pages: their scores and their per-page outputs."""
    outputs = {name: [system(c) for c in cases] for name, system in SYSTEMS.items()}
    return {name: score(cases, outs) for name, outs in outputs.items()}, outputs


# ---------------------------------------------------------------- the report


def _mismatches(cases: list[Case], outputs: dict[str, list[Output]]) -> list[dict[str, Any]]:
    """Pages where veille's title or date misses the gold, with plain Trafilatura's answer beside it."""
    found: list[dict[str, Any]] = []
    for i, case in enumerate(cases):
        ours, plain = outputs["veille"][i], outputs["plain"][i]
        if _has_day(case.date) and (ours.published or "")[:10] != (case.date or "")[:10]:
            found.append({"page": f"{case.folder}/{case.name}", "what": "date", "gold": case.date,
                          "veille": ours.published, "plain": plain.published})
        if case.title and title_key(ours.title) != title_key(case.title):
            found.append({"page": f"{case.folder}/{case.name}", "what": "title", "gold": case.title,
                          "veille": ours.title, "plain": plain.title})
    return found


_COLUMNS = ("P", "R", "F1", "with", "w/o", "title", "date", "ms/pg")


def _mostly_han(text: str | None) -> bool:
    """True when at least 30% of the gold text's non-space characters are Han characters."""
    visible = sum(not c.isspace() for c in text or "")
    return visible > 0 and scripts(text or "")["han"] >= 0.3 * visible


def _row(name: str, system: str, s: Score) -> str:
    values = (s.precision, s.recall, s.f1, s.with_found, s.without_absent, s.title_exact, s.date_day)
    return f"{name:31} {s.pages:5} | {system:7}" + "".join(f" {cell(v)}" for v in values) + f" {s.ms_per_page:6.1f}"


def run(data: Path, out: Path | None = None, quick: bool = False, verbose: bool = False) -> str:
    """Evaluate every dataset under `data`; return the table (and write JSON to `out`)."""
    folders = load_cases(data, quick)
    if not folders:
        raise FileNotFoundError(f"no extraction dataset (target-site-pages, fundus-parser-testdata, ...) under {data}")
    results: dict[str, Any] = {**header("extraction", {"trafilatura": trafilatura.__version__}),
                               "quick": quick, "folders": {}, "mismatches": []}
    head = f"{'dataset':31} {'pages':>5} | {'system':7}" + "".join(f" {c:>6}" for c in _COLUMNS)
    lines = [head, "-" * len(head)]
    all_cases: list[Case] = []
    all_outputs: dict[str, list[Output]] = {name: [] for name in SYSTEMS}
    for name, cases in folders.items():
        scores, outputs = evaluate(cases)
        all_cases += cases
        for system, outs in outputs.items():
            all_outputs[system] += outs
        results["folders"][name] = {system: vars(s) for system, s in scores.items()}
        lines += [_row(name, system, s) for system, s in scores.items()]
        results["mismatches"] += _mismatches(cases, outputs)
    totals = {system: score(all_cases, outs) for system, outs in all_outputs.items()}
    results["folders"]["ALL"] = {system: vars(s) for system, s in totals.items()}
    lines += ["-" * len(head)] + [_row("ALL", system, s) for system, s in totals.items()]
    # Chinese pages across datasets (the GBK/undeclared-charset goal): gold text mostly in Han characters
    chinese = [i for i, case in enumerate(all_cases) if _mostly_han(case.body)]
    if chinese:
        picked = [all_cases[i] for i in chinese]
        zh = {system: score(picked, [outs[i] for i in chinese]) for system, outs in all_outputs.items()}
        results["folders"]["CHINESE"] = {system: vars(s) for system, s in zh.items()}
        lines += [_row("Chinese pages (any dataset)", system, s) for system, s in zh.items()]
    lines.append("plain = trafilatura.extract (text) + bare_extraction (title, date), same pages, same run; "
                 "ms/pg = time per page for the text")
    if verbose:
        lines.append("")
        lines += [f"{m['what']:5} {m['page']}: gold {m['gold']!r} | veille {m['veille']!r} | plain {m['plain']!r}"
                  for m in results["mismatches"]]
    write_json(out, results)
    return "\n".join(lines) + "\n"
