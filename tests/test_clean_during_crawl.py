"""Cleaning while the crawl runs: a real crawl process over the demo mirror, its article pages cleaned as they land.

`daily.crawl` follows the crawl's pages.jsonl with `process.PageCleaner`; the load (`build_batch`) then takes
what was cleaned instead of cleaning again. These tests check that the rows come out the same either way,
that the load really reads the file, and that a half-written line or a broken entry loses nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from pipeline import crawl_output, daily, process, searchtext, sources
from pipeline import settings as settings_mod
from pipeline.mirror import serve_mirror
from pipeline.settings import Settings
from pipeline.sources import Source

DEMO = Path(str(resources.files("pipeline"))) / "demo_mirror"
MANIFEST: dict[str, Any] = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
SOURCE = "sputnik-fr"


@dataclass
class Crawl:
    out: Path
    cfg: Settings
    source: Source
    day: date


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("clean-during-crawl")
    day = date.fromisoformat(MANIFEST["days"]["1"]["as_of"])
    with serve_mirror(DEMO / "day1") as server:
        cfg = settings_mod.load(environ={}).with_overrides(
            mirror=server.url, db=str(tmp / "w.duckdb"), work_dir=str(tmp / "work"),
            archive_dir=str(tmp / "archive"), download_delay=0)
        source = sources.get(SOURCE, cfg)
        out = daily.run_dir(cfg, "t1", SOURCE)
        daily.write_seen(out / "seen.txt", [])  # what prepare_crawl writes for an empty warehouse
        (out / "validators.json").write_text("{}", encoding="utf-8")
        assert daily.crawl(cfg, source, out, "t1", day) == 0
    yield Crawl(out, cfg, source, day)


def _batch(crawl: Crawl, out: Path | None = None) -> process.Batch:
    return process.build_batch(out or crawl.out, crawl.source, "t1", crawl.day.isoformat(), daily.tagger(crawl.cfg),
                               [], seed=crawl.cfg.language_seed)


def _copy(crawl: Crawl, dest: Path) -> Path:
    shutil.copytree(crawl.out, dest)
    return dest


def test_every_article_page_was_cleaned_during_the_crawl(crawl: Crawl) -> None:
    pages = [p for p in crawl_output.read_pages(crawl.out) if process.is_article_page(p)]
    cleaned = process.read_cleaned(crawl.out)
    assert len(pages) >= 3, "the demo mirror gives this source several articles"
    assert {process.page_key(p) for p in pages} == set(cleaned)
    assert all(article is not None for article, _ in cleaned.values())
    # and their search terms counted there, for the load to write as they are
    assert all(article[searchtext.ROW_KEY] == searchtext.index_terms(article["title"] or "", article["text"])
               for article, _ in cleaned.values() if article is not None)


def test_the_load_gives_the_same_rows_with_or_without_the_cleaned_file(crawl: Crawl, tmp_path: Path) -> None:
    without = _copy(crawl, tmp_path / "without")
    (without / process.CLEANED_FILE).unlink()
    assert _batch(crawl).rows == _batch(crawl, without).rows


def test_the_load_takes_the_cleaning_from_the_file(crawl: Crawl, tmp_path: Path) -> None:
    # proof that the file is read: an entry changed by hand comes out in the batch (the rows test above
    # would pass just as well if the load ignored the file and cleaned everything again)
    copy = _copy(crawl, tmp_path / "copy")
    path = copy / process.CLEANED_FILE
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    entries[0]["article"]["title"] = "taken from cleaned.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    titles = {a["title"] for a in _batch(crawl, copy).rows["articles"]}
    assert "taken from cleaned.jsonl" in titles


def test_a_broken_entry_is_cleaned_again_by_the_load(crawl: Crawl, tmp_path: Path) -> None:
    copy = _copy(crawl, tmp_path / "copy")
    path = copy / process.CLEANED_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    # the first entry cut short, as a crash mid-write leaves it, and a line of garbage
    path.write_text(lines[0][:40] + "\n" + "\n".join(lines[1:]) + "\nnot json\n", encoding="utf-8")
    assert len(process.read_cleaned(copy)) == len(lines) - 1
    assert _batch(crawl, copy).rows["articles"] == _batch(crawl).rows["articles"]


def test_a_line_still_being_written_waits_for_the_next_step(crawl: Crawl, tmp_path: Path) -> None:
    copy = _copy(crawl, tmp_path / "copy")
    lines = (crawl.out / "pages.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    articles = [n for n, line in enumerate(lines) if process.is_article_page(json.loads(line))]
    cut = articles[1]
    pages = copy / "pages.jsonl"
    pages.write_text("".join(lines[:cut]) + lines[cut][:25], encoding="utf-8")  # the crawl is mid-line
    cleaner = process.PageCleaner(copy, crawl.source, crawl.cfg.language_seed)
    try:
        assert cleaner.step() == 1  # the complete article line only
        with pages.open("a", encoding="utf-8") as rest:
            rest.write(lines[cut][25:] + "".join(lines[cut + 1:]))
        assert cleaner.step() == len(articles) - 1
        assert cleaner.step() == 0
    finally:
        cleaner.close()
    assert set(process.read_cleaned(copy)) == set(process.read_cleaned(crawl.out))


def test_an_unreadable_archive_is_left_for_the_load(crawl: Crawl, tmp_path: Path) -> None:
    copy = _copy(crawl, tmp_path / "copy")
    pages = [json.loads(line) for line in (copy / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    for page in pages:
        if page.get("warc_file"):
            page["warc_file"] = str(tmp_path / "missing.warc.gz")
    (copy / "pages.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    cleaner = process.PageCleaner(copy, crawl.source, crawl.cfg.language_seed)
    try:
        assert cleaner.step() == 0
    finally:
        cleaner.close()
    assert process.read_cleaned(copy) == {}


def test_the_crawl_tags_its_articles_for_the_load(crawl: Crawl, monkeypatch: pytest.MonkeyPatch) -> None:
    # daily.crawl hands the cleaner the load's tagger: the load's tag calls are answered from its memory
    tagger = daily.tagger(crawl.cfg)
    computed: list[int] = []
    real = tagger.tag_batch

    def counting(items: Any) -> Any:
        computed.append(len(items))
        return real(items)

    monkeypatch.setattr(tagger, "tag_batch", counting)
    batch = _batch(crawl)
    assert batch.rows["articles"], "the demo mirror gives this source articles to tag"
    assert computed == []
    # and what it remembered is what tagging gives
    monkeypatch.setattr(tagger, "_memo", {})
    assert _batch(crawl).rows["article_topics"] == batch.rows["article_topics"]
    assert sum(computed) == len(batch.rows["articles"])


def test_the_load_reads_each_article_once_for_its_hash_and_its_story(crawl: Crawl,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawl's cleaning leaves the content hash to the load, whose reading for story grouping gives it:
    each article is read once, and the hash is the one `content_hash` gives."""
    from pipeline import story_reading, textnorm

    story_reading.forget_read_articles()
    read: list[str] = []
    real = story_reading._read
    monkeypatch.setattr(story_reading, "_read", lambda doc: read.append(doc.id) or real(doc))
    try:
        rows = _batch(crawl).rows
    finally:
        story_reading.forget_read_articles()
    assert rows["articles"] and sorted(read) == sorted(a["id"] for a in rows["articles"])
    assert all(a["content_hash"] == textnorm.content_hash(a["text"]) for a in rows["articles"])
    cleaned = [article for article, _ in process.read_cleaned(crawl.out).values() if article is not None]
    assert cleaned and all(a["content_hash"] is None for a in cleaned)


