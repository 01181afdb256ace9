"""`veille eval extraction|language|topics|dedup`: quality figures beside a baseline from the same run."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from pipeline.cli.common import BadInput, add_command

# each evaluation lives in pipeline.evaluation.<name> and exposes
#   run(data: Path, out: Path | None, quick: bool) -> str   (the printed table; JSON written to `out`)
EVALUATIONS = {
    "extraction": ("main text, title and date vs plain trafilatura.extract", "../shared/data/extraction"),
    "language": ("accuracy per language and length vs plain langdetect", "../shared/data/topics"),
    "topics": ("per-topic P/R/F1, rules and model vs TF-IDF + logistic regression", "../shared/data/topics"),
    "dedup": ("pairwise same-story precision/recall vs exact hashing", "../shared"),
}


def cmd_eval(args: argparse.Namespace) -> int:
    data = Path(args.data)
    if not data.exists():
        raise BadInput(f"--data: no such folder {data}")
    try:
        module = importlib.import_module(f"pipeline.evaluation.{args.eval_name}")
    except ModuleNotFoundError as exc:
        raise BadInput(f"evaluation {args.eval_name!r} is not available: {exc}") from exc
    table: str = module.run(data, Path(args.out) if args.out else None, args.quick)
    sys.stdout.write(table if table.endswith("\n") else table + "\n")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "eval", "measure quality on labelled data, beside a baseline measured in the same run",
                    "veille eval extraction --data ../shared/data/extraction", cmd_eval)
    esub = p.add_subparsers(dest="eval_name", metavar="WHAT", required=True)
    for name, (summary, example_dir) in EVALUATIONS.items():
        e = add_command(esub, name, summary, f"veille eval {name} --data {example_dir}", cmd_eval)
        e.add_argument("--data", required=True, metavar="DIR", help=f"the labelled data (e.g. {example_dir})")
        e.add_argument("--out", metavar="FILE.json", help="also write the figures as JSON")
        e.add_argument("--quick", action="store_true", help="a small sample, for a smoke test")
