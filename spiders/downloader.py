"""Scrapy's downloader, holding each host to its concurrency under the asyncio reactor.

Scrapy 2.19 starts every download as an asyncio task and counts it against its slot (the host) only when the
task first runs. `Downloader._process_queue` checks the slot's free places in a loop that starts tasks, so
nothing it starts is counted yet and the whole queue of a host goes out at once: measured on a loopback
server, 9 requests in flight to one host with `concurrency_per_host` 1 (tests/test_politeness.py). Counting
the request when its task is created, not when it runs, restores the limit; Scrapy's own accounting removes
it when the download ends, as before.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    """`DOWNLOADER` of the project: the stock downloader with each started download counted at once."""

    def _wait_for_download(self, slot: Slot, request: Request,
                           queue_dfd: Deferred[Any]) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # the task runs later; the loop that created it must see it now
        return super()._wait_for_download(slot, request, queue_dfd)
