"""Topics: quality (rules, model, TF-IDF + LogReg baseline from the same run) and classify throughput.

Quality is `veille eval topics` (pipeline.evaluation.topics). Throughput: the
packaged default topics and a model trained on masakhanews fewshot_50 (eng)
together, tagging the real masakhanews dev articles (each made distinct by an
id prefix) in chunks of 64 like `veille classify`, in one process pinned to
one core.

    .venv/bin/python bench/eval_topics.py [--data ../shared/data/topics] [--out var/bench/eval_topics.json]
                                          [--quick] [--skip-quality]
"""

from __future__ import annotations

import os

# One core: BLAS and OpenMP threads off before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from pipeline.evaluation import topics as evaluation  # noqa: E402
from pipeline.topics import Tagger, fit, load_rules  # noqa: E402

CHUNK = 64


def throughput(data: Path, articles: int) -> dict[str, Any]:
    """Articles per second, default topics + trained model, one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    train = evaluation.read(data / "masakhanews" / "fewshot_50" / "eng" / "train.tsv")
    pool: list[tuple[str, str, str | None]] = []
    for lang, code in (("eng", "en"), ("fra", "fr")):
        _, titles, texts = evaluation.read(data / "masakhanews" / lang / "dev.tsv")
        pool += [(t, x, code) for t, x in zip(titles, texts, strict=True)]
    items = [(f"{i} {pool[i % len(pool)][0]}", f"{i} {pool[i % len(pool)][1]}", pool[i % len(pool)][2])
             for i in range(articles)]
    tagger = Tagger(load_rules(), fit(*train))
    tagger.tag_batch(items[:CHUNK])  # warm-up: feature names and caches
    started = time.perf_counter()
    tags = 0
    for at in range(0, len(items), CHUNK):
        tags += sum(len(r) for r in tagger.tag_batch(items[at:at + CHUNK]))
    seconds = time.perf_counter() - started
    chars = sum(len(t) + len(x) for t, x, _ in items) / len(items)
    return {"articles": len(items), "seconds": round(seconds, 2), "articles_per_second": round(len(items) / seconds),
            "mean_chars": round(chars), "tags": tags}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/topics", help="folder with masakhanews/ and sib200/")
    parser.add_argument("--out", default="var/bench/eval_topics.json")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-quality", action="store_true", help="only the throughput figure")
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    data, out = Path(args.data), Path(args.out)
    result: dict[str, Any] = {}
    if not args.skip_quality:
        quality = out.with_name(out.stem + "_quality.json")
        sys.stdout.write(evaluation.run(data, quality, args.quick))
        result["quality"] = json.loads(quality.read_text(encoding="utf-8"))
    speed = throughput(data, 500 if args.quick else args.articles)
    result["throughput"] = speed
    print(f"classify, default topics + model, one core: {speed['articles_per_second']} articles/s "
          f"({speed['articles']} articles of {speed['mean_chars']} characters on average in {speed['seconds']} s)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
