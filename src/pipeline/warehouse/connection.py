"""Opening the DuckDB file under the one-writer rule.

DuckDB lets one process hold the file for writing, and while it does no
other process can open it, even read-only. So writers hold it one staged
batch at a time and everyone else retries for a bounded time, then fails
with a message naming the holder and since when (from a small holder file
written beside the database).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

RETRY_PAUSE = 0.2

# A write connection checkpoints on close, and DuckDB then rewrites the last, partly filled row group of
# every indexed table it appended to: with the default 122,880-row groups that was up to ~120k articles
# (1.5 s at 100k stored, the bulk of a daily load), with 16,384 it is at most 16k whatever the warehouse's
# size. The size is an option of ATTACH, not kept in the file (a connection without it merges small groups
# back into large ones on its next checkpoint), so every writer attaches with it.
ROW_GROUP_SIZE = 16_384
# DuckDB folds its write-ahead log into the file once the log passes this size (16 MiB by default). A
# batch smaller than a row group goes through the log, so with the default a bulk load of 10,000-article
# batches (~34 MB of log each) checkpointed every other batch, and each checkpoint rewrote the partly
# filled row groups the last one had written: 100k articles through merge_rows went from 17k to 30k
# articles/s with 256 MB, closing checkpoint included. Up to this much logged data stays in memory until
# the checkpoint (and a reader replays the log): a daily run's loads log a few MB per source, and the
# 5,000-article bench run peaked at the same RSS with either threshold (bench/crawl.py, 982 MiB both).
CHECKPOINT_THRESHOLD = "256MB"
# Article text is stored compressed with ZSTD, which DuckDB only writes in files of storage version 1.2 or
# later and, by default, only for strings of 4 KB and more on average. On real article text (1,233 distinct
# MasakhaNEWS articles, 3.9 KB each) DuckDB's default choice left the text uncompressed (6.3 MB) where ZSTD
# stores it in 2.4 MB; on the warehouse bench's 100k generated articles the file went from 223 to 36 MB,
# the load's speed the same within noise. The price is on reading one article's text (a vector is
# decompressed whole: ~8 ms instead of ~1.4). Titles and the other short columns keep their compression.
# Both are options of the writing connection: an older file gains ZSTD for what is written from then on.
# Storage 1.5 rather than 1.2, the first with ZSTD: at 1.2 a checkpoint cost in proportion to every table's
# row groups, changed or not (at 1M articles the ~25,000 of search_postings made each checkpoint 0.4 s,
# where 10k cost 0.03 s); at 1.5 it costs what changed. A 1.2 file is moved to 1.5 by its next writer, for
# good (DuckDB cannot lower a file's version), and migration 010 rewrites its largest tables in the new
# format. Where texts repeat (wire copies), 1.5 would store article text with its dictionary + FSST method
# at many times ZSTD's size: migration 010 declares the column ZSTD.
STORAGE_VERSION = "v1.5.0"
ZSTD_MIN_STRING_LENGTH = 1024
CATALOG = "warehouse"


# A writer that leaves its batch in the log (`write(checkpoint=False)`) still folds the log into the file
# once it passes this size: every connection, reader or writer, replays the whole log when it opens
# (~9 ms per MB here), so a run whose loads kept adding to it paid for each earlier source's batch again at
# every open. A day's loads log ~2 MB per 1,000 articles and stay below it; a first run of 10,000 articles
# (22 MB of log over nine sources) loaded in 6.0 s instead of 6.9 (bench_processing's loads, alternating
# runs, medians of four).
WAL_FOLD_BYTES = 16_000_000


def _log_size(db: Path) -> int:
    try:
        return log_path(db).stat().st_size
    except FileNotFoundError:
        return 0


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse longer than we may wait."""


class WarehouseMissing(FileNotFoundError):
    """A reader asked for a warehouse file that does not exist."""


def log_path(db: Path) -> Path:
    """DuckDB's write-ahead log of the file."""
    return db.with_name(db.name + ".wal")


def holder_path(db: Path) -> Path:
    return db.with_name(db.name + ".holder")


def _describe_holder(db: Path) -> str:
    try:
        info = json.loads(holder_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "warehouse busy (holder unknown)"
    return (f"warehouse busy since {info.get('since', '?')} "
            f"(held by pid {info.get('pid', '?')} on {info.get('host', '?')}: {info.get('command', '?')})")


def holder(db: Path) -> dict[str, object] | None:
    """The recorded writer, if its process is still alive."""
    try:
        info: dict[str, object] = json.loads(holder_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = info.get("pid")
    if isinstance(pid, int) and info.get("host") == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    return info


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


# DuckDB draws a progress bar on standard output for any query past two seconds, terminal or not: in the
# middle of a command's JSON lines. It is a setting of each connection, not of the database.
_NO_PROGRESS_BAR = "SET enable_progress_bar = false"


def _open(db: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}
    # readers never checkpoint, so the row group size does not matter to them
    con = duckdb.connect(str(db), read_only=True, config=config) if read_only else duckdb.connect(config=config)
    try:
        con.execute(_NO_PROGRESS_BAR)
        if read_only:
            return con
        path = str(db).replace("'", "''")
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        con.execute(f"SET zstd_min_string_length = {ZSTD_MIN_STRING_LENGTH}")
        con.execute(f"ATTACH '{path}' AS {CATALOG} "
                    f"(STORAGE_VERSION '{STORAGE_VERSION}', ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def _connect_retrying(db: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            return _open(db, read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"{_describe_holder(db)}; waited {wait:g}s for {db}") from exc
            time.sleep(RETRY_PAUSE)


@contextmanager
def read(db: str | Path, wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, retried for up to `wait` seconds while a writer holds the file."""
    path = Path(db)
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path} (run `veille run` or `veille demo` first)")
    con = _connect_retrying(path, read_only=True, wait=wait)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def write(db: str | Path, wait: float, checkpoint: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection for one batch; records who holds it while open.

    `checkpoint=False` leaves the batch in DuckDB's write-ahead log on close (committed and synced, replayed
    by the next connection) instead of folding it into the file: a run's per-source loads then share one
    checkpoint, made by the run's last writer, instead of paying one each, unless the log has grown past
    WAL_FOLD_BYTES.
    """
    path = Path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect_retrying(path, read_only=False, wait=wait)
    marker = holder_path(path)
    info = {"pid": os.getpid(), "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv[:3])}
    try:
        marker.write_text(json.dumps(info), encoding="utf-8")
        if not checkpoint:
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
        yield con
        if not checkpoint and _log_size(path) > WAL_FOLD_BYTES:
            con.execute("CHECKPOINT")
    finally:
        con.close()
        try:
            marker.unlink()
        except FileNotFoundError:
            pass
