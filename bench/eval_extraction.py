"""Main text, title and date: veille beside plain trafilatura.extract (see pipeline.evaluation.extraction).

    .venv/bin/python bench/eval_extraction.py [DATA_DIR] [--out bench/results/extraction.json] [--quick] [--verbose]

Same as `veille eval extraction --data DATA_DIR`; --verbose also lists the pages where veille's
title or date misses the gold, with plain Trafilatura's answer beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.evaluation import extraction

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("bench/results/extraction.json"))
    parser.add_argument("--quick", action="store_true", help="a few pages per dataset")
    parser.add_argument("--verbose", action="store_true", help="list title and date misses")
    args = parser.parse_args(argv)
    sys.stdout.write(extraction.run(args.data, args.out, args.quick, verbose=args.verbose))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
