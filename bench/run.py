"""`make bench`: processing, warehouse and memory benchmarks in one table, every figure against a same-run baseline.

Each benchmark runs in its own interpreter (so each peak RSS is its own);
the table is printed and written to bench/results/bench-<date>.json with the
date, CPU model and core count.

    .venv/bin/python bench/run.py [--scale 1m] [--articles 2000] [--shared /work/shared] [--skip warehouse]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_SHARED, Row, machine, render_table, run_child, write_json  # noqa: E402

OVERHEAD_GOAL = 0.15
SPEEDUP_GOAL = 1.8
LATENCY_GOAL_MS = 200.0
TIMEOUT_S = 3600.0


def processing_rows(trafilatura: dict[str, Any], pipeline: dict[str, Any]) -> list[Row]:
    """Throughput, overhead over Trafilatura, multi-process speed-up and peak memory."""
    pages = pipeline["pages"]
    base_s = trafilatura["trafilatura"]["seconds"]
    one, many = pipeline["one"], pipeline.get("many")
    base_rate, one_rate = pages / base_s, pages / one["seconds"]
    overhead = one["seconds"] / base_s - 1
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in one["stages"].items())
    rows = [
        Row("processing", "trafilatura.extract alone, 1 process", base_rate, "articles/s", "", base_rate, 1.0,
            note=f"{pages} pages, {trafilatura['html_bytes'] / pages / 1024:.1f} KiB HTML each, default options"),
        Row("processing", "full pipeline, 1 process", one_rate, "articles/s", "trafilatura alone", base_rate,
            one_rate / base_rate, goal=f"overhead <= {OVERHEAD_GOAL:.0%} (is {overhead:+.0%})",
            met=overhead <= OVERHEAD_GOAL,
            note=(f"clean+language+topics+hash per page ({stages}) + stories over the batch "
                  f"{one['stories_seconds']:.1f}s; {one['articles']} articles, {one['stories']} stories")),
    ]
    if many:
        speedup = one["seconds"] / many["seconds"]
        rows.append(Row("processing", f"full pipeline, {many['workers']} processes", pages / many["seconds"],
                        "articles/s", "full pipeline, 1 process", one_rate, speedup,
                        goal=f"speed-up >= {SPEEDUP_GOAL}x", met=speedup >= SPEEDUP_GOAL,
                        note=(f"Pool(imap, chunksize {many['chunksize']}), workers warmed before timing; "
                              f"per-page part {one['per_page_seconds'] / many['per_page_seconds']:.2f}x, "
                              f"stories stay serial ({many['stories_seconds']:.1f}s)")))
    base_rss = trafilatura["rss"]["self_mb"]
    rss = pipeline["rss"]
    rows.append(Row("memory", "peak RSS, processing (main process)", rss["self_mb"], "MiB",
                    "trafilatura-only child", base_rss, rss["self_mb"] / base_rss,
                    note=(f"ru_maxrss of each child (both hold the {pages} generated pages); the pool "
                          f"workers run under a fork server, so their own peaks are not included")))
    return rows


def warehouse_rows(data: dict[str, Any]) -> list[Row]:
    """Merge rate against row-by-row INSERT, file size, view and search latency per tier."""
    rbr = data["row_by_row"]
    rows: list[Row] = []
    for n, t in data["tiers"].items():
        label = f"{int(n) // 1000:,}k" if int(n) < 1_000_000 else f"{int(n) / 1e6:g}M"
        rows.append(Row("warehouse", f"merge_rows articles @{label} (batches of {t['batch']:,})", t["rows_per_s"],
                        "rows/s", "row-by-row INSERT", rbr["rows_per_s"], t["rows_per_s"] / rbr["rows_per_s"],
                        note=(f"row-by-row measured on {rbr['rows']:,} rows ({rbr['seconds']:.1f}s, autocommit) "
                              f"and its rate extrapolated; {n} articles merged in {t['merge_seconds']:.1f}s; "
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
            rows.append(Row("warehouse", f"{name} @{label}", ms, "ms", "full text scan", scan, ms / scan,
                            goal=f"< {LATENCY_GOAL_MS:.0f} ms", met=ms < LATENCY_GOAL_MS, note=note))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("100k", "1m"), default="100k", help="1m adds the 1M-article tier")
    ap.add_argument("--articles", type=int, default=2000, help="pages for the processing benchmark")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="data dir holding SIB-200 and the seeds")
    ap.add_argument("--skip", choices=("processing", "warehouse"), action="append", default=[])
    args = ap.parse_args()
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
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            missing.append(f"processing: {exc}")
    else:
        missing.append("processing and memory: skipped (--skip processing)")
    if "warehouse" not in args.skip:
        tiers = ["--articles", "100000"] + (["--articles", "1000000"] if args.scale == "1m" else [])
        try:
            raw["warehouse"] = run_child("bench_warehouse.py", [*tiers, *shared], 4 * TIMEOUT_S)
            rows += warehouse_rows(raw["warehouse"])
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            missing.append(f"warehouse: {exc}")
    else:
        missing.append("warehouse: skipped (--skip warehouse)")
    if args.scale != "1m":
        missing.append("1M-article warehouse tier (run with --scale 1m)")
    print(render_table(info, rows, missing))
    path = write_json(info, rows, missing, raw)
    print(f"written: {path}")
    return 1 if any(m.startswith(("processing:", "warehouse:")) for m in missing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
