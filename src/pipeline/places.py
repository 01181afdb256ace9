"""The directories a run writes to, made and tried before it starts (and looked at, without making
anything, by `veille doctor`).

A directory that cannot be made or written (a typo in a setting, a read-only disk, a parent that is a
file) would otherwise fail a task deep in the run, after its retries, under a library's traceback; named
up front it is one line, and nothing has been fetched in vain.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline.settings import Settings


class PlaceError(OSError):
    """A directory a run needs that cannot be made or written; the message names its setting."""


def run_places(cfg: Settings) -> dict[str, Path]:
    """Each directory a run writes to, by the setting that names it."""
    # PREFECT_HOME, when set, is where Prefect keeps its state whatever the setting says
    return {"db": Path(cfg.db).parent, "work_dir": Path(cfg.work_dir), "archive_dir": Path(cfg.archive_dir),
            "reports_dir": Path(cfg.reports_dir),
            "prefect_home": Path(os.environ.get("PREFECT_HOME") or cfg.prefect_home)}


def _problem(path: Path) -> str | None:
    """Why `path` cannot be used as a directory to write in, or None once it exists and takes a file."""
    if path.exists() and not path.is_dir():
        return "it is a file, not a directory"
    try:
        path.mkdir(parents=True, exist_ok=True)
        # a file made and removed at once: access() says yes to root on a read-only mount
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def prepare(cfg: Settings) -> None:
    """Make every directory a run writes to; raise PlaceError naming the first that cannot be used."""
    for setting, path in run_places(cfg).items():
        why = _problem(path)
        if why is not None:
            what = f"the directory of db {cfg.db} ({path})" if setting == "db" else f"{setting} {path}"
            variable = "PREFECT_HOME" if setting == "prefect_home" and os.environ.get("PREFECT_HOME") \
                else f"VEILLE_{setting.upper()}"
            raise PlaceError(f"{what} cannot be written: {why}; set {setting} (or {variable}) "
                             f"to a directory you can write")


def unusable(cfg: Settings) -> dict[str, str]:
    """Without making anything: each setting whose directory a run could not make or write, and why.

    A path that does not exist yet is judged by its nearest existing parent. Permission bits are what is
    read, so root is told yes where a read-only mount would still refuse (`prepare` finds that out).
    """
    found: dict[str, str] = {}
    for setting, path in run_places(cfg).items():
        probe = path
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent
        if not probe.is_dir():
            found[setting] = f"{path}: {probe} is a file, not a directory"
        elif not os.access(probe, os.W_OK | os.X_OK):
            found[setting] = f"{path}: {probe} is not writable"
    return found
