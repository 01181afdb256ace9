"""Source declarations: every monitored edition, as data."""

from __future__ import annotations

from pipeline.sources.model import Listing, Source
from pipeline.sources.registry import DECLARATIONS


class UnknownSource(KeyError):
    """A source id that is not declared."""


def all_sources() -> list[Source]:
    """Every declared source, in a stable order."""
    return list(DECLARATIONS)


def get(source_id: str) -> Source:
    """The declaration of one source id."""
    for source in DECLARATIONS:
        if source.id == source_id:
            return source
    known = ", ".join(s.id for s in DECLARATIONS)
    raise UnknownSource(f"unknown source {source_id!r} (known: {known})")


def select(ids: str | list[str] | None) -> list[Source]:
    """The sources named (comma-separated or a list), or every enabled one when none are named."""
    if not ids:
        return [s for s in DECLARATIONS if s.enabled]
    names = [i.strip() for i in (ids.split(",") if isinstance(ids, str) else ids) if i.strip()]
    return [get(n) for n in names]


__all__ = ["Listing", "Source", "UnknownSource", "all_sources", "get", "select"]
