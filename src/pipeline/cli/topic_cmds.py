"""`veille topics train` and `veille classify`."""

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
    not_implemented,
    read_json_lines,
    write_json_line,
)

# Articles are scored by the model in chunks: one predict call per chunk is far
# cheaper than one per line, and a chunk keeps memory flat on long inputs.
CHUNK = 64


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "topics", "manage tracked topics (train a model from labelled examples)",
                    "veille topics train --examples labelled.tsv --out topics.model", not_implemented)
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION")
    t = add_command(tsub, "train", "train a topic model from a TSV of category/headline/text",
                    "veille topics train --examples labelled.tsv --out topics.model", cmd_train)
    t.add_argument("--examples", required=True, metavar="FILE.tsv")
    t.add_argument("--out", required=True, metavar="MODEL")

    p = add_command(sub, "classify", 'tag {"id", "title", "text", "language"?} JSON lines on stdin with topics',
                    "veille classify --topics topics.yaml < articles.jsonl", cmd_classify)
    p.add_argument("--topics", metavar="YAML", help="topics rules file")
    p.add_argument("--model", metavar="MODEL", help="trained topic model file")


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
                write_json_line({"id": rid, "topics": [{"topic": m.topic, "score": m.score, "evidence": m.evidence}
                                                       for m in results[n]]})
    return 0
