"""What the spider hands to the item pipeline: one fetched (or refused) URL."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

# The pages.jsonl fields, in the order they are written.
PAGE_FIELDS = ("url", "final_url", "kind", "status", "fetched_at", "etag", "last_modified", "content_type",
               "charset", "warc_file", "warc_offset", "content_hash", "bytes", "failure", "feed_date",
               "feed_title")


@dataclass
class PageItem:
    """One fetch: its pages.jsonl fields plus the raw response the archive stores."""

    url: str
    final_url: str
    kind: str
    fetched_at: str
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    charset: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    content_hash: str | None = None
    bytes: int = 0
    failure: str | None = None
    feed_date: str | None = None
    feed_title: str | None = None
    # not written to pages.jsonl: the archive needs them
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: builtins.bytes | None = None

    def record(self) -> dict[str, Any]:
        """The pages.jsonl line of this fetch."""
        return {name: getattr(self, name) for name in PAGE_FIELDS}
