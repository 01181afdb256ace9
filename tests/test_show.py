"""`veille show`: a story with every copy, its topics with evidence, revisions and where its captures are archived."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipeline import warehouse
from tests.conftest import VEILLE


def _article(aid: str, source: str, lang: str, published: str, **more: object) -> dict[str, object]:
    return {"id": aid, "url": f"https://{source}.example/{aid}.html", "canonical_url": f"https://{source}.example/{aid}",
            "source_id": source, "title": f"Title of {aid}", "text": f"Text of {aid}.", "language": lang,
            "story_id": "st-a1", "published": published, "date_source": "meta",
            "first_seen": published, "last_seen": published, **more}


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {
            "articles": [_article("a1", "xinhua-fr", "fr", "2026-01-05T08:00:00+08:00"),
                         _article("a2", "xinhua-en", "en", "2026-01-05T09:00:00+08:00",
                                  deleted_at="2026-01-09T00:00:00+00:00"),
                         {**_article("b1", "sputnik-fr", "fr", "2026-01-06T09:00:00+03:00"), "story_id": "st-b1"}],
            "article_topics": [{"article_id": "a1", "topic": "digital-economy", "rules_version": "r1", "score": 3.0,
                                "evidence": ["économie numérique"],
                                "spans": [{"term": "économie numérique", "field": "text", "start": 3, "end": 21}]}],
            "revisions": [{"article_id": "a1", "revision": 1, "kind": "edited", "seen_at": "2026-01-07T00:00:00+00:00",
                           "content_hash": "h2", "title": "Title of a1", "text": "Text of a1, edited.",
                           "diff": "-Text of a1.\n+Text of a1, edited."}],
            "pages": [{"id": "p1", "url": "https://xinhua-fr.example/a1.html", "kind": "article", "status": 200,
                       "fetched_at": "2026-01-05T01:00:00+00:00", "warc_file": "var/archive/run1.warc.gz",
                       "warc_offset": 1234}],
        })
    return db


def _show(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, "show", "--db", str(db), *args], capture_output=True, text=True, timeout=60)


def test_show_json_has_every_copy_with_topics_revisions_and_captures(tmp_path: Path) -> None:
    db = _db(tmp_path)
    done = _show(db, "a2", "--format", "json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["id"] == "st-a1" and [c["id"] for c in shown["copies"]] == ["a1", "a2"]
    a1, a2 = shown["copies"]
    assert a1["topics"][0]["topic"] == "digital-economy" and a1["topics"][0]["evidence"] == ["économie numérique"]
    assert a1["topics"][0]["spans"][0]["start"] == 3
    assert [r["kind"] for r in a1["revisions"]] == ["edited"]
    assert a1["captures"][0]["warc_file"] == "var/archive/run1.warc.gz" and a1["captures"][0]["warc_offset"] == 1234
    assert a2["deleted_at"] is not None and a2["captures"] == []


def test_show_table_by_url_and_unknown_id(tmp_path: Path) -> None:
    db = _db(tmp_path)
    done = _show(db, "https://xinhua-fr.example/a1.html")
    assert done.returncode == 0, done.stderr
    assert "story st-a1" in done.stdout and "var/archive/run1.warc.gz @ 1234" in done.stdout
    assert "revision 1 edited" in done.stdout and "DELETED" in done.stdout and "Text of a1." in done.stdout
    assert "b1" not in done.stdout
    missing = _show(db, "nope")
    assert missing.returncode == 1 and "no article or story" in missing.stderr
