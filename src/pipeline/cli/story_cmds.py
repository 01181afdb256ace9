"""`veille dedup`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from pipeline.cli.common import add_command, load_settings, read_json_lines, write_json_line

if TYPE_CHECKING:
    from pipeline.stories import Doc

_OPTIONAL = ("url", "source", "published", "language")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "dedup", 'group {"id", "title", "text", ...} JSON lines on stdin into stories',
                    "veille dedup < articles.jsonl > stories.jsonl", run_dedup)
    p.add_argument("--window-days", type=int, metavar="N",
                   help="articles further apart than N days join only if exact copies (default: setting story_window_days)")


def to_doc(obj: dict[str, Any]) -> Doc:
    """A Doc from one input object; ValueError names the field that is wrong."""
    from pipeline.stories import Doc  # numpy and the story modules: only for this command

    raw_id = obj.get("id")
    if raw_id is None or isinstance(raw_id, (dict, list, bool)) or str(raw_id) == "":
        raise ValueError('missing or unusable "id"')
    title, text = obj.get("title") or "", obj.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        raise ValueError('"title" and "text" must be strings')
    if not title.strip() and not text.strip():
        raise ValueError('empty "title" and "text"')
    extra: dict[str, str | None] = {}
    for name in _OPTIONAL:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{name}" must be a string')
        extra[name] = value or None
    return Doc(id=str(raw_id), title=title, text=text, **extra)


def run_dedup(args: argparse.Namespace) -> int:
    from pipeline.stories import dedup

    settings = load_settings(args)
    window = args.window_days if args.window_days is not None else settings.story_window_days
    # Each output line waits for the whole batch: grouping needs every article.
    rows: list[tuple[Any, str | None, str | None]] = []
    docs: dict[str, Doc] = {}
    for raw_id, obj, error in read_json_lines(sys.stdin):
        if error is not None or obj is None:
            rows.append((raw_id, None, error or "unreadable line"))
            continue
        try:
            doc = to_doc(obj)
        except ValueError as exc:
            rows.append((raw_id, None, str(exc)))
            continue
        # A repeated id is one article sent twice: it gets one story.
        docs.setdefault(doc.id, doc)
        rows.append((raw_id, doc.id, None))
    stories = dedup(list(docs.values()), window_days=window, workers=settings.story_workers)
    for raw_id, key, error in rows:
        if key is None:
            write_json_line({"id": raw_id, "error": error})
        else:
            write_json_line({"id": raw_id, "story_id": stories[key]})
    return 0
