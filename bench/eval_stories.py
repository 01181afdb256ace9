"""Story grouping: quality on cases built from real text (`pipeline.evaluation.dedup`, as `veille eval dedup`)
and the time to cluster recombined articles.

The timing set recombines real sentences into distinct articles, so no two articles are recycled copies.

    .venv/bin/python bench/eval_stories.py [--data /work/shared] [--n 100000] [--seed 1] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import stories as stories_module
from pipeline.evaluation import dedup as dedup_eval
from pipeline.evaluation.dedup import read_tsv
from pipeline.stories import Doc, assign_stories, dedup

SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Þ«\"“])")


def stamp(base: datetime, hours: float) -> str:
    return (base + timedelta(hours=hours)).isoformat()


def seeds(data: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((data / "seeds").glob("*.txt"))]


def synthetic(data: Path, n: int, rng: random.Random) -> list[Doc]:
    """Distinct articles recombined from real sentences (8-14 sentences each)."""
    pool: list[str] = []
    for lang in ("fra", "eng"):
        for row in read_tsv(data / f"data/topics/masakhanews/{lang}/dev.tsv"):
            pool += [s.strip() for s in SENTENCE.split(row["text"]) if len(s.strip()) > 40]
    for text in seeds(data):
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
    parser.add_argument("--n", type=int, default=100000, help="articles in the timing run (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="small quality cases")
    parser.add_argument("--out", type=Path, help="also write the quality figures as JSON")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"eval_stories on {platform.node()} ({platform.machine()}, Python {platform.python_version()}), "
          f"{datetime.now(UTC):%Y-%m-%d}")
    print(dedup_eval.run(args.data, args.out, args.quick, seed=args.seed), end="")
    if args.n <= 0:
        return 0
    corpus = synthetic(args.data, args.n, rng)
    t0 = time.perf_counter()
    stories = dedup(corpus)
    elapsed = time.perf_counter() - t0
    print(f"dedup of {args.n} recombined articles: {elapsed:.1f} s, {len(set(stories.values()))} stories")
    if args.n > 1000:
        existing = corpus[:-1000]
        for d in existing:
            d.story_id = stories[d.id]
        # A daily run: the new articles share one day, so only existing articles inside the window are read.
        day = [Doc(id=d.id, title=d.title, text=d.text, source=d.source, published=stamp(start_of(corpus), 24 * 45))
               for d in corpus[-1000:]]
        t0 = time.perf_counter()
        assign_stories(existing, day)
        print(f"assign 1000 new (one day) against {len(existing)} existing: {time.perf_counter() - t0:.1f} s")
        print(f"the same day as {LOADS} loads (one per source, as the daily run), existing = the story window: "
              f"{in_loads(existing, day):.1f} s")
    return 0


LOADS = 4


def in_loads(existing: list[Doc], day: list[Doc]) -> float:
    """Seconds to assign `day` in LOADS successive calls, each seeing the window and the earlier loads' articles."""
    stories_module.forget_read_articles()  # nothing prepared by the earlier measures may be reused here
    day_start = min(datetime.fromisoformat(d.published or "") for d in day)
    # what `recent_articles` gives the daily run: the articles of the window before the day
    window = [d for d in existing
              if d.published and datetime.fromisoformat(d.published) >= day_start - timedelta(days=3)]
    t0 = time.perf_counter()
    for part in range(LOADS):
        chunk = [Doc(id=d.id, title=d.title, text=d.text, source=d.source, published=d.published)
                 for d in day[part::LOADS]]
        found = assign_stories(window, chunk)
        for d in chunk:
            d.story_id = found[d.id]
        window += chunk
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
