"""`veille extract` and `veille language`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipeline.cli.common import BadInput, add_command, load_settings, read_json_lines, write_json_line

# Big enough for any article page; a list entry pointing at a huge file is refused, not read.
MAX_FILE_BYTES = 50 * 1024 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(sub, "extract", "extract main text and metadata from saved HTML pages",
                    "veille extract page.html --url https://french.news.cn/20260101/ab.../c.html\n"
                    "  veille extract --batch pages.jsonl > extracted.jsonl", run_extract)
    p.add_argument("file", nargs="?", help="an HTML file (gzipped or not)")
    p.add_argument("--url", default="", help="the page's URL (improves dates and hints)")
    p.add_argument("--batch", metavar="LIST.jsonl", help='JSON lines of {"id", "path", "url"}')

    add_command(sub, "language", 'detect the language of {"id", "text"} JSON lines on stdin',
                "echo '{\"id\": 1, \"text\": \"La coopération numérique\"}' | veille language", run_language)


def _hints_for(url: str) -> tuple[Any, str | None]:
    """The declared source's cleaning hints and language for a URL's host, when one owns it."""
    if not url:
        return None, None
    try:
        from urllib.parse import urlsplit

        from pipeline.sources import all_sources
        host = urlsplit(url).hostname or ""
        for source in all_sources():
            if source.owns(host):
                return source.hints, source.language
    except Exception:  # noqa: BLE001 - hints only improve extraction; without them it still works
        pass
    return None, None


def extract_file(path: Path, url: str, seed: int) -> dict[str, Any]:
    """The contract's extract fields for one saved page."""
    from pipeline import cleaning, language

    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    raw = path.read_bytes()
    hints, edition = _hints_for(url)
    page = cleaning.extract(raw, url=url, hints=hints)
    lang, confidence = language.detect(page.text, title=page.title or "", prior=edition,
                                       html_lang=page.html_lang, seed=seed)
    return {"url": url, "title": page.title, "text": page.text, "published": page.published,
            "date_source": page.date_source, "authors": page.authors, "language": lang,
            "language_confidence": confidence, "is_article": page.is_article, "method": page.method}


def run_extract(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    if args.batch and args.file:
        raise BadInput("extract: give either FILE or --batch LIST.jsonl, not both")
    if not args.batch:
        if not args.file:
            raise BadInput("extract: FILE or --batch LIST.jsonl is required")
        path = Path(args.file)
        if not path.is_file():
            raise BadInput(f"extract: {path}: no such file")
        try:
            write_json_line(extract_file(path, args.url or "", settings.language_seed))
        except OSError as exc:
            raise BadInput(f"extract: {path}: {exc.strerror or exc}") from exc
        return 0
    batch = Path(args.batch)
    try:
        stream = batch.open(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"extract: {batch}: {exc.strerror or exc}") from exc
    with stream:
        for item_id, obj, error in read_json_lines(stream):
            if obj is None:
                write_json_line({"id": item_id, "error": error})
                continue
            write_json_line(_one(item_id, obj, settings.language_seed))
    return 0


def _one(item_id: Any, obj: dict[str, Any], seed: int) -> dict[str, Any]:
    path, url = obj.get("path"), obj.get("url") or ""
    if not isinstance(path, str) or not path:
        return {"id": item_id, "error": 'missing "path"'}
    if not isinstance(url, str):
        return {"id": item_id, "error": '"url" must be a string'}
    try:
        return {"id": item_id, **extract_file(Path(path), url, seed)}
    except OSError as exc:
        return {"id": item_id, "error": f"{path}: {exc.strerror or exc}"}
    except Exception as exc:  # noqa: BLE001 - one bad page is an error line, the batch goes on
        return {"id": item_id, "error": f"{path}: {type(exc).__name__}: {exc}"}


def run_language(args: argparse.Namespace) -> int:
    from pipeline import language

    settings = load_settings(args)
    for item_id, obj, error in read_json_lines(sys.stdin):
        if obj is None:
            write_json_line({"id": item_id, "error": error})
            continue
        text = obj.get("text")
        if text is not None and not isinstance(text, str):
            write_json_line({"id": item_id, "error": '"text" must be a string'})
            continue
        title = obj.get("title") if isinstance(obj.get("title"), str) else ""
        lang, confidence = language.detect(text or "", title=title or "", seed=settings.language_seed)
        write_json_line({"id": item_id, "language": lang, "confidence": confidence})
    return 0
