"""Language accuracy per language and length: veille beside plain langdetect (see pipeline.evaluation.language).

    .venv/bin/python bench/eval_language.py [TOPICS_DIR] [--out bench/results/language.json] [--quick] [--verbose]

Same as `veille eval language --data TOPICS_DIR`; --verbose also lists every text veille gets wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.evaluation import language

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "topics"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("bench/results/language.json"))
    parser.add_argument("--quick", action="store_true", help="a few texts per file")
    parser.add_argument("--verbose", action="store_true", help="list veille's misses")
    args = parser.parse_args(argv)
    sys.stdout.write(language.run(args.data, args.out, args.quick, verbose=args.verbose))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
