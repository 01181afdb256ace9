"""Retention: delete WARC files and per-run crawl output older than the configured number of days.

Raw page bodies live only in the WARC files (`pages` rows hold a file name and
an offset, never a body), so `keep_archive_days` is also how long raw pages
are kept. `pages` rows that point at a deleted file keep their reference:
the warehouse records what was fetched, whether or not the bytes are still on
disk. Nothing here opens the warehouse.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import logs
from pipeline.settings import Settings

log = logging.getLogger(__name__)

DAY = 86400.0
WARC_SUFFIXES = (".warc.gz", ".warc")


@dataclass
class Removed:
    """One file or run directory that was (or, in a dry run, would be) deleted."""

    kind: str            # archive, work
    path: str
    bytes: int
    age_days: float


@dataclass
class PruneResult:
    """What one pruning pass removed, and what it could not."""

    dry_run: bool
    removed: list[Removed] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kept_forever: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        """Bytes freed (or that would be)."""
        return sum(r.bytes for r in self.removed)

    def lines(self) -> list[str]:
        """One line per removed path, per problem, then a summary line."""
        verb = "would remove" if self.dry_run else "removed"
        out = [f"{verb} {r.kind} {r.path} ({r.age_days:.0f} days old, {r.bytes} bytes)" for r in self.removed]
        out += [f"could not remove {e}" for e in self.errors]
        out += [f"{what}: kept forever (setting is 0)" for what in self.kept_forever]
        archives = sum(r.kind == "archive" for r in self.removed)
        works = sum(r.kind == "work" for r in self.removed)
        out.append(f"{verb} {archives} archive files and {works} work directories, {self.bytes} bytes")
        return out


def _size_and_newest(path: Path) -> tuple[int, float]:
    """Total bytes under `path` and the newest mtime in it (the directory's own included)."""
    if path.is_file():
        st = path.stat()
        return st.st_size, st.st_mtime
    size, newest = 0, path.stat().st_mtime
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            try:
                st = (Path(root) / name).lstat()
            except OSError:
                continue
            newest = max(newest, st.st_mtime)
            size += st.st_size if name in files else 0
    return size, newest


def _old_archives(folder: Path, cutoff: float) -> list[tuple[Path, int, float]]:
    found: list[tuple[Path, int, float]] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        # a symlink may point outside the archive: never delete through one
        if path.is_symlink() or not path.is_file() or not path.name.endswith(WARC_SUFFIXES):
            continue
        st = path.stat()
        if st.st_mtime < cutoff:
            found.append((path, st.st_size, st.st_mtime))
    return found


def _old_work(folder: Path, cutoff: float) -> list[tuple[Path, int, float]]:
    found: list[tuple[Path, int, float]] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        # only run directories (<run_id>/, revisit-<run_id>/): a crawl still writing keeps a fresh mtime inside
        if path.is_symlink() or not path.is_dir():
            continue
        size, newest = _size_and_newest(path)
        if newest < cutoff:
            found.append((path, size, newest))
    return found


def prune(cfg: Settings, dry_run: bool = False, now: float | None = None) -> PruneResult:
    """Apply `keep_archive_days` to archive_dir and `keep_work_days` to work_dir; what was removed."""
    clock = time.time() if now is None else now
    result = PruneResult(dry_run=dry_run)
    plans: list[tuple[str, int, Path]] = [("archive", cfg.keep_archive_days, Path(cfg.archive_dir)),
                                          ("work", cfg.keep_work_days, Path(cfg.work_dir))]
    for kind, days, folder in plans:
        if days < 0:
            raise ValueError(f"keep_{kind}_days: expected 0 (keep forever) or more days, got {days}")
        if days == 0:
            result.kept_forever.append(f"{kind} ({folder})")
            continue
        cutoff = clock - days * DAY
        old = _old_archives(folder, cutoff) if kind == "archive" else _old_work(folder, cutoff)
        for path, size, mtime in old:
            entry = Removed(kind=kind, path=str(path), bytes=size, age_days=(clock - mtime) / DAY)
            if not dry_run:
                try:
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
                except OSError as exc:
                    # one file we may not delete is reported and skipped; the others still go
                    result.errors.append(f"{kind} {path}: {exc.strerror or exc}")
                    logs.event(log, logging.WARNING, "prune-failed", kind=kind, path=str(path), reason=str(exc))
                    continue
            result.removed.append(entry)
            logs.event(log, logging.INFO, "pruned", kind=kind, path=str(path), bytes=size, dry_run=dry_run)
    return result
