"""`make bench`: processing, crawl, warehouse and memory benchmarks in one table, every figure against a same-run baseline.

Each benchmark runs in its own interpreter (so each peak RSS is its own);
the table is printed and written to bench/results/bench-<date>.json with the
date, CPU model and core count.

    .venv/bin/python bench/run.py [--scale 1m] [--articles 10000] [--shared /work/shared] [--skip crawl] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_SHARED, Row, machine, render_table, run_child, write_json  # noqa: E402

from pipeline.story_reading import PARALLEL_MIN  # noqa: E402

OVERHEAD_GOAL = 0.15
SPEEDUP_GOAL = 1.8
LATENCY_GOAL_MS = 200.0
LATENCY_GOAL_TIER = 100_000  # the tier the latency goal is set for
CLUSTER_GOAL_S = 60.0
CLUSTER_GOAL_MB = 2048.0
HELPED = (f"helper processes read part of the articles when {PARALLEL_MIN:,} or more are read at once, "
          f"the grouping runs in one")
TIMEOUT_S = 3600.0


def _rounds(measure: Mapping[str, Any]) -> str:
    """A measure's round times, as printed in the rows' notes ("27.9, 31.5")."""
    return ", ".join(f"{s:.1f}" for s in measure.get("round_seconds", []))


def cleaning_rows(trafilatura: dict[str, Any], cleaned: dict[str, Any]) -> list[Row]:
    """Clean + language alone: its cost against Trafilatura alone, with and without the sources' hints, the
    speed-up of worker processes, and the memory of each process."""
    pages = cleaned["pages"]
    # Trafilatura on the same bytes in the cleaning's own process, before and after its passes
    own = cleaned.get("trafilatura")
    base_s = own["seconds"] if own else trafilatura["trafilatura"]["seconds"]
    base_rate = pages / base_s
    base_note = (f"; baseline: Trafilatura on the same bytes in the same process, the faster of "
                 f"{_rounds(own)} s (before and after)" if own else "")
    rows: list[Row] = []
    for key, name, note in (
            ("one", "clean + language, 1 process",
             "bytes decoded, cleaned with each source's hints (body selector: Trafilatura's fallback comparison "
             "is skipped), title, date, authors, article check, language with the source's as prior"),
            ("unhinted", "clean + language, 1 process, sources' hints ignored",
             "the same with no hints, as for an outlet declared without any: Trafilatura's full comparison "
             "runs on every page")):
        if key not in cleaned:
            continue
        seconds = cleaned[key]["seconds"]
        overhead = seconds / base_s - 1
        rows.append(Row("cleaning", name, pages / seconds, "articles/s", "trafilatura alone", base_rate,
                        base_s / seconds, goal=f"extra cost <= {OVERHEAD_GOAL:.0%} (is {overhead:+.1%})",
                        met=overhead <= OVERHEAD_GOAL,
                        note=f"{note}; {cleaned[key]['articles']} articles{base_note}"))
    real = cleaned.get("real")
    if real:
        overhead = real["seconds"] / real["trafilatura_seconds"] - 1
        rows.append(Row("cleaning", f"clean + language, {real['pages']} real pages of other sites, 1 process",
                        real["pages"] / real["seconds"], "articles/s", "trafilatura alone, same pages",
                        real["pages"] / real["trafilatura_seconds"], real["trafilatura_seconds"] / real["seconds"],
                        goal=f"extra cost <= {OVERHEAD_GOAL:.0%} (is {overhead:+.1%})", met=overhead <= OVERHEAD_GOAL,
                        note=(f"the pages of data/extraction (fundus, Readability, Trafilatura's, the outlets'), "
                              f"hints for the {real['hinted']} of declared outlets only; no language prior; the "
                              f"fastest of {real['rounds']} alternating rounds each")))
    many = cleaned.get("many")
    if many:
        speedup = cleaned["one"]["seconds"] / many["seconds"]
        rows.append(Row("cleaning", f"clean + language, {many['workers']} processes", pages / many["seconds"],
                        "articles/s", "clean + language, 1 process", pages / cleaned["one"]["seconds"], speedup,
                        goal=f"speed-up >= {SPEEDUP_GOAL}x", met=speedup >= SPEEDUP_GOAL,
                        note=(f"{many['workers']} warmed worker processes, {many['chunksize']} pages a task, the "
                              f"cleaned fields sent back to the main process")))
    workers = ", ".join(f"{mb:.0f}" for mb in many["worker_peak_mb"]) if many else ""
    rows.append(Row("memory", "peak RSS, clean + language (main process)", cleaned["one"]["peak_mb"], "MiB",
                    "trafilatura-only child", trafilatura["rss"]["self_mb"],
                    cleaned["one"]["peak_mb"] / trafilatura["rss"]["self_mb"],
                    note=(f"both hold the {pages} generated pages"
                          + (f"; each worker's own peak: {workers} MiB" if workers else ""))))
    return rows


def processing_rows(trafilatura: dict[str, Any], pipeline: dict[str, Any]) -> list[Row]:
    """Throughput, overhead over Trafilatura, multi-process speed-up and peak memory."""
    pages = pipeline["pages"]
    alone_s = trafilatura["trafilatura"]["seconds"]
    # the full pipeline's baseline: Trafilatura in the pipeline's own process, in alternating rounds with it
    base = pipeline.get("trafilatura") or trafilatura["trafilatura"]
    base_s = base["seconds"]
    rounds = pipeline.get("rounds", 1)
    one, many = pipeline["one"], pipeline.get("many")
    base_rate, one_rate = pages / base_s, pages / one["seconds"]
    overhead = one["seconds"] / base_s - 1
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in one["stages"].items())
    spread = f"Trafilatura {_rounds(base)} s; pipeline {_rounds(one)} s"
    rows = [
        Row("processing", "trafilatura.extract alone, 1 process", pages / alone_s, "articles/s", "",
            pages / alone_s, 1.0,
            note=(f"{pages} pages, {trafilatura['html_bytes'] / pages / 1024:.1f} KiB HTML each, default options; "
                  f"its own process (the memory rows' baseline)")),
        Row("processing", "full pipeline, 1 process", one_rate, "articles/s", "trafilatura alone", base_rate,
            one_rate / base_rate, goal=f"overhead <= {OVERHEAD_GOAL:.0%} (is {overhead:+.0%})",
            met=overhead <= OVERHEAD_GOAL,
            note=(f"{one['sources']} sources one after the other, as a run loads them: clean+language+topics+hash "
                  f"per page ({stages}), then the source's stories against the sources loaded before "
                  f"(reading and linking, {one['stories_seconds']:.1f}s in all) and its load into a new warehouse "
                  f"(articles, topics, search index, stories; one transaction per source, then a checkpoint: "
                  f"{one['load_seconds']:.1f}s); {one['articles']} articles, {one['stories']} stories; baseline: "
                  f"Trafilatura on the same pages in the same process, the fastest of {rounds} rounds alternating "
                  f"with the pipeline's ({spread})")),
    ]
    if many:
        speedup = one["seconds"] / many["seconds"]
        rows.append(Row("processing", f"full pipeline, {many['workers']} processes", pages / many["seconds"],
                        "articles/s", "full pipeline, 1 process", one_rate, speedup,
                        goal=f"speed-up >= {SPEEDUP_GOAL}x", met=speedup >= SPEEDUP_GOAL,
                        note=(f"{many['workers']} warmed worker processes (nice +{many.get('worker_nice', 0)}) clean "
                              f"and read the articles for story grouping ({many['chunksize']} pages a task); this "
                              f"process links each source's "
                              f"stories ({many['stories_seconds']:.1f}s) and loads it ({many['load_seconds']:.1f}s, "
                              f"one writer) as soon as its pages are done, and waited "
                              f"{many['waiting_seconds']:.1f}s for them; {many['stories']} stories (1 process: "
                              f"{one['stories']}); rounds {_rounds(many)} s")))
    base_rss = trafilatura["rss"]["self_mb"]
    rss = pipeline["rss"]
    rows.append(Row("memory", "peak RSS, processing (main process)", rss["self_mb"], "MiB",
                    "trafilatura-only child", base_rss, rss["self_mb"] / base_rss,
                    note=(f"ru_maxrss of each child (both hold the {pages} generated pages); the pool "
                          f"workers run under a fork server, so their own peaks are not included")))
    return rows


def _day_steps(day: dict[str, Any]) -> str:
    steps = ("read_window", "assign_stories", "merge_batch", "open_close", "checkpoint")
    return " / ".join(f"{day.get(f'{k}_seconds', 0.0):.2f}" for k in steps) + "s"


def warehouse_rows(data: dict[str, Any]) -> list[Row]:
    """Merge rate against row-by-row INSERT, file size, view and search latency per tier."""
    rbr = data["row_by_row"]
    rows: list[Row] = []
    tiers = sorted(data["tiers"], key=int)
    if len(tiers) > 1:
        small = data["tiers"][tiers[0]]["daily"]
        for n in tiers[1:]:
            big = data["tiers"][n]["daily"]
            growth = big["merge_batch_seconds"] / small["merge_batch_seconds"]
            rows.append(Row("growth", f"daily load of {big['new']:,} new articles @{int(n):,} stored",
                            big["merge_batch_seconds"], "s", f"same load @{int(tiers[0]):,} stored",
                            small["merge_batch_seconds"], growth, goal="grows with the new work (ratio <= 1.5)",
                            met=growth <= 1.5,
                            note=(f"merge_batch: articles, topics, search index, stories in one transaction; "
                                  f"warehouse {int(n) // int(tiers[0])}x larger. The crawls' seen-URL reads (one per source) do "
                                  f"grow with the warehouse: {big['seen_urls_seconds']:.2f}s for {big['seen_urls']:,} "
                                  f"URLs vs {small['seen_urls_seconds']:.2f}s for {small['seen_urls']:,}, and the "
                                  f"crawl processes read them in {big.get('crawl_seen_read_seconds', 0):.2f}s vs "
                                  f"{small.get('crawl_seen_read_seconds', 0):.2f}s the first time, "
                                  f"{big.get('crawl_seen_read_cached_seconds', 0):.2f}s vs "
                                  f"{small.get('crawl_seen_read_cached_seconds', 0):.2f}s the day after "
                                  f"(lines found canonical are kept)")))
        first = data["tiers"][tiers[0]].get("growth")
        for n in tiers[1:]:
            day = data["tiers"][n].get("growth")
            if not (first and day):
                continue
            ratio = day["seconds"] / first["seconds"]
            rows.append(Row("growth", f"a day's work: {day['new']:,} new articles in {day['loads']} loads "
                            f"@{int(n):,} stored", day["seconds"], "s", f"same day @{int(tiers[0]):,} stored",
                            first["seconds"], ratio, goal="grows with the new work (ratio <= 1.5)", met=ratio <= 1.5,
                            note=(f"read the story window ({day['window_rows'][0]:,}+ articles), assign stories, "
                                  f"merge_batch, open/close per load, the day's checkpoint: "
                                  f"{_day_steps(day)} (@{int(tiers[0]):,}: {_day_steps(first)})")))
            # story assignment reads only the window and dominates the day, so the warehouse's own part is
            # shown apart: what would grow with the stored articles if anything does
            stored, stored_first = (d["seconds"] - d["assign_stories_seconds"] for d in (day, first))
            ratio = stored / stored_first
            rows.append(Row("growth", f"the same day's warehouse steps (all but story assignment) @{int(n):,} stored",
                            stored, "s", f"same steps @{int(tiers[0]):,} stored", stored_first, ratio,
                            goal="grows with the new work (ratio <= 1.5)", met=ratio <= 1.5,
                            note="window read, merge_batch, open/close and checkpoint (as above)"))
    for n, t in data["tiers"].items():
        label = f"{int(n) // 1000:,}k" if int(n) < 1_000_000 else f"{int(n) / 1e6:g}M"
        for bulk in (t.get("bulk"), t.get("bulk_batches")):
            if not bulk:
                continue
            one = bulk["batch"] >= int(n)
            goal_met = bulk["rows_per_s"] >= 50_000 if int(n) == 100_000 and one else None
            size = "in one staged MERGE" if one else f"in batches of {bulk['batch']:,}"
            rows.append(Row("warehouse", f"bulk load: merge_rows articles @{label} ({size}, "
                            "closing checkpoint included)", bulk["rows_per_s"], "rows/s", "row-by-row INSERT",
                            rbr["rows_per_s"], bulk["rows_per_s"] / rbr["rows_per_s"],
                            goal=">= 50,000 rows/s at 100k" if goal_met is not None else "", met=goal_met,
                            note=(f"row-by-row measured on {rbr['rows']:,} rows ({rbr['seconds']:.1f}s, autocommit) "
                                  f"and its rate extrapolated; {n} articles in {bulk['seconds']:.1f}s, of which "
                                  f"{bulk['checkpoint_seconds']:.1f}s the closing checkpoint")))
        rows.append(Row("warehouse", f"merge_rows articles while building the @{label} tier", t["rows_per_s"],
                        "rows/s", "row-by-row INSERT", rbr["rows_per_s"], t["rows_per_s"] / rbr["rows_per_s"],
                        note=(f"interleaved with the search index and topic rows, whose statements may pay the "
                              f"automatic checkpoints; {n} articles merged in {t['merge_seconds']:.1f}s; "
                              f"{t['topic_rows']:,} topic rows merged in {t['topics_merge_seconds']:.1f}s")))
        raw_mb = 3.0  # ~3 KB of text per article: the generator's target
        rows.append(Row("warehouse", f"file size per 1k articles @{label}", t["mb_per_1k"], "MB",
                        "raw text", raw_mb, t["mb_per_1k"] / raw_mb,
                        note=(f"after CHECKPOINT, with topics, stories, crawl runs; with the FTS index "
                              f"{t['mb_per_1k_with_fts']:.2f} MB (index built in {t['fts_build_seconds']:.1f}s)")))
        scan = t["baseline_scan"]["median_ms"]
        for name, lat in [*t["views"].items(), (f"fts.search {t['search']['engine']}", t["search"])]:
            ms = lat["median_ms"]
            note = f"median of 5 warm runs, first run {lat['cold_ms']:.0f} ms, {lat['rows']} rows"
            if name == "story_copies":
                note += "; copies of the 50 latest multi-article stories"
            # the issue sets the latency goal at 100k articles; the 1M tier is reported without one
            scoped = int(n) <= LATENCY_GOAL_TIER
            rows.append(Row("warehouse", f"{name} @{label}", ms, "ms", "full text scan", scan, ms / scan,
                            goal=f"< {LATENCY_GOAL_MS:.0f} ms" if scoped else "-",
                            met=ms < LATENCY_GOAL_MS if scoped else None, note=note))
    return rows


def stories_rows(data: dict[str, Any]) -> list[Row]:
    """Clustering N articles into stories against exact hashing of the same articles, and its peak memory."""
    n, seconds, exact_s = data["articles"], data["seconds"], data["exact_seconds"]
    # the helper processes that read articles hold their own memory: their peak counts on top
    helpers = data.get("helpers_mb", 0.0)
    peak = data["rss"]["self_mb"] + helpers
    return [
        Row("stories", f"cluster {n:,} recombined articles (`veille dedup` path)", seconds, "s",
            "exact content hashing alone", exact_s, seconds / exact_s, goal=f"<= {CLUSTER_GOAL_S:.0f} s",
            met=seconds <= CLUSTER_GOAL_S,
            note=(f"{data['stories']:,} stories (exact hashing: {data['exact_groups']:,} groups); near-duplicates, "
                  f"republications, same event, translations; story_workers {data.get('workers', 1)}: {HELPED}")),
        Row("memory", f"peak RSS, clustering {n:,} articles", peak, "MiB", "the articles alone", data["corpus_mb"],
            peak / data["corpus_mb"], goal=f"<= {CLUSTER_GOAL_MB / 1024:.0f} GB", met=peak <= CLUSTER_GOAL_MB,
            note=(f"ru_maxrss of the clustering process ({data['rss']['self_mb']:.0f} MiB: the articles and "
                  f"everything built from them) plus the peak of its helper processes, sampled every 0.2 s "
                  f"({helpers:.0f} MiB)")),
    ]


def crawl_rows(data: dict[str, Any]) -> tuple[list[Row], list[str]]:
    """First-crawl wall time against the peers, day-2 requests per new article, peak memory of the run."""
    one, two, peer = data["veille_day1"], data["veille_day2"], data["asyncio"]
    n, new = data["articles"], data["new"]
    fetched = one["requests"].get("articles", 0)
    setting = (f"{len(data['sources'])} sources on 5 hosts, {data['latency_s'] * 1000:.0f} ms per response, "
               f"{data['concurrency']} requests in flight per host, no delay, for every contender")
    if "error" in peer:
        raise RuntimeError(f"asyncio client failed: {peer['error']}")
    ratio = one["seconds"] / peer["seconds"]
    rows = [
        Row("crawl", f"plain asyncio (aiohttp) + trafilatura.extract, {n:,} articles", peer["extracted"] / peer["seconds"],
            "pages/s", "", peer["extracted"] / peer["seconds"], 1.0,
            note=(f"{peer['seconds']:.1f}s wall, {peer['requests']} requests, {peer['extracted']} texts "
                  f"of {peer['article_urls']} article URLs from the same feeds and sitemaps; {setting}")),
        Row("crawl", f"veille run, first crawl of {n:,} articles", fetched / one["seconds"], "pages/s",
            "plain asyncio + trafilatura.extract", peer["extracted"] / peer["seconds"], ratio,
            goal="wall-time ratio <= 1.0", met=ratio <= 1.0,
            note=(f"{one['seconds']:.1f}s wall for the whole `veille run` (Prefect flow, one Scrapy process per "
                  f"source, clean, language, topics, stories, load, report; Prefect home warmed before: "
                  f"{data['warmup_seconds']:.0f}s); {one['requests']['total']} requests, {data['stored_articles']:,} "
                  f"articles stored after day 2; the ratio is of wall times")),
    ]
    per_new = two["requests"].get("articles", 0) / new
    rows.append(Row("crawl", "day 2: article requests per new article", per_new, "requests", "", 1.0, per_new,
                    goal="<= 1.05", met=per_new <= 1.05,
                    note=(f"{new} new articles; plus {two['requests'].get('discovery', 0)} feed/sitemap/listing "
                          f"requests and {two['requests'].get('robots', 0)} robots.txt; {two['seconds']:.1f}s wall")))
    rows.append(Row("memory", f"peak RSS, veille run of {n:,} articles (whole process tree)",
                    one["peak_tree_mb"], "MiB", "plain asyncio client", peer["rss"]["self_mb"],
                    one["peak_tree_mb"] / peer["rss"]["self_mb"], goal="<= 1 GB", met=one["peak_tree_mb"] <= 1024,
                    note=("sum over the flow, its Prefect server and the five Scrapy processes, sampled every "
                          "0.25 s; pages stream from pages.jsonl and the WARC, one source's batch at a time")))
    missing: list[str] = []
    cli = data.get("trafilatura_cli", {})
    if "skipped" in cli:
        missing.append(f"crawl: Trafilatura's crawler (`trafilatura --feed --parallel`): {cli['skipped']}")
    elif cli:
        cli_ratio = one["seconds"] / cli["seconds"]
        rows.insert(1, Row("crawl", "trafilatura --feed --parallel (its own crawler)",
                           cli["extracted"] / cli["seconds"], "pages/s", "", cli["extracted"] / cli["seconds"], 1.0,
                           note=f"{cli['seconds']:.1f}s wall, {cli['requests']} requests, {cli['extracted']} outputs"))
        rows.insert(3, Row("crawl", "veille run against Trafilatura's crawler", fetched / one["seconds"], "pages/s",
                           "trafilatura crawler", cli["extracted"] / cli["seconds"], cli_ratio,
                           goal="wall-time ratio <= 1.0", met=cli_ratio <= 1.0))
    return rows, missing


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("100k", "1m"), default="100k", help="1m adds the 1M-article tier")
    ap.add_argument("--articles", type=int, default=10_000, help="pages for the processing benchmark (the issue's 10,000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="data dir holding SIB-200 and the seeds")
    ap.add_argument("--skip", choices=("processing", "stories", "warehouse", "crawl"), action="append", default=[])
    ap.add_argument("--quick", action="store_true", help="small sizes everywhere (a smoke run, not figures)")
    args = ap.parse_args()
    if args.quick:
        args.articles = min(args.articles, 300)
    info = machine()
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    missing: list[str] = []
    shared = ["--shared", str(args.shared)]
    if "processing" not in args.skip:
        common = ["--articles", str(args.articles), *shared]
        try:
            raw["trafilatura"] = run_child("bench_processing.py", ["--phase", "trafilatura", *common], TIMEOUT_S)
            raw["pipeline"] = run_child("bench_processing.py", ["--phase", "pipeline", "--workers",
                                                                str(args.workers), *common], TIMEOUT_S)
            rows += processing_rows(raw["trafilatura"], raw["pipeline"])
            raw["cleaning"] = run_child("process.py", ["--workers", str(args.workers), *common], TIMEOUT_S)
            rows += cleaning_rows(raw["trafilatura"], raw["cleaning"])
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            missing.append(f"processing: {exc}")
    else:
        missing.append("processing and memory: skipped (--skip processing)")
    if "stories" not in args.skip:
        try:
            raw["stories"] = run_child("bench_stories.py", ["--n", "10000" if args.quick else "100000", *shared],
                                       TIMEOUT_S)
            rows += stories_rows(raw["stories"])
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            missing.append(f"stories: {exc}")
    else:
        missing.append("stories: skipped (--skip stories)")
    if "warehouse" not in args.skip:
        tiers = ["--articles", "10000"] + ([] if args.quick else ["--articles", "100000"]) + (
            ["--articles", "1000000"] if args.scale == "1m" else [])
        try:
            raw["warehouse"] = run_child("bench_warehouse.py", [*tiers, *shared], 4 * TIMEOUT_S)
            rows += warehouse_rows(raw["warehouse"])
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            missing.append(f"warehouse: {exc}")
    else:
        missing.append("warehouse: skipped (--skip warehouse)")
    if "crawl" not in args.skip:
        try:
            raw["crawl"] = run_child("crawl.py", [*(["--quick"] if args.quick else []), *shared], TIMEOUT_S)
            extra_rows, extra_missing = crawl_rows(raw["crawl"])
            rows += extra_rows
            missing += extra_missing
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            missing.append(f"crawl: {exc}")
    else:
        missing.append("crawl: skipped (--skip crawl)")
    if args.scale != "1m":
        missing.append("1M-article warehouse tier (run with --scale 1m)")
    print(render_table(info, rows, missing))
    path = write_json(info, rows, missing, raw)
    print(f"written: {path}")
    return 1 if any(m.startswith(("processing:", "stories:", "warehouse:", "crawl: crawl.py")) for m in missing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
