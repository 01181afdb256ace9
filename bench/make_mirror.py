"""Generate a large replay mirror for benchmarks: N distinct articles over D days, every declared source.

Article text is recombined from real sentences (SIB-200, CC BY-SA 4.0, and the
five seed articles for French): each article is a different random draw of 6-10
sentences in its edition's language, so deduplication sees distinct texts. Each
generated page says so in its leading comment. Day k's tree holds the articles
of days 1..k; feeds, listings, sitemaps and JSON sources list all of them.

    .venv/bin/python bench/make_mirror.py --articles 5000 --days 2 --out var/bench-mirror [--shared /work/shared]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_demo_mirror import (  # noqa: E402  (sibling dev script, not a package)
    TAGS,
    article_url,
    load_sib,
    paragraphs_from,
    read_seed,
    section_for,
    title_from,
)

from pipeline.mirrorgen import MirrorArticle, write_mirror  # noqa: E402
from pipeline.sources import Source, all_sources  # noqa: E402

NOTE = ("generated for benchmarks: text recombined from real sentences (SIB-200, CC BY-SA 4.0, and seed "
        "articles), each article a distinct combination; page structure modelled on the outlet's documented "
        "structure, not captured from the site")
FIRST_DAY = date(2026, 1, 5)


def sentence_pools(shared: Path) -> dict[str, list[tuple[str, str]]]:
    """(category, sentence) pools per edition language; French also gets the seeds' sentences."""
    sib = load_sib(shared)
    pools = {lang: list(rows.values()) for lang, rows in sib.items()}
    for path in sorted((shared / "seeds").glob("*.txt")):
        _, paras = read_seed(path)
        for para in paras:
            pools["fr"] += [("science/technology", s) for s in re.split(r"(?<=[.!?])\s+", para) if len(s) > 40]
    return pools


def draw_articles(plan: Sequence[tuple[date, int]], sources: Sequence[Source], shared: Path, seed: int,
                  key_prefix: str = "") -> list[list[MirrorArticle]]:
    """Articles per planned day ((day, count) pairs), cycling through `sources`; every text a distinct draw."""
    rng = random.Random(seed)
    pools = sentence_pools(shared)
    seen: set[tuple[str, ...]] = set()
    out: list[list[MirrorArticle]] = []
    i = 0
    for the_day, count in plan:
        batch: list[MirrorArticle] = []
        slots = -(-count // len(sources))
        for j in range(max(count, 0)):
            source = sources[i % len(sources)]
            lang = source.language
            while True:
                draw = rng.sample(pools[lang], rng.randint(6, 10))
                key = tuple(s for _, s in draw)
                if key not in seen:
                    seen.add(key)
                    break
            category = draw[0][0]
            title = title_from(min(key, key=len), lang)
            slot = j // len(sources)
            start = datetime(the_day.year, the_day.month, the_day.day, 0, 5, tzinfo=ZoneInfo(source.timezone))
            when = start + timedelta(seconds=int(slot * 86000 / max(slots, 1)))
            section = section_for(source.id, category)
            if source.id == "people-fr" and section not in {"Chine", "Economie", "International", "Culture",
                                                             "Sciences"}:
                section = "Chine"
            url = article_url(source.id, the_day, title, category, section, f"bench{key_prefix}{seed}-{i}")
            batch.append(MirrorArticle(source.id, url, title, paragraphs_from(list(key), lang), when,
                                       section, (TAGS[category],)))
            i += 1
        out.append(batch)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=Path("/work/shared"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.articles < 1 or args.days < 1:
        ap.error("--articles and --days must be positive")
    sources = all_sources()
    per_day = -(-args.articles // args.days)
    plan = [(FIRST_DAY + timedelta(days=d), min(per_day, args.articles - d * per_day)) for d in range(args.days)]
    articles = [(day + 1, a) for day, batch in enumerate(draw_articles(plan, sources, args.shared, args.seed))
                for a in batch]
    manifest: dict[str, dict[str, object]] = {"days": {}}
    for day in range(1, args.days + 1):
        tree = args.out / f"day{day}"
        if tree.exists():
            shutil.rmtree(tree)
        current = [a for d, a in articles if d <= day]
        as_of = FIRST_DAY + timedelta(days=day - 1)
        files = write_mirror(tree, current, sources, as_of, feed_limit=None, note=NOTE)
        manifest["days"][str(day)] = {
            "as_of": as_of.isoformat(),
            "sources": {s.id: [{"url": a.url, "title": a.title, "published": a.published.isoformat()}
                               for a in current if a.source_id == s.id] for s in sources}}
        print(f"day {day}: {len(current)} articles, {len(files)} files in {tree}")
    (args.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
