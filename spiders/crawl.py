"""One crawl of one source in this process: `python -m spiders.crawl --source ID --out DIR [...]`.

Writes DIR/pages.jsonl (one line per fetched or refused URL, as it happens), DIR/summary.json and a WARC
file under --archive. Exit 0 when the crawl ran, even if pages failed; 2 when it could not start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import sources as sources_mod
from pipeline import stackdump
from pipeline.settings import SettingsError
from pipeline.settings import load as load_settings


def build_parser() -> argparse.ArgumentParser:
    """The crawl's command line."""
    p = argparse.ArgumentParser(prog="python -m spiders.crawl", description="crawl one source once")
    p.add_argument("--source", required=True, metavar="ID", help="source id, e.g. xinhua-fr")
    p.add_argument("--out", required=True, metavar="DIR", help="where pages.jsonl and summary.json go")
    p.add_argument("--mirror", metavar="URL", help="send every request to URL/HOST/PATH (replay mirror)")
    p.add_argument("--seen", metavar="FILE", help="canonical URLs already stored, one per line: never fetched")
    p.add_argument("--seen-cache", metavar="FILE", help="kept between crawls of the source: the --seen lines found "
                   "canonical before, not canonicalised again")
    p.add_argument("--validators", metavar="FILE", help='JSON {url: {"etag", "last_modified"}} for conditional GET')
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="pretend the crawl runs on this day")
    p.add_argument("--lookback-days", type=int, metavar="N", help="date-window overlap (default: setting)")
    p.add_argument("--days", type=int, metavar="N", help="backfill window: as_of-N .. as_of")
    p.add_argument("--archive", metavar="DIR", help="WARC directory (default: setting archive_dir)")
    p.add_argument("--run-id", metavar="RID", help="run id (default: the current UTC time)")
    p.add_argument("--max-articles", type=int, metavar="N", help="cap on new articles (default: setting)")
    p.add_argument("--revisit", metavar="FILE", help="re-fetch these known article URLs (one per line) instead of "
                   "discovering new ones; paced by the setting revisit_delay")
    return p


def _fail(message: str) -> int:
    sys.stderr.write(f"spiders.crawl: {message}\n")
    return 2


def _fail_unanswered(out: Path, source_id: str, run_id: str, started: str) -> None:
    """A crawl that got no response at all failed, whatever Scrapy made of it: say so in its summary."""
    from pipeline.crawl_output import no_answer, read_summary

    why = no_answer(out, read_summary(out))
    if why is not None:
        _write_summary_error(out, source_id, run_id, started, why)


def _write_summary_error(out: Path, source_id: str, run_id: str, started: str, error: str) -> None:
    path = out / "summary.json"
    try:
        summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {"source_id": source_id, "run_id": run_id, "started": started,
                   "finished": datetime.now(UTC).isoformat(timespec="seconds"), "requests": 0,
                   "responses_by_status": {}, "failures": 0, "bytes": 0, "articles": 0}
    summary["error"] = error
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run one crawl; the process exit status."""
    args = build_parser().parse_args(argv)
    stackdump.install()  # a crawl that seems stuck: `kill -USR1 PID` shows where
    try:
        cfg = load_settings()
        sources_mod.get(args.source)
    except SettingsError as exc:
        return _fail(f"bad settings: {exc}")
    except KeyError as exc:
        return _fail(str(exc.args[0] if exc.args else exc))
    if args.as_of:
        try:
            date.fromisoformat(args.as_of)
        except ValueError:
            return _fail(f"--as-of: expected YYYY-MM-DD, got {args.as_of!r}")
    for flag, value in (("--seen", args.seen), ("--validators", args.validators), ("--revisit", args.revisit)):
        if value and not Path(value).is_file():
            return _fail(f"{flag}: file not found: {value}")

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from spiders.pipelines import default_run_id, progress_line

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run_id = args.run_id or default_run_id()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    settings = get_project_settings()
    settings.set("VEILLE_OUT", str(out.resolve()), priority="cmdline")
    settings.set("VEILLE_RUN_ID", run_id, priority="cmdline")
    settings.set("VEILLE_ARCHIVE", str(Path(args.archive or cfg.archive_dir).resolve()), priority="cmdline")
    settings.set("VEILLE_PROGRESS", True, priority="cmdline")
    if args.mirror is not None:
        settings.set("VEILLE_MIRROR", args.mirror, priority="cmdline")

    if args.revisit:
        # the revisit pass is a background check, not news: it keeps its own, usually slower, pace
        settings.set("DOWNLOAD_DELAY", cfg.revisit_delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", cfg.revisit_delay > 0, priority="cmdline")
        settings.set("AUTOTHROTTLE_START_DELAY", max(cfg.revisit_delay, 1.0), priority="cmdline")

    errors: list[str] = []
    # veille's structured lines instead of Scrapy's root handler: one line per event, no traces for expected failures
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    from pipeline import logs

    logs.configure(cfg.log_level, cfg.log_format)
    from scrapy import signals

    if args.revisit:
        from spiders.revisit import RevisitSpider

        spider: Any = RevisitSpider
        spider_args: dict[str, Any] = {"source": args.source, "urls": args.revisit}
    else:
        spider = "source"
        spider_args = {"source": args.source, "as_of": args.as_of, "lookback_days": args.lookback_days,
                       "days": args.days, "seen": args.seen, "seen_cache": args.seen_cache,
                       "validators": args.validators, "max_articles": args.max_articles}
    closed: list[str] = []

    def on_closed(spider: object, reason: str) -> None:  # a named function: Scrapy keeps weak references
        closed.append(reason)

    crawler = process.create_crawler(spider)
    crawler.signals.connect(on_closed, signal=signals.spider_closed)
    deferred = process.crawl(crawler, **spider_args)
    deferred.addErrback(lambda failure: errors.append(f"{type(failure.value).__name__}: {failure.value}"))
    process.start()

    if errors:
        _write_summary_error(out, args.source, run_id, started, errors[0])
    elif "closespider_timeout" in closed:
        # what was fetched is kept; the URLs not reached are not stored, so a later run may still fetch them
        _write_summary_error(out, args.source, run_id, started, f"stopped at the crawl time limit "
                             f"({cfg.crawl_time_limit} s); what it did not reach is left to the next run")
    elif not (out / "summary.json").is_file():
        _write_summary_error(out, args.source, run_id, started, "crawl ended without a summary")
    else:
        _fail_unanswered(out, args.source, run_id, started)
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}
    if not sys.stderr.isatty():
        sys.stderr.write(progress_line(args.source, summary.get("requests", 0), summary.get("articles", 0),
                                       summary.get("failures", 0), summary.get("bytes", 0)) + "\n")
    if summary.get("error"):
        sys.stderr.write(f"{args.source}: crawl error: {summary['error']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