def test_a_site_that_never_answers_fails_its_source_and_says_why(tmp_path: Path) -> None:
    """A real crawl against a closed loopback port (a mirror or site out of reach): every request fails,
    the crawl's summary and the source's result say so in one line, and its failed pages are still stored."""
    import socket

    with socket.socket() as probe:  # a port nobody listens on: bound, never listened, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = settings_mod.load(environ={}).with_overrides(
        mirror=f"http://127.0.0.1:{port}", db=str(tmp_path / "w.duckdb"), work_dir=str(tmp_path / "work"),
        archive_dir=str(tmp_path / "archive"), download_delay=0, retry_times=0)
    source = sources.get(SOURCE, cfg)
    day = date.fromisoformat(MANIFEST["days"]["1"]["as_of"])
    out = daily.run_dir(cfg, "t1", SOURCE)
    daily.ensure_schema(cfg)
    daily.prepare_crawl(cfg, source, out)
    assert daily.crawl(cfg, source, out, "t1", day) == 0
    summary = crawl_output.read_summary(out)
    assert summary["requests"] > 0 and summary["responses_by_status"] == {}
    assert summary["error"].startswith(f"the site did not answer: all {summary['requests']} requests failed ("), \
        summary["error"]
    result = daily.load(cfg, source, out, "t1", day)
    assert result.error == summary["error"] and result.line().startswith(f"{SOURCE}: FAILED — the site did not")
    from pipeline import warehouse

    with warehouse.read(cfg.db, 30) as con:
        status, error = con.execute("SELECT status, error FROM crawl_runs").fetchone() or (None, None)
        failed_pages = con.execute("SELECT count(*) FROM pages WHERE failure IS NOT NULL").fetchone()
    assert status == "failed" and error == summary["error"]
    assert failed_pages is not None and failed_pages[0] > 0


