"""Story grouping at scale: cluster N recombined real-text articles as `veille dedup` does, time and peak memory.

The baseline, in the same process and on the same articles, is grouping by exact content hash alone
(what a pipeline without near-duplicate, republication and translation grouping would do). Peak memory
is this process's (it holds the articles and everything the grouping builds) plus the peak of its helper
processes (the fork server and the processes that read articles, setting story_workers), sampled from
/proc; the articles alone are measured before the grouping starts.

    .venv/bin/python bench/bench_stories.py [--n 100000] [--shared /work/shared] [--seed 1] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_SHARED, emit, peak_rss_mb, tree_rss_kb, warm_story_reading  # noqa: E402  (sibling bench module)
from eval_stories import synthetic  # noqa: E402

from pipeline import settings  # noqa: E402
from pipeline.stories import Doc, dedup  # noqa: E402
from pipeline.textnorm import content_hash  # noqa: E402


def current_rss_mb() -> float:
    """Resident set size of this process now, in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def exact_groups(docs: list[Doc]) -> int:
    """How many groups exact content hashing makes of `docs` (the baseline)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        groups[content_hash(f"{doc.title or ''}\n{doc.text or ''}")].append(doc.id)
    return len(groups)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="articles to cluster")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="data dir holding the seeds and masakhanews")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None,
                    help="processes reading the articles (default: the setting story_workers)")
    args = ap.parse_args()
    if args.n < 2:
        ap.error("--n must be at least 2")
    workers = settings.load().story_workers if args.workers is None else args.workers
    print(f"generating {args.n:,} recombined articles", file=sys.stderr, flush=True)
    corpus = synthetic(args.shared, args.n, random.Random(args.seed))
    corpus_mb = current_rss_mb()
    warm_story_reading()
    start = time.perf_counter()
    exact = exact_groups(corpus)
    exact_s = time.perf_counter() - start
    print(f"exact hashing: {exact_s:.1f} s; clustering", file=sys.stderr, flush=True)
    # the helpers are children of a fork server, not of this process: ru_maxrss of children misses them,
    # so the process tree is sampled while the grouping runs
    helpers_kb = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal helpers_kb
        while not done.wait(0.2):
            helpers_kb = max(helpers_kb, tree_rss_kb(os.getpid(), include_root=False))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    stories = dedup(corpus, workers=workers)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    emit({"articles": args.n, "workers": workers, "seconds": round(seconds, 2), "stories": len(set(stories.values())),
          "exact_seconds": round(exact_s, 2), "exact_groups": exact, "corpus_mb": round(corpus_mb, 1),
          "rss": peak_rss_mb(), "helpers_mb": round(helpers_kb / 1024, 1)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
