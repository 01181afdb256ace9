"""`veille topics backtest` and `veille topics sample` over a real DuckDB warehouse, and classify --spans."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from pipeline import warehouse
from pipeline.topics import Tagger, load_rules
from pipeline.topics.backtest import BacktestError, backtest, sample
from tests.conftest import VEILLE

OLD = """version: "old-1"
topics:
  ai:
    threshold: 2
    languages:
      fr: {terms: {intelligence artificielle: 2}}
      en: {terms: {artificial intelligence: 2}}
  connectivity:
    threshold: 2
    languages:
      fr: {terms: {5G: 2}}
      en: {terms: {5G: 2}}
"""
# The new rules add the acronyms to ai, and drop connectivity for a robotics topic.
NEW = """version: "new-2"
topics:
  ai:
    threshold: 2
    languages:
      fr: {terms: {intelligence artificielle: 2, IA: 2}}
      en: {terms: {artificial intelligence: 2, AI: 2}}
  robotics:
    threshold: 2
    languages:
      fr: {terms: {robot: 2}}
      en: {terms: {robot: 2}}
"""

ARTICLES = [
    ("a1", "L'intelligence artificielle en Chine", "Les laboratoires publient leurs résultats.", "fr", "2026-01-03"),
    ("a2", "L'IA dans les usines", "Les entreprises déploient l'IA générative.", "fr", "2026-01-04"),
    ("a3", "5G networks", "Operators switch on 5G in three provinces.", "en", "2026-01-05"),
    ("a4", "A robot in every port", "Robots unload containers at night.", "en", "2026-01-06"),
    ("a5", "Football", "The team won the cup final.", "en", "2026-01-06"),
]


def _store(db: Path) -> None:
    """Articles tagged the way the daily flow tags them, with the old rules."""
    rules = load_rules_text(OLD)
    articles, topics = [], []
    for aid, title, text, lang, day in ARTICLES:
        articles.append({"id": aid, "url": f"https://x.example/{aid}", "canonical_url": f"https://x.example/{aid}",
                         "source_id": "xinhua-fr", "title": title, "text": text, "language": lang,
                         "story_id": f"st-{aid}", "published": f"{day}T08:00:00+00:00",
                         "first_seen": f"{day}T09:00:00+00:00", "last_seen": f"{day}T09:00:00+00:00"})
        for m in rules.classify(title, text, lang):
            topics.append({"article_id": aid, "topic": m.topic, "rules_version": rules.version, "score": m.score,
                           "evidence": m.evidence})
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": articles, "article_topics": topics})


def load_rules_text(text: str):  # type: ignore[no-untyped-def]
    from pipeline.topics import parse_rules
    return parse_rules(text, "test.yaml")


@pytest.fixture
def stored(db: Path, tmp_path: Path) -> Path:
    _store(db)
    (tmp_path / "new.yaml").write_text(NEW, encoding="utf-8")
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    return db


def veille(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_backtest_counts_what_new_rules_add_and_remove(stored: Path) -> None:
    report = backtest(stored, 5, Tagger(load_rules_text(NEW)))
    assert report.articles == 5 and report.old_version == "stored tags"
    ai, conn, robots = report.changes["ai"], report.changes["connectivity"], report.changes["robotics"]
    assert (ai.before, ai.after, ai.added, ai.removed) == (1, 2, 1, 0)
    assert ai.added_examples == [("a2", "L'IA dans les usines")]
    assert (conn.before, conn.after, conn.added, conn.removed) == (1, 0, 0, 1)
    assert conn.removed_examples == [("a3", "5G networks")]
    assert (robots.added, robots.removed) == (1, 0)
    # --since keeps only articles from that day on
    late = backtest(stored, 5, Tagger(load_rules_text(NEW)), since="2026-01-05")
    assert late.articles == 3 and late.changes["ai"].added == 0
    # against another rules file instead of the stored tags: the same change here
    against = backtest(stored, 5, Tagger(load_rules_text(NEW)), Tagger(load_rules_text(OLD)), chunk=2)
    assert against.old_version == "old-1"
    assert {t: (c.added, c.removed) for t, c in against.changes.items()} == \
        {t: (c.added, c.removed) for t, c in report.changes.items()}
    with pytest.raises(BacktestError, match="since"):
        backtest(stored, 5, Tagger(load_rules_text(NEW)), since="last week")


def test_backtest_leaves_the_warehouse_unchanged(stored: Path) -> None:
    def snapshot() -> list[tuple[object, ...]]:
        with warehouse.read(stored, 5) as con:
            return con.execute("SELECT article_id, topic, rules_version, score FROM article_topics ORDER BY 1, 2"
                               ).fetchall()
    before = snapshot()
    backtest(stored, 5, Tagger(load_rules()))
    assert snapshot() == before and len(before) == 2


def test_sample_is_seeded_and_bounded(stored: Path) -> None:
    rows = sample(stored, 5, "ai", 50, seed=3)
    assert [r[0] for r in rows] == ["a1"] and rows[0][3] == ["intelligence artificielle"]
    assert sample(stored, 5, "ai", 1, seed=3) == sample(stored, 5, "ai", 1, seed=3)
    with pytest.raises(BacktestError, match="no article is tagged 'nope'"):
        sample(stored, 5, "nope", 5)


def test_sample_draws_differ_by_seed_on_a_larger_history(db: Path) -> None:
    rows = [{"id": f"x{i:03d}", "url": f"https://x.example/{i}", "canonical_url": f"https://x.example/{i}",
             "source_id": "xinhua-en", "title": f"AI story {i}", "text": "t", "language": "en",
             "story_id": f"st-x{i:03d}", "first_seen": "2026-01-05T10:00:00+00:00",
             "last_seen": "2026-01-05T10:00:00+00:00"} for i in range(200)]
    tags = [{"article_id": r["id"], "topic": "ai", "rules_version": "v", "score": 2.0, "evidence": ["AI"]}
            for r in rows]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": rows, "article_topics": tags})
    a, b = sample(db, 5, "ai", 20, seed=1), sample(db, 5, "ai", 20, seed=2)
    assert len(a) == len(set(r[0] for r in a)) == 20
    assert a != b and a == sample(db, 5, "ai", 20, seed=1)


def test_backtest_and_sample_commands(stored: Path, tmp_path: Path) -> None:
    done = veille("topics", "backtest", "--rules", str(tmp_path / "new.yaml"), "--db", str(stored))
    assert done.returncode == 0, done.stderr
    assert "5 articles re-tagged with rules new-2" in done.stdout
    assert "+ ai  a2  L'IA dans les usines" in done.stdout and "- connectivity  a3  5G networks" in done.stdout
    done = veille("topics", "backtest", "--rules", str(tmp_path / "new.yaml"), "--against",
                  str(tmp_path / "old.yaml"), "--db", str(stored), "--format", "json")
    data = json.loads(done.stdout)
    assert {t["topic"]: (t["added"], t["removed"]) for t in data["topics"]}["connectivity"] == (0, 1)

    done = veille("topics", "sample", "ai", "-n", "5", "--db", str(stored), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["id"] for r in rows] == ["a1"] and json.loads(rows[0]["evidence"]) == ["intelligence artificielle"]
    done = veille("topics", "sample", "ai", "--db", str(stored), "--format", "json")
    assert json.loads(done.stdout.splitlines()[0])["score"] == 3.0

    for args, code in ((["topics", "backtest", "--rules", str(tmp_path / "missing.yaml"), "--db", str(stored)], 1),
                       (["topics", "backtest", "--rules", str(tmp_path / "new.yaml"), "--since", "soon",
                         "--db", str(stored)], 1),
                       (["topics", "sample", "nope", "--db", str(stored)], 1),
                       (["topics", "sample", "ai", "--db", str(tmp_path / "none.duckdb")], 1),
                       (["topics", "sample", "ai", "-n", "many"], 2)):
        done = veille(*args)
        assert done.returncode == code, (args, done.stderr)
        if code == 1:   # bad input: one readable line (misuse gets argparse's usage)
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_classify_spans_locate_each_term() -> None:
    line = json.dumps({"id": 1, "title": "La 5G et l'IA", "text": "Le réseau 5G couvre Shenyang.", "language": "fr"})
    done = subprocess.run([VEILLE, "classify", "--spans"], input=line + "\n", capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    topics = {t["topic"]: t for t in json.loads(done.stdout)["topics"]}
    spans = topics["connectivity"]["spans"]
    assert {"term": "5G", "field": "title", "start": 3, "end": 5} in spans
    assert {"term": "5G", "field": "text", "start": 10, "end": 12} in spans
    plain = subprocess.run([VEILLE, "classify"], input=line + "\n", capture_output=True, text=True, timeout=60)
    assert all(set(t) == {"topic", "score", "evidence"} for t in json.loads(plain.stdout)["topics"])
