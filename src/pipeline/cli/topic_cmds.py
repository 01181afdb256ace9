"""`veille topics train|backtest|sample` and `veille classify`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.cli.common import (
    BadInput,
    add_command,
    load_settings,
    needs_action,
    read_json_lines,
    write_json_line,
)

# Articles are scored by the model in chunks: one predict call per chunk is far
# cheaper than one per line, and a chunk keeps memory flat on long inputs.
CHUNK = 64


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "topics", "manage tracked topics: train a model, backtest new rules, sample tagged articles",
                    "veille topics backtest --rules new-topics.yaml --since 2026-01-01",
                    needs_action("train, backtest, sample"))
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION")
    t = add_command(tsub, "train", "train a topic model from a TSV of category/headline/text",
                    "veille topics train --examples labelled.tsv --out topics.model", cmd_train)
    t.add_argument("--examples", required=True, metavar="FILE.tsv")
    t.add_argument("--out", required=True, metavar="MODEL")
    t = add_command(tsub, "backtest", "re-tag the stored articles with new rules: per topic, what the change adds "
                    "and removes (read-only)", "veille topics backtest --rules new-topics.yaml --since 2026-01-01",
                    cmd_backtest)
    t.add_argument("--rules", required=True, metavar="NEW.yaml", help="the topics file to try")
    t.add_argument("--against", metavar="OLD.yaml", help="compare with these rules instead of the stored tags")
    t.add_argument("--model", metavar="MODEL", help="trained model used beside the rules (default: topics_model)")
    t.add_argument("--since", metavar="DATE", help="only articles published (or first seen) on or after DATE")
    t.add_argument("--examples", type=int, default=3, metavar="N", help="example titles per topic and side")
    t.add_argument("--format", choices=("table", "json"), default="table")
    t = add_command(tsub, "sample", "a seeded random sample of stored articles tagged TOPIC, for precision labelling",
                    "veille topics sample ai -n 50 --seed 1 --format csv > ai-sample.csv", cmd_sample)
    t.add_argument("topic", metavar="TOPIC")
    t.add_argument("-n", type=int, default=50, metavar="N", help="sample size (default 50)")
    t.add_argument("--seed", type=int, default=0, metavar="N", help="random seed, so a sample can be drawn again")
    t.add_argument("--since", metavar="DATE", help="only articles published (or first seen) on or after DATE")
    t.add_argument("--format", choices=("table", "csv", "json"), default="table")

    p = add_command(sub, "classify", 'tag {"id", "title", "text", "language"?} JSON lines on stdin with topics',
                    "veille classify --topics topics.yaml < articles.jsonl", cmd_classify)
    p.add_argument("--topics", metavar="YAML", help="topics rules file")
    p.add_argument("--model", metavar="MODEL", help="trained topic model file")
    p.add_argument("--spans", action="store_true",
                   help='also list where each rule term matched: "spans": [{"term", "field", "start", "end"}]')


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model from labelled examples and say what it learned."""
    from pipeline.topics import ModelError, train

    try:
        report = train(Path(args.examples), Path(args.out))
    except ModelError as exc:
        raise BadInput(str(exc)) from exc
    write_json_line({"model": str(report.out), "examples": report.examples, "labels": report.labels,
                     "skipped": report.skipped, "seconds": report.seconds})
    return 0


def _tagger(args: argparse.Namespace) -> Any:
    from pipeline.topics import ModelError, RulesError, Tagger, TaggingError, load_model, load_rules

    cfg = load_settings(args)
    topics_file: str | None = args.topics
    model_file: str | None = args.model
    if topics_file is None and model_file is None:
        topics_file = cfg.topics_file or ""
        model_file = cfg.topics_model or None
    try:
        rules = (load_rules(topics_file or None, default_threshold=cfg.min_topic_score)
                 if topics_file is not None else None)
        model = load_model(Path(model_file)) if model_file else None
        return Tagger(rules, model)
    except (RulesError, ModelError, TaggingError) as exc:
        raise BadInput(str(exc)) from exc