def test_a_site_that_answers_even_with_errors_is_not_called_silent(tmp_path: Path) -> None:
    out = tmp_path / "crawl"
    out.mkdir()
    (out / "pages.jsonl").write_text(json.dumps({"url": "https://x.test/a", "failure": "http 404"}) + "\n",
                                     encoding="utf-8")
    assert crawl_output.no_answer(out, {"requests": 3, "responses_by_status": {"404": 3}}) is None
    assert crawl_output.no_answer(out, {"requests": 0, "responses_by_status": {}}) is None
    assert crawl_output.no_answer(out, {"requests": 3, "responses_by_status": {}}) == \
        "the site did not answer: all 3 requests failed (http 404)"


def test_a_crawl_process_judges_its_answers_without_the_cleaning_stack(tmp_path: Path) -> None:
    """What a crawl process does at its end stays light: Trafilatura, Lingua and numpy loaded there cost
    15 MB in every crawl process of a run at once."""
    import subprocess
    import sys

    (tmp_path / "summary.json").write_text(json.dumps({"requests": 2, "responses_by_status": {}}), encoding="utf-8")
    (tmp_path / "pages.jsonl").write_text(json.dumps({"url": "https://x.test/", "failure": "dns lookup failed"})
                                          + "\n", encoding="utf-8")
    code = ("import json, sys; from pathlib import Path; import spiders.crawl as c; "
            f"c._fail_unanswered(Path({str(tmp_path)!r}), 'xinhua-fr', 'r1', 'now'); "
            "print(json.dumps(sorted(m for m in ('trafilatura', 'lingua', 'numpy', 'pipeline.process') "
            "if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []
    summary = crawl_output.read_summary(tmp_path)
    assert summary["error"] == "the site did not answer: all 2 requests failed (dns lookup failed)"


def test_pages_cleaned_by_blocks_come_out_as_one_by_one(crawl: Crawl, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`clean_pages` runs each step over a block before the next (extraction, then language), and gives, in
    order, what `clean_page` gives one page at a time, an unreadable page among them included."""
    pages = [p for p in crawl_output.read_pages(crawl.out) if process.is_article_page(p)]
    lost = dict(pages[1], warc_file=str(tmp_path / "missing.warc.gz"))
    pages = pages[:1] + [lost] + pages[1:]
    seed = crawl.cfg.language_seed
    one_by_one = [process.clean_page(p, crawl.source, seed) for p in pages]
    steps: list[str] = []
    extract, detect = process.cleaning.extract, process.language.detect
    monkeypatch.setattr(process.cleaning, "extract", lambda *a, **k: steps.append("E") or extract(*a, **k))
    monkeypatch.setattr(process.language, "detect", lambda *a, **k: steps.append("L") or detect(*a, **k))
    monkeypatch.setattr(process, "CLEAN_BLOCK", 2)
    assert process.clean_pages(pages, crawl.source, seed) == one_by_one
    assert one_by_one[1][0] is None and str(one_by_one[1][1]).startswith("archive unreadable")
    # blocks of two pages, the first holding the unreadable one (nothing to extract), then two extractions
    # before two detections
    assert "".join(steps).startswith("ELEELLEELL")
    assert steps.count("E") == len(pages) - 1 and steps.count("L") == len(pages) - 1
