"""A user's own source declarations (TOML or YAML): new sources, and changes to the shipped ones.

The file holds one table per source id under `sources`:

    [sources.xinhua-zh]
    enabled = false                      # a shipped source, switched off

    [sources.mysite-en]                  # a new source: outlet, language, home_url, domains, article_pattern
    outlet = "mysite"
    language = "en"
    home_url = "https://www.example.org/"
    domains = ["www.example.org"]
    article_pattern = '^https://www\\.example\\.org/news/\\d+\\.html$'
    feeds = ["https://www.example.org/rss.xml"]
    listings = [{url = "https://www.example.org/news/", selector = "h2 a"}]

For a shipped source only the fields given change. Every mistake is a `SourcesFileError` naming the
file, the source and the field, so a typo never silently drops a source.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from pipeline.hints import CleaningHints
from pipeline.settings import SettingsError
from pipeline.sources.model import Listing, Source

# ARCHITECTURE.md: source ids are <outlet>-<lang>; the id is also a file-name prefix, so keep it plain
_ID = re.compile(r"^[a-z0-9][a-z0-9_]*-[a-z]{2,3}$")
_REQUIRED_NEW = ("outlet", "language", "home_url", "domains", "article_pattern")
_STR_FIELDS = ("outlet", "language", "home_url", "article_pattern", "timezone", "proxy", "page_pattern")
_LIST_FIELDS = ("domains", "feeds", "sitemaps", "json_sources")
_HINT_TYPES = {f.name: f.type for f in fields(CleaningHints)}


class SourcesFileError(SettingsError):
    """A sources file that cannot be read, or a declaration in it that is wrong."""


def read_file(path: Path) -> dict[str, Any]:
    """The parsed sources file (TOML, or YAML by extension)."""
    if not path.is_file():
        raise SourcesFileError(f"sources file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise SourcesFileError(f"{path}: not valid YAML: {exc}".replace("\n", " ")) from exc
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SourcesFileError(f"{path}: not valid TOML: {exc}") from exc
    if not isinstance(data, dict):
        raise SourcesFileError(f"{path}: expected a table of sources")
    unknown = set(data) - {"sources"}
    if unknown:
        raise SourcesFileError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} (declare sources under "
                               "[sources.<id>])")
    table = data.get("sources") or {}
    if not isinstance(table, dict):
        raise SourcesFileError(f"{path}: 'sources' must be a table of source ids")
    return table


class _Reader:
    """Reads one source's table, raising errors that name the file, the source and the field."""

    def __init__(self, path: Path, sid: str, table: dict[str, Any]) -> None:
        self.path, self.sid, self.table = path, sid, table

    def fail(self, field_name: str, problem: str) -> SourcesFileError:
        return SourcesFileError(f"{self.path}: source {self.sid!r}: field {field_name!r}: {problem}")

    def string(self, name: str) -> str:
        value = self.table[name]
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {type(value).__name__}")
        return value

    def strings(self, name: str, value: Any = None) -> tuple[str, ...]:
        value = self.table[name] if value is None else value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(name, "expected a list of strings")
        return tuple(value)

    def listings(self) -> tuple[Listing, ...]:
        value = self.table["listings"]
        if not isinstance(value, list):
            raise self.fail("listings", "expected a list of URLs or {url, selector} tables")
        out: list[Listing] = []
        for item in value:
            if isinstance(item, str):
                out.append(Listing(item))
            elif isinstance(item, dict) and isinstance(item.get("url"), str) \
                    and set(item) <= {"url", "selector"} and isinstance(item.get("selector", ""), str):
                out.append(Listing(item["url"], item.get("selector") or None))
            else:
                raise self.fail("listings", f"expected a URL or {{url, selector}}, got {item!r}")
        return tuple(out)

    def hints(self, base: CleaningHints) -> CleaningHints:
        value = self.table["hints"]
        if not isinstance(value, dict):
            raise self.fail("hints", "expected a table")
        changes: dict[str, Any] = {}
        for key, item in value.items():
            kind = _HINT_TYPES.get(key)
            if kind is None:
                raise self.fail(f"hints.{key}", f"unknown hint (known: {', '.join(sorted(_HINT_TYPES))})")
            if "tuple" in str(kind):
                changes[key] = self.strings(f"hints.{key}", item)
            elif not isinstance(item, str):
                raise self.fail(f"hints.{key}", f"expected a string, got {type(item).__name__}")
            else:
                changes[key] = item
        return replace(base, **changes)

    def changes(self, base: Source | None) -> dict[str, Any]:
        known = {f.name for f in fields(Source)} - {"id"}
        out: dict[str, Any] = {}
        for name in self.table:
            if name not in known:
                raise self.fail(name, f"unknown field (known: {', '.join(sorted(known))})")
        for name in self.table:
            if name in _STR_FIELDS:
                out[name] = self.string(name)
            elif name in _LIST_FIELDS:
                out[name] = self.strings(name)
            elif name == "listings":
                out[name] = self.listings()
            elif name == "enabled":
                if not isinstance(self.table[name], bool):
                    raise self.fail(name, "expected true or false")
                out[name] = self.table[name]
            elif name == "hints":
                out[name] = self.hints(base.hints if base else CleaningHints())
        for name in ("article_pattern", "page_pattern"):
            if out.get(name):
                try:
                    re.compile(out[name])
                except re.error as exc:
                    raise self.fail(name, f"not a valid regular expression: {exc}") from exc
        if out.get("page_pattern") and not {"first", "page"} <= set(re.compile(out["page_pattern"]).groupindex):
            raise self.fail("page_pattern", "needs the named groups (?P<first>...) and (?P<page>...)")
        if out.get("home_url") and not re.match(r"^https?://", out["home_url"]):
            raise self.fail("home_url", "expected an http(s) URL")
        if out.get("proxy") and not re.match(r"^(https?|socks5h?)://", out["proxy"]):
            raise self.fail("proxy", "expected a URL such as http://proxy.example.org:3128")
        if "domains" in out and not out["domains"]:
            raise self.fail("domains", "a source needs at least one domain")
        return out


def apply(shipped: tuple[Source, ...], path: Path) -> list[tuple[Source, str]]:
    """The shipped sources with the file's changes, then its new ones: (source, "shipped" / "shipped+user" / "user")."""
    table = read_file(path)
    by_id = {s.id: s for s in shipped}
    changed: dict[str, Source] = {}
    added: list[Source] = []
    for sid, decl in table.items():
        sid = str(sid)
        if not isinstance(decl, dict):
            raise SourcesFileError(f"{path}: source {sid!r}: expected a table of fields")
        reader = _Reader(path, sid, decl)
        base = by_id.get(sid)
        changes = reader.changes(base)
        if base is not None:
            # hints that followed the edition's time zone keep following it when only the zone changes
            if "timezone" in changes and "hints" not in changes and base.hints.timezone == base.timezone:
                changes["hints"] = replace(base.hints, timezone=None)
            changed[sid] = replace(base, **changes)
            continue
        if not _ID.match(sid):
            raise SourcesFileError(f"{path}: source {sid!r}: the id must be <outlet>-<language>, e.g. mysite-en")
        missing = [name for name in _REQUIRED_NEW if name not in changes]
        if missing:
            raise SourcesFileError(f"{path}: source {sid!r}: field {missing[0]!r} is required for a new source "
                                   f"(required: {', '.join(_REQUIRED_NEW)})")
        added.append(Source(id=sid, **changes))
    out = [(changed.get(s.id, s), "shipped+user" if s.id in changed else "shipped") for s in shipped]
    return out + [(s, "user") for s in added]
