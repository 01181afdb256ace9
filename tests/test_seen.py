"""The seen-URL list of a crawl: canonical under today's rules, with a cache of lines already canonical."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import seen as seen_mod
from pipeline.seen import read_seen
from pipeline.urls import canonical_url

STORED = [
    "https://french.news.cn/20260110/abc/c.html",
    "https://sputniknews.com/20260110/ai-123.html",
    # stored under older rules: today's drop the tracking parameter and the www
    "https://www.fr.sputniknews.africa/20260109/x-1.html?utm_source=feed",
    "not a url at all",
    "",
]


def _file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "seen.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _expected(lines: list[str]) -> set[str]:
    out = set()
    for line in lines:
        try:
            out.add(canonical_url(line))
        except ValueError:
            continue
    return out


def test_every_line_is_read_as_todays_canonical_url(tmp_path: Path) -> None:
    found = read_seen(_file(tmp_path, STORED))
    assert found == _expected(STORED)
    assert "https://fr.sputniknews.africa/20260109/x-1.html" in found
    assert read_seen(None) == set()


def test_the_cache_spares_the_canonical_lines_and_gives_the_same_set(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache" / "xinhua-fr.txt"
    first = read_seen(_file(tmp_path, STORED), cache)
    assert first == _expected(STORED)
    kept = cache.read_text(encoding="utf-8").splitlines()
    # only lines that are their own canonical form are kept, under the code's fingerprint
    assert kept[0].startswith("# veille canonical URLs ")
    assert set(kept[1:]) == {STORED[0], STORED[1]}

    calls: list[str] = []
    real = seen_mod.urls.canonical_url
    monkeypatch.setattr(seen_mod.urls, "canonical_url", lambda u: calls.append(u) or real(u))
    day2 = [*STORED, "https://french.news.cn/20260111/new/c.html"]
    assert read_seen(_file(tmp_path, day2), cache) == _expected(day2)
    # the kept lines are not canonicalised again; the old-rules line and the new one are
    assert set(calls) == {STORED[2], STORED[3], day2[-1]}
    assert day2[-1] in cache.read_text(encoding="utf-8").splitlines()


def test_a_cache_of_other_url_code_or_broken_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache.txt"
    # a line that is not canonical today, claimed canonical by a cache of other code: canonicalised anyway
    cache.write_text("# veille canonical URLs 0000\n" + STORED[2] + "\n", encoding="utf-8")
    assert read_seen(_file(tmp_path, STORED), cache) == _expected(STORED)
    cache.write_bytes(b"\xff\xfe broken")
    assert read_seen(_file(tmp_path, STORED), cache) == _expected(STORED)
    assert cache.read_text(encoding="utf-8").startswith("# veille canonical URLs ")


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    # the cache's folder would be a regular file: the write fails, the read still answers
    assert read_seen(_file(tmp_path, STORED), blocker / "cache.txt") == _expected(STORED)
