"""Cleaning speed: the page bytes decoded, cleaned and their language detected, against Trafilatura alone.

The same generated pages as bench/bench_processing.py (same count, data and
seed): each page's UTF-8 bytes go through `encoding.decode_html`, `cleaning.extract`
with its source's hints and `language.detect` with the source's language as
prior, which is what a run's cleaning does before topics and story grouping
(by blocks of pages, one step over the block before the next, as a run does).
The baseline is plain `trafilatura.extract` on the same bytes in this process,
run before and after the two single-process passes (the faster counts).
First in this process alone; then once more ignoring the sources' cleaning
hints (an outlet declared without any: no body selector, so Trafilatura's
full comparison with its fallbacks runs on every page); then with
`--workers` warmed worker processes (fresh interpreters from a fork server)
that send each page's cleaned fields back to this one, as a cleaning pool
would. Peak RSS of this process and of each worker is reported. Last, the
same cleaning and language on the real pages of <shared>/data/extraction
(415 pages of other sites, 268 KiB of HTML on average against the generated
pages' 3.8) against `trafilatura.extract` on the same bytes, in alternating
rounds.

    .venv/bin/python bench/process.py [--articles 10000] [--workers 2] [--shared /work/shared] [--skip-unhinted]
                                   [--skip-real]

The last stdout line is a JSON object (bench/run.py reads it).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from threading import BrokenBarrierError
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_processing import generate_pages, run_trafilatura  # noqa: E402  (sibling bench module)
from common import DEFAULT_SHARED, emit, peak_rss_mb  # noqa: E402

from pipeline import cleaning, encoding, language  # noqa: E402
from pipeline.process import blocks  # noqa: E402
from pipeline.sources import Source, all_sources  # noqa: E402

Page = tuple[str, str, bytes]   # (source id, url, page bytes as fetched)
Cleaned = tuple[str, str, str | None, str, float] | None   # title, text, published, language, confidence

_sources: dict[str, Source] = {}


def clean(pages: list[Page], hinted: bool = True) -> list[Cleaned]:
    """Each page decoded, cleaned and its language detected (None when it is not a usable article), as a run
    cleans (`pipeline.process.clean_pages`): a block of pages at a time, extraction over the whole block
    before language detection.

    `hinted=False` ignores the sources' hints, as for an outlet declared without any.
    """
    if not _sources:
        _sources.update({s.id: s for s in all_sources()})
    out: list[Cleaned] = []
    for block in blocks(pages):
        found = [cleaning.extract(encoding.decode_html(page[2])[0], url=page[1],
                                  hints=_sources[page[0]].hints if hinted else None) for page in block]
        for page, ex in zip(block, found, strict=True):
            if not ex.is_article or not ex.text.strip():
                out.append(None)
                continue
            title = ex.title or ""
            lang, confidence = language.detect(ex.text, title=title, prior=_sources[page[0]].language,
                                               html_lang=ex.html_lang, seed=0)
            out.append((title, ex.text, ex.published, lang, confidence))
    return out


def _peak_kb() -> int:
    """This process's peak resident set (VmHWM), in kB; 0 where /proc has no such line."""
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _clean_chunk(pages: list[Page]) -> tuple[list[Cleaned], int, int]:
    """A worker's task: its pages cleaned, with its pid and peak RSS so far."""
    return clean(pages), os.getpid(), _peak_kb()


def _worker_init(warm: list[Page], barrier: Any) -> None:
    # language models and compiled patterns load on first use: before the clock starts, as in a run
    clean(warm)
    try:
        barrier.wait(timeout=600)
    except BrokenBarrierError:
        pass


def run_one(pages: list[Page], hinted: bool = True) -> dict[str, Any]:
    """Every page cleaned in this process."""
    clean(pages[:5], hinted)
    start = time.perf_counter()
    kept = sum(1 for c in clean(pages, hinted) if c is not None)
    return {"seconds": time.perf_counter() - start, "articles": kept}


