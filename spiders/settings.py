"""Scrapy settings of the veille project, read from veille's own settings (defaults, file, VEILLE_* variables)."""

from __future__ import annotations

import os

from pipeline.settings import load as _load

_cfg = _load()

BOT_NAME = "veille"
SPIDER_MODULES = ["spiders.source"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = f"{_cfg.user_agent} {_cfg.contact}".strip() if _cfg.contact else _cfg.user_agent
ROBOTSTXT_OBEY = _cfg.obey_robots
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = _cfg.concurrency_per_host
DOWNLOAD_DELAY = _cfg.download_delay
DOWNLOAD_TIMEOUT = _cfg.download_timeout
# A crawl that never ends would hold up the whole run: Scrapy closes it at this age, keeping what it fetched.
CLOSESPIDER_TIMEOUT = _cfg.crawl_time_limit
DOWNLOAD_MAXSIZE = _cfg.max_page_bytes
DOWNLOAD_WARNSIZE = 0
# A zero delay means a loopback mirror or a test run: throttling would only add AutoThrottle's start delay.
AUTOTHROTTLE_ENABLED = _cfg.download_delay > 0
AUTOTHROTTLE_START_DELAY = max(_cfg.download_delay, 1.0)
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = _cfg.retry_times > 0
RETRY_TIMES = _cfg.retry_times
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
# Scrapy looks for `return value` in generator callbacks by parsing their source, and its cache is keyed
# on the bound method, a new object for every response: 13% of a crawl's CPU (cProfile, 500 articles).
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy runs each response's output through CONCURRENT_ITEMS asyncio workers (100 by default), started
# for every response even when it yields one item; PageRecorder writes synchronously, so one is enough.
CONCURRENT_ITEMS = 1

# The replay mirror ("" = the real web); `python -m spiders.crawl --mirror` overrides it.
VEILLE_MIRROR = _cfg.mirror

# The stock downloader let a host's whole queue out at once under the asyncio reactor (spiders/downloader.py).
DOWNLOADER = "spiders.downloader.PoliteDownloader"
DOWNLOAD_HANDLERS = {
    "http": "spiders.middlewares.MirrorDownloadHandler",
    "https": "spiders.middlewares.MirrorDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # before OffsiteMiddleware (50) and RobotsTxtMiddleware (100): a refused host is not even asked for robots.txt
    "spiders.middlewares.GuardMiddleware": 40,
    # before robots.txt (100), so robots.txt goes through the source's proxy too; HttpProxyMiddleware is at 750
    "spiders.middlewares.SourceProxyMiddleware": 45,
    "spiders.middlewares.CrawlDelayMiddleware": 101,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.RetryAfterMiddleware": 550,
}
ITEM_PIPELINES = {"spiders.pipelines.PageRecorder": 300}

# Scrapy's own log stays at WARNING unless VEILLE_LOG_LEVEL is set explicitly.
LOG_LEVEL = os.environ.get("VEILLE_LOG_LEVEL", "WARNING").upper()
