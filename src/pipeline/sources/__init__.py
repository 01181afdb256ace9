"""Source declarations: every monitored edition, as data, plus the user's own sources file."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.settings import Settings
from pipeline.settings import load as load_settings
from pipeline.sources.model import Listing, Source
from pipeline.sources.registry import DECLARATIONS
from pipeline.sources.user import SourcesFileError, apply

# (path, mtime, size) -> declarations: the spider and the flow ask for sources many times per run
_CACHE: dict[tuple[str, int, int], list[tuple[Source, str]]] = {}


class UnknownSource(KeyError):
    """A source id that is not declared."""


def _sources_file(cfg: Settings | None) -> str:
    if cfg is not None:
        return cfg.sources_file
    # the environment first: crawl processes get VEILLE_SOURCES_FILE from the run that started them, and a
    # broken unrelated setting must not hide the sources
    if "VEILLE_SOURCES_FILE" in os.environ:
        return os.environ["VEILLE_SOURCES_FILE"]
    return load_settings().sources_file


def declared(cfg: Settings | None = None) -> list[tuple[Source, str]]:
    """Every source with its origin ("shipped", "shipped+user" or "user"), honouring the `sources_file` setting."""
    name = _sources_file(cfg).strip()
    if not name:
        return [(s, "shipped") for s in DECLARATIONS]
    path = Path(name).expanduser()
    try:
        stat = path.stat()
    except OSError as exc:
        raise SourcesFileError(f"sources file not found: {path}") from exc
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        _CACHE[key] = apply(DECLARATIONS, path)
    return list(_CACHE[key])


def all_sources(cfg: Settings | None = None) -> list[Source]:
    """Every declared source (shipped, then the user's), in a stable order."""
    return [s for s, _ in declared(cfg)]


def get(source_id: str, cfg: Settings | None = None) -> Source:
    """The declaration of one source id."""
    known = all_sources(cfg)
    for source in known:
        if source.id == source_id:
            return source
    raise UnknownSource(f"unknown source {source_id!r} (known: {', '.join(s.id for s in known)})")


def select(ids: str | list[str] | None, cfg: Settings | None = None) -> list[Source]:
    """The sources named (comma-separated or a list), or every enabled one when none are named."""
    if not ids:
        return [s for s in all_sources(cfg) if s.enabled]
    names = [i.strip() for i in (ids.split(",") if isinstance(ids, str) else ids) if i.strip()]
    return [get(n, cfg) for n in names]


__all__ = ["Listing", "Source", "SourcesFileError", "UnknownSource", "all_sources", "declared", "get", "select"]