def _chunks(stream: Any) -> Iterator[list[tuple[Any, dict[str, Any] | None, str | None]]]:
    chunk: list[tuple[Any, dict[str, Any] | None, str | None]] = []
    for entry in read_json_lines(stream):
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _item(obj: dict[str, Any]) -> tuple[str, str, str | None]:
    title, text, language = obj.get("title"), obj.get("text"), obj.get("language")
    if title is not None and not isinstance(title, str):
        raise ValueError("'title' must be a string")
    if not isinstance(text, str):
        raise ValueError("missing 'text'" if text is None else "'text' must be a string")
    if language is not None and not isinstance(language, str):
        raise ValueError("'language' must be a string")
    return title or "", text, language or None


def cmd_classify(args: argparse.Namespace) -> int:
    """Tag each JSON line on stdin; one output line per input line."""
    tagger = _tagger(args)
    for chunk in _chunks(sys.stdin):
        good: list[tuple[int, tuple[str, str, str | None]]] = []
        errors: dict[int, str] = {}
        for n, (_rid, obj, err) in enumerate(chunk):
            if err is not None or obj is None:
                errors[n] = err or "not a JSON object"
                continue
            try:
                good.append((n, _item(obj)))
            except ValueError as exc:
                errors[n] = str(exc)
        results: dict[int, Any] = {}
        try:
            tagged = tagger.tag_batch([item for _, item in good])
            results = {n: r for (n, _), r in zip(good, tagged, strict=True)}
        except Exception:  # noqa: BLE001 - one bad record must not sink the chunk: retry one by one
            for n, item in good:
                try:
                    results[n] = tagger.tag(*item)
                except Exception as exc:  # noqa: BLE001 - recorded on the record's own output line
                    errors[n] = f"classification failed: {exc}"
        for n, (rid, _, _) in enumerate(chunk):
            if n in errors:
                write_json_line({"id": rid, "error": errors[n]})
            else:
                write_json_line({"id": rid, "topics": [_topic(m, args.spans) for m in results[n]]})
    return 0


def _topic(match: Any, spans: bool) -> dict[str, Any]:
    out = {"topic": match.topic, "score": match.score, "evidence": match.evidence}
    if spans:
        out["spans"] = match.spans
    return out


def cmd_backtest(args: argparse.Namespace) -> int:
    """Re-tag the warehouse history with new rules and print what changes per topic."""
    from pipeline.topics import ModelError, RulesError, Tagger, TaggingError, load_model, load_rules
    from pipeline.topics.backtest import BacktestError, backtest, render_backtest, report_json

    cfg = load_settings(args)
    if args.examples < 0:
        raise BadInput(f"--examples must be 0 or more, got {args.examples}")
    try:
        model_file = args.model if args.model is not None else (cfg.topics_model or None)
        model = load_model(Path(model_file)) if model_file else None
        new = Tagger(load_rules(args.rules, default_threshold=cfg.min_topic_score), model)
        old = (Tagger(load_rules(args.against, default_threshold=cfg.min_topic_score), model)
               if args.against else None)
        report = backtest(Path(cfg.db), cfg.read_wait, new, old, since=args.since, examples=args.examples)
    except (RulesError, ModelError, TaggingError, BacktestError) as exc:
        raise BadInput(str(exc)) from exc
    if args.format == "json":
        write_json_line(report_json(report))
    else:
        sys.stdout.write(render_backtest(report))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """Print a seeded random sample of articles tagged with a topic."""
    from pipeline import output
    from pipeline.topics.backtest import SAMPLE_COLUMNS, BacktestError, sample

    cfg = load_settings(args)
    try:
        rows = sample(Path(cfg.db), cfg.read_wait, args.topic, args.n, seed=args.seed, since=args.since)
    except BacktestError as exc:
        raise BadInput(str(exc)) from exc
    sys.stdout.write(output.render(SAMPLE_COLUMNS, rows, args.format))
    return 0
