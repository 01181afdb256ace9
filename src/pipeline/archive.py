"""The WARC archive: raw responses of every crawl, written and read back with warcio."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# The body stored is the one the crawler saw after decoding, so these headers would describe it wrongly.
_DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


@dataclass(frozen=True)
class ArchivedResponse:
    """One archived HTTP response."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    date: str                               # WARC-Date, ISO 8601 UTC


def archive_name(run_id: str, source_id: str) -> str:
    """The WARC file name of one crawl."""
    return f"{run_id}-{source_id}.warc.gz"


class WarcArchive:
    """Appends gzipped response records to one WARC file; offsets point at each record's gzip member."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: BinaryIO = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        self._writer = WARCWriter(self._fh, gzip=True)
        self._lock = threading.Lock()

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                       date: datetime | None = None) -> int:
        """Append one response record (WARC-Target-URI = url); its offset in the file."""
        kept = [(k, v) for k, v in headers if k.lower() not in _DROPPED_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        when = (date or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = self._writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                 http_headers=http_headers,
                                                 warc_headers_dict={"WARC-Date": when})
        with self._lock:
            self._fh.seek(0, io.SEEK_END)
            offset = self._fh.tell()
            self._writer.write_record(record)
            self._fh.flush()
        return offset

    def close(self) -> None:
        """Flush and close the file."""
        self._fh.close()

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _to_response(record: ArcWarcRecord) -> ArchivedResponse:
    http = record.http_headers
    status = int(http.get_statuscode()) if http is not None else 0
    headers = {k: v for k, v in http.headers} if http is not None else {}
    return ArchivedResponse(url=record.rec_headers.get_header("WARC-Target-URI") or "", status=status,
                            headers=headers, body=record.content_stream().read(),
                            date=record.rec_headers.get_header("WARC-Date") or "")


def read_record(warc_file: str | Path, offset: int) -> ArchivedResponse:
    """The response record that starts at `offset` in a WARC file."""
    with open(warc_file, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                raise ValueError(f"{warc_file}@{offset}: a {record.rec_type} record, not a response")
            return _to_response(record)
    raise ValueError(f"{warc_file}@{offset}: no record there")


def iter_records(path: str | Path) -> Iterator[ArchivedResponse]:
    """Every response record of a WARC file, in order."""
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                yield _to_response(record)
