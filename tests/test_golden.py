"""Golden pages: for every declared source, stored pages whose exact title, date and text markers must hold.

Each `tests/fixtures/golden/<source_id>_<YYYY_MM_DD>.html.gz` has a JSON beside it: url, exact
`title`, exact `published`, `must_contain` (article sentences) and `must_not_contain`
(navigation, related links, footers that the page does carry). Origin and license are in the
JSON and in tests/fixtures/golden/README.md.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from pipeline import cleaning
from pipeline.encoding import decode_html
from pipeline.sources import all_sources, get

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
ADD = ("add tests/fixtures/golden/{sid}_YYYY_MM_DD.html.gz (a saved or mirror page) and a .json beside it "
       "with url, title, published, must_contain, must_not_contain, origin, license (see its README.md)")
PAGES = sorted(GOLDEN.glob("*.json"))


def _load(path: Path) -> tuple[dict[str, Any], bytes]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    return gold, gzip.decompress(path.with_name(path.name.removesuffix(".json") + ".html.gz").read_bytes())


@pytest.mark.parametrize("source_id", [s.id for s in all_sources()])
def test_every_source_has_a_golden_page(source_id: str) -> None:
    found = [p for p in PAGES if p.name.startswith(f"{source_id}_")]
    assert found, f"source {source_id!r} has no golden page: " + ADD.format(sid=source_id)


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_golden_page(path: Path) -> None:
    gold, raw = _load(path)
    source = get(gold["source_id"])
    assert path.name.startswith(f"{source.id}_"), f"{path.name}: named after another source than {source.id}"
    assert source.owns(gold["url"].split("/")[2].split(":")[0]), f"{path.name}: {gold['url']} is not {source.id}'s"
    got = cleaning.extract(raw, url=gold["url"], hints=source.hints)
    where = f"{path.name} ({source.id})"
    assert got.is_article, f"{where}: not recognised as an article ({got.flags})"
    assert got.title == gold["title"], f"{where}: title {got.title!r} != {gold['title']!r}"
    assert got.published == gold["published"], f"{where}: published {got.published!r} != {gold['published']!r}"
    missing = [s for s in gold["must_contain"] if s not in got.text]
    assert not missing, f"{where}: text lacks {missing}"
    leaked = [s for s in gold["must_not_contain"] if s in got.text]
    assert not leaked, f"{where}: boilerplate kept in the text: {leaked}"


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_golden_markers_are_on_the_page(path: Path) -> None:
    """A must-not-contain marker the page does not carry would test nothing."""
    gold, raw = _load(path)
    assert gold["must_contain"] and gold["must_not_contain"] and gold.get("origin") and gold.get("license")
    html, _ = decode_html(raw)
    page_text = " ".join(" ".join(t.split()) for t in lxml.html.fromstring(html).itertext())
    absent = [s for s in gold["must_contain"] + gold["must_not_contain"] if s not in page_text]
    assert not absent, f"{path.name}: markers not found anywhere on the page: {absent}"
