"""The item pipeline: archive each response to WARC, append its pages.jsonl line, write summary.json at the end."""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from pipeline import logs
from pipeline.archive import WarcArchive, archive_name
from pipeline.settings import load as load_settings
from pipeline.sources.reach import CHALLENGE_REASON
from spiders.items import PageItem
from spiders.source import page_from_response

log = logging.getLogger("veille.crawl")


def default_run_id() -> str:
    """A run id from the current UTC time, for crawls started without one."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def human_bytes(count: int) -> str:
    """A byte count as a short human figure (KB/MB)."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{round(count / 1024)} KB"


def progress_line(source_id: str, requests: int, articles: int, failures: int, size: int) -> str:
    """The one-line crawl progress/summary: `xinhua-fr: 14 requests, 11 articles, 0 failures, 123 KB`."""
    return f"{source_id}: {requests} requests, {articles} articles, {failures} failures, {human_bytes(size)}"


class PageRecorder:
    """Writes every fetch of one crawl: the WARC record, the pages.jsonl line (flushed), then summary.json."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        cfg = load_settings()
        self.run_id = str(settings.get("VEILLE_RUN_ID") or default_run_id())
        self.out_setting = str(settings.get("VEILLE_OUT") or "")
        self.archive_dir = Path(str(settings.get("VEILLE_ARCHIVE") or cfg.archive_dir))
        self.work_dir = Path(cfg.work_dir)
        self.live = bool(settings.getbool("VEILLE_PROGRESS", False)) and sys.stderr.isatty()
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.by_status: Counter[str] = Counter()
        self.pages = 0
        self.failures = 0
        self.challenges = 0
        self.articles = 0
        self.bytes = 0
        self._out: IO[str] | None = None
        self._warc: WarcArchive | None = None
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def source_id(self) -> str:
        """The id of the source being crawled."""
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        return str(getattr(source, "id", "") or getattr(spider, "name", "unknown"))

    @property
    def out_dir(self) -> Path:
        """Where pages.jsonl and summary.json go."""
        if self.out_setting:
            return Path(self.out_setting)
        return self.work_dir / self.run_id / self.source_id

    def open_spider(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._out = open(self.out_dir / "pages.jsonl", "w", encoding="utf-8")  # noqa: SIM115 - closed in close_spider
        self._warc = WarcArchive(self.archive_dir / archive_name(self.run_id, self.source_id))

    def response_received(self, response: Response, request: Request) -> None:
        # robots.txt fetches never reach a spider callback; they are pages of the crawl all the same
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt") \
                and "veille_kind" not in request.meta:
            self.write(page_from_response(response, "robots",
                                          None if response.status in (200, 404) else f"http {response.status}"))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageItem):
            self.write(item)
        return item

    def write(self, page: PageItem) -> None:
        """Archive one page's response (when it has one) and append its line."""
        if self._out is None or self._warc is None:
            return
        if page.body is not None and page.status is not None:
            page.warc_file = str(self._warc.path)
            page.warc_offset = self._warc.write_response(page.final_url or page.url, page.status, page.reason,
                                                         page.headers, page.body)
        self._out.write(json.dumps(page.record(), ensure_ascii=False) + "\n")
        self._out.flush()
        self.pages += 1
        if page.status is not None:
            self.by_status[str(page.status)] += 1
        if page.failure:
            self.failures += 1
            self.challenges += page.failure == CHALLENGE_REASON
            if self.live:
                sys.stderr.write("\n")  # the failure's line must not overwrite the progress line
            logs.failed_url(log, self.source_id, page.url, page.failure, status=page.status, kind=page.kind)
        elif page.kind == "article" and page.status == 200:
            self.articles += 1
        self.bytes += page.bytes
        page.body = None
        if self.live:
            sys.stderr.write("\r" + self.line())
            sys.stderr.flush()

    def requests_sent(self) -> int:
        """Requests that went out, retries and robots.txt included."""
        stats = self.crawler.stats
        return int(stats.get_value("downloader/request_count", 0) or 0) if stats else self.pages

    def line(self) -> str:
        """The current progress line."""
        return progress_line(self.source_id, self.requests_sent(), self.articles, self.failures, self.bytes)

    def close_spider(self) -> None:
        if self._out is not None:
            self._out.close()
        if self._warc is not None:
            self._warc.close()
        if self.live:
            sys.stderr.write("\n")
        summary = {
            "source_id": self.source_id, "run_id": self.run_id, "started": self.started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"), "requests": self.requests_sent(),
            "responses_by_status": dict(sorted(self.by_status.items())), "failures": self.failures,
            "bytes": self.bytes, "articles": self.articles, "challenge_pages": self.challenges, "error": None,
        }
        (self.out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                                   encoding="utf-8")