def run_many(pages: list[Page], workers: int, chunksize: int) -> dict[str, Any]:
    """Every page cleaned by `workers` warmed processes, the cleaned fields sent back to this one."""
    ctx = mp.get_context("forkserver")
    barrier = ctx.Barrier(workers + 1)
    peaks: dict[int, int] = {}
    kept = 0
    with ctx.Pool(workers, initializer=_worker_init, initargs=(pages[:5], barrier)) as pool:
        barrier.wait(timeout=600)
        start = time.perf_counter()
        tasks = [pages[k:k + chunksize] for k in range(0, len(pages), chunksize)]
        for cleaned, pid, peak in pool.imap(_clean_chunk, tasks):
            kept += sum(1 for c in cleaned if c is not None)
            peaks[pid] = max(peaks.get(pid, 0), peak)
        seconds = time.perf_counter() - start
    return {"workers": workers, "chunksize": chunksize, "seconds": seconds, "articles": kept,
            "worker_peak_mb": [round(kb / 1024, 1) for kb in sorted(peaks.values(), reverse=True)]}


def run_real(root: Path, rounds: int = 2) -> dict[str, Any]:
    """Clean + language on the real pages of the extraction data (third-party sites, so no hints but for the
    outlets' own pages) against `trafilatura.extract` on the same bytes: rounds alternate, and the fastest
    of each side counts (the least disturbed by other load)."""
    import trafilatura

    from pipeline.evaluation.extraction import hints_for, load_cases

    cases = [case for group in load_cases(root).values() for case in group]
    hints = [hints_for(case.url) for case in cases]

    def ours() -> None:
        # by blocks, as a run cleans (see `clean`)
        for block in blocks(range(len(cases))):
            found = [cleaning.extract(cases[k].raw, url=cases[k].url, hints=hints[k]) for k in block]
            for ex in found:
                language.detect(ex.text, title=ex.title or "", html_lang=ex.html_lang, seed=0)

    def plain() -> None:
        for case in cases:
            trafilatura.extract(case.raw, url=case.url or None)

    ours()
    plain()  # first calls load models and compile patterns on both sides
    best = {"veille": float("inf"), "trafilatura": float("inf")}
    for _ in range(rounds):
        for name, work in (("trafilatura", plain), ("veille", ours)):
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    return {"pages": len(cases), "hinted": sum(h is not None for h in hints), "rounds": rounds,
            "seconds": best["veille"], "trafilatura_seconds": best["trafilatura"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="data dir holding SIB-200 and the seeds")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunksize", type=int, default=32, help="pages per worker task")
    ap.add_argument("--seed", type=int, default=7, help="the page draw (bench_processing.py's default)")
    ap.add_argument("--skip-unhinted", action="store_true", help="skip the pass that ignores the sources' hints")
    ap.add_argument("--skip-real", action="store_true", help="skip the real pages of <shared>/data/extraction")
    args = ap.parse_args()
    if args.articles < 1 or args.workers < 1:
        ap.error("--articles and --workers must be positive")
    pages = [(source, url, html.encode("utf-8")) for source, url, html in
             generate_pages(args.articles, args.shared, args.seed)]
    # Trafilatura alone on the same bytes in this process, before and after the single-process passes (the
    # faster counts): a baseline from another process minutes away moved with this VM's drift
    base = [run_trafilatura(pages)["seconds"]]
    result: dict[str, Any] = {"phase": "clean", "pages": len(pages), "one": run_one(pages)}
    result["one"]["peak_mb"] = peak_rss_mb()["self_mb"]
    if not args.skip_unhinted:
        result["unhinted"] = run_one(pages, hinted=False)
    base.append(run_trafilatura(pages)["seconds"])
    result["trafilatura"] = {"seconds": min(base), "round_seconds": [round(b, 3) for b in base]}
    if args.workers > 1:
        result["many"] = run_many(pages, args.workers, args.chunksize)
    real = args.shared / "data" / "extraction"
    if not args.skip_real and real.is_dir():
        result["real"] = run_real(real)
    result["rss"] = peak_rss_mb()
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
