"""The body a page states outside its visible markup: JSON-LD articleBody, then HTML inside script data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import trafilatura

from pipeline import cleaning

FIXTURES = Path(__file__).parent / "fixtures" / "embedded-body"
EXTRACTION = Path(__file__).parent / "fixtures" / "extraction"
SENTENCE = "A sentence long enough to stand for a paragraph of the article's own body text. "


def _page(head: str, body: str) -> str:
    return f"<html><head><title>Headline of the page</title>{head}</head><body>{body}</body></html>"


def test_script_data_page_gives_the_article_trafilatura_misses() -> None:
    raw = gzip.decompress((FIXTURES / "HankookIlbo_2026_01_29.html.gz").read_bytes())
    url = "https://www.hankookilbo.com/news/article/A2026012914320005196"
    assert not (trafilatura.extract(raw, url=url) or "")
    page = cleaning.extract(raw, url=url)
    assert page.method == "script-data"
    assert page.is_article
    # the article's opening and a later paragraph, decoded from the script's JSON escapes
    assert "장동혁 국민의힘 대표가 당권을 위협하던 한동훈 전 대표를 제명했지만" in page.text
    assert "국민의힘은 조만간 인재영입위원회를 발족하는 등" in page.text
    # no markup or escapes left over
    assert "<p" not in page.text and "\\u003c" not in page.text and "editor-p" not in page.text


def test_json_ld_article_body_when_the_markup_holds_a_teaser() -> None:
    # a paywalled opinion piece: the markup shows a teaser, the JSON-LD states the whole article
    raw = gzip.decompress((EXTRACTION / "trafilatura-eval-subset" / "html" / "scmp.com.playbook.html.gz").read_bytes())
    url = "https://www.scmp.com/comment/opinion/article/3046526/taiwanese-president-tsai-ing-wens-political-playbook-should-be"
    assert "using political shrewdness" not in (trafilatura.extract(raw, url=url) or "")
    page = cleaning.extract(raw, url=url)
    assert page.method == "json-ld"
    for expected in ("using political shrewdness", "almost insulting to Hongkongers"):
        assert expected in page.text


def test_visible_body_is_kept_over_what_scripts_carry() -> None:
    # distinct paragraphs: Trafilatura drops repeated ones
    visible = "".join(f"<p>Paragraph {n}. {SENTENCE * 2}</p>" for n in range(4))
    other = json.dumps("<p>" + "Another story entirely, carried for a widget on the side. " * 8 + "</p>")
    html = _page("", f"<article><h1>Headline of the page</h1>{visible}</article><script>var x = {other};</script>")
    page = cleaning.extract(html, url="https://example.org/a/2")
    assert page.method.startswith("trafilatura")
    assert "Another story entirely" not in page.text


def test_broken_script_strings_are_skipped() -> None:
    broken = '"' + "<p>" + "x" * 300 + '\\u12"'   # an escape cut short: not JSON, not an error
    page = cleaning.extract(_page("", f"<script>var a = {broken};</script><p>Short.</p>"), url="https://example.org/a/3")
    assert page.method in {"none", "fallback", "trafilatura", "trafilatura-recall"}
