"""The warehouse: migrations, the one write path, and the one-writer rule across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipeline import warehouse
from pipeline.warehouse.migrations import available

ARCH_COLUMNS = {
    "sources": {"id", "outlet", "language", "home_url", "enabled"},
    "articles": {"id", "url", "source_id", "title", "text", "published", "date_source", "authors", "language",
                 "language_confidence", "content_hash", "story_id", "first_seen", "last_seen"},
    "article_topics": {"article_id", "topic", "rules_version", "score", "evidence"},
    "stories": {"id", "first_article_id", "first_seen", "outlets", "languages"},
    "alerts": {"topic", "story_id", "report_id", "kind"},
    "reports": {"id", "created", "since", "until"},
    "crawl_runs": {"started", "finished", "requests", "responses_by_status", "new_articles", "failures", "bytes"},
    "pages": {"url", "final_url", "status", "fetched_at", "etag", "last_modified", "warc_file", "warc_offset",
              "content_hash", "failure"},
    "revisions": {"article_id"},
}


def _article(i: int, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {"id": f"a{i}", "url": f"https://x.example/{i}", "canonical_url": f"https://x.example/{i}",
                              "source_id": "xinhua-fr", "title": f"Titre {i}", "text": "Le texte é 中文",
                              "authors": ["A"], "story_id": f"st-a{i}", "first_seen": "2026-01-05T10:00:00+00:00",
                              "last_seen": "2026-01-05T10:00:00+00:00", "language": "fr"}
    row.update(extra)
    return row


def test_migrations_twice_equal_once(db: Path) -> None:
    with warehouse.write(db, 5) as con:
        first = warehouse.migrate(con)
        schema = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                             "ORDER BY ALL").fetchall()
    with warehouse.write(db, 5) as con:
        assert warehouse.migrate(con) == []
        again = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                            "ORDER BY ALL").fetchall()
        versions = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    assert first == [name for _, name, _ in available()]
    assert schema == again
    assert [v for (v,) in versions] == [v for v, _, _ in available()]


def test_tables_have_the_architecture_columns(db: Path) -> None:
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        for table, wanted in ARCH_COLUMNS.items():
            have = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
            assert wanted <= have, f"{table} lacks {wanted - have}"


def test_merging_the_same_batch_twice_keeps_one_row_and_first_seen(db: Path) -> None:
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": [_article(1), _article(2)]})
        later = _article(1, first_seen="2026-01-06T10:00:00+00:00", last_seen="2026-01-06T10:00:00+00:00",
                         title="Titre corrigé")
        warehouse.merge_batch(con, {"articles": [later, _article(2)]})
        rows = con.execute("SELECT id, title, CAST(first_seen AS DATE), CAST(last_seen AS DATE) FROM articles "
                           "ORDER BY id").fetchall()
        stories = con.execute("SELECT id, first_article_id, article_count FROM stories ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["a1", "a2"]
    assert rows[0][1] == "Titre corrigé"
    assert str(rows[0][2]) == "2026-01-05" and str(rows[0][3]) == "2026-01-06"
    assert stories == [("st-a1", "a1", 1), ("st-a2", "a2", 1)]


def test_a_failing_batch_leaves_nothing_behind(db: Path) -> None:
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        with pytest.raises(duckdb.Error):
            warehouse.merge_batch(con, {"articles": [_article(1)], "article_topics": [{"article_id": "a1", "topic": "t", "rules_version": "v", "score": "high"}]})
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)


HOLDER = textwrap.dedent("""
    import sys, time
    from pipeline import warehouse
    with warehouse.write(sys.argv[1], 5) as con:
        warehouse.migrate(con)
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def _hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_reader_waits_for_the_writer(db: Path) -> None:
    proc = _hold(db, 1.5)
    try:
        with warehouse.read(db, wait=30) as con:
            assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    finally:
        proc.wait(timeout=30)


def test_busy_message_names_holder_and_since(db: Path) -> None:
    proc = _hold(db, 8)
    try:
        started = time.monotonic()
        with pytest.raises(warehouse.WarehouseBusy, match=r"warehouse busy since .* \(held by pid \d+"):
            with warehouse.write(db, wait=0.5):
                pass
        assert time.monotonic() - started < 8
        cli = subprocess.run([str(Path(sys.executable).parent / "veille"), "query", "--db", str(db), "select 1"],
                             capture_output=True, text=True, env={"VEILLE_READ_WAIT": "0.3", "PATH": ""})
        assert cli.returncode == 1
        assert "warehouse busy since" in cli.stderr
    finally:
        proc.kill()
        proc.wait()
    # the OS released the lock with the process: no stuck lock
    with warehouse.write(db, wait=5) as con:
        assert warehouse.schema_version(con) >= 1


def test_recent_articles_are_those_published_or_first_seen_in_the_window(db: Path) -> None:
    from datetime import UTC, datetime

    def art(aid: str, published: str | None, first_seen: str) -> dict[str, object]:
        return {"id": aid, "url": f"https://x.example/{aid}", "canonical_url": f"https://x.example/{aid}",
                "source_id": "xinhua-fr", "title": aid, "text": aid, "published": published,
                "first_seen": first_seen, "last_seen": first_seen, "story_id": f"st-{aid}"}

    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": [
            art("old", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
            art("published-in", "2026-01-09T00:00:00+00:00", "2026-01-02T00:00:00+00:00"),
            art("seen-in", "2025-12-01T00:00:00+00:00", "2026-01-09T00:00:00+00:00"),
            art("undated-in", None, "2026-01-09T00:00:00+00:00"),
            art("undated-old", None, "2026-01-01T00:00:00+00:00")]})
    with warehouse.read(db, 5) as con:
        rows = warehouse.recent_articles(con, datetime(2026, 1, 8, tzinfo=UTC))
    assert sorted(r["id"] for r in rows) == ["published-in", "seen-in", "undated-in"]


def test_story_rows_follow_their_articles_across_loads(db: Path) -> None:
    odd = "st-l'été \"中\"\n"  # quotes, accents, CJK and a newline survive the touched-id parameter
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": [_article(1), _article(2, story_id=odd), _article(3)]})
        # a later load: new articles join a story of the first one, another is re-merged with a moved story
        # id (kept, as first_seen), and a batch repeating a key keeps its last row
        warehouse.merge_batch(con, {"articles": [
            _article(4, story_id="st-a1", source_id="sputnik-en", language="en",
                     first_seen="2026-01-07T10:00:00+00:00", last_seen="2026-01-08T10:00:00+00:00"),
            _article(5, story_id=odd, title="premier"), _article(5, story_id=odd, title="dernier"),
            _article(3, story_id="st-a1", title="Titre 3 revu")]})
        stored = con.execute("SELECT id, story_id, title FROM articles ORDER BY id").fetchall()
        stories = con.execute("SELECT id, last_seen, outlets, languages, article_count FROM stories "
                              "ORDER BY id").fetchall()
        recomputed = con.execute(
            "SELECT story_id, max(last_seen), list_sort(list(DISTINCT split_part(source_id, '-', 1))), "
            "list_sort(list(DISTINCT language)), count(*) FROM articles GROUP BY story_id ORDER BY 1").fetchall()
    assert stored == [("a1", "st-a1", "Titre 1"), ("a2", odd, "Titre 2"), ("a3", "st-a3", "Titre 3 revu"),
                      ("a4", "st-a1", "Titre 4"), ("a5", odd, "dernier")]
    assert stories == recomputed
    assert [s[4] for s in stories] == [2, 1, 2]
    assert stories[0][2:4] == (["sputnik", "xinhua"], ["en", "fr"])



def test_story_refresh_reads_only_recent_row_groups_yet_counts_every_member(db: Path) -> None:
    # the refresh skips articles first seen before the touched stories began: members stored row groups
    # earlier, and a reloaded member whose batch row says it was first seen later, must still count
    old = [_article(i, first_seen="2026-01-01T00:00:00+00:00", last_seen="2026-01-01T00:00:00+00:00")
           for i in range(warehouse.connection.ROW_GROUP_SIZE + 100)]
    later = {"first_seen": "2026-03-01T00:00:00+00:00", "last_seen": "2026-03-01T00:00:00+00:00"}
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": old})
        warehouse.merge_batch(con, {"articles": [_article(900_001, story_id="st-a5", **later)]})
        warehouse.merge_batch(con, {"articles": [_article(900_002, story_id="st-a5", **later),
                                                 _article(7, **later), _article(900_003, **later)]})
        touched = ["st-a5", "st-a7", "st-a900003"]
        stories = con.execute("SELECT id, first_seen, last_seen, article_count FROM stories "
                              "WHERE id IN (SELECT unnest(?)) ORDER BY id", [touched]).fetchall()
        recomputed = con.execute(
            "SELECT story_id, min(first_seen), max(last_seen), count(*) FROM articles "
            "WHERE story_id IN (SELECT unnest(?)) GROUP BY story_id ORDER BY 1", [touched]).fetchall()
    assert stories == recomputed
    assert [s[3] for s in stories] == [3, 1, 1]


def test_writers_keep_row_groups_small_so_a_checkpoint_rewrites_little(db: Path) -> None:
    # a checkpoint rewrites the last, partly filled row group of an indexed table: with DuckDB's default
    # size that was up to 122,880 articles per load; every writer must attach with the small size, or its
    # checkpoint merges the small groups back
    size = warehouse.connection.ROW_GROUP_SIZE
    first = size + size // 2
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_rows(con, "articles", [_article(i) for i in range(first)])
    with warehouse.write(db, 5) as con:
        warehouse.merge_rows(con, "articles", [_article(i) for i in range(first, first + 100)])
        con.execute("CHECKPOINT")
    with warehouse.read(db, 5) as con:
        groups = con.execute("SELECT row_group_id, max(count) FROM pragma_storage_info('articles') "
                             "WHERE column_name = 'id' GROUP BY ALL").fetchall()
        total = con.execute("SELECT count(*) FROM articles").fetchone()
    assert total == (first + 100,)
    assert len(groups) >= 2
    assert max(rows for _, rows in groups) <= size


def test_a_load_without_checkpoint_stays_in_the_log_until_the_next_writer(db: Path) -> None:
    wal = db.with_name(db.name + ".wal")
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
    with warehouse.write(db, 5, checkpoint=False) as con:
        warehouse.merge_batch(con, {"articles": [_article(1), _article(2)]})
    assert wal.exists() and wal.stat().st_size > 0
    with warehouse.read(db, 5) as con:  # committed: readers see it before any checkpoint
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    with warehouse.write(db, 5) as con:
        assert con.execute("SELECT count(*) FROM stories").fetchone() == (2,)
    assert not wal.exists() or wal.stat().st_size == 0
    with warehouse.read(db, 5) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)


GROWING = ("articles", "article_topics", "stories", "pages")


def test_a_load_that_grows_the_log_past_the_fold_size_folds_it_into_the_file(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # every open replays the whole log, so a run's loads must not keep adding to it without bound
    wal = db.with_name(db.name + ".wal")
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
    with warehouse.write(db, 5, checkpoint=False) as con:
        warehouse.merge_batch(con, {"articles": [_article(1)]})
    small = wal.stat().st_size
    assert small > 0
    monkeypatch.setattr(warehouse.connection, "WAL_FOLD_BYTES", small + 1)
    with warehouse.write(db, 5, checkpoint=False) as con:  # the log stays under the size: kept
        warehouse.merge_batch(con, {"articles": []})
    assert wal.stat().st_size == small
    with warehouse.write(db, 5, checkpoint=False) as con:  # past it: folded
        warehouse.merge_batch(con, {"articles": [_article(2)]})
    assert not wal.exists() or wal.stat().st_size == 0
    with warehouse.read(db, 5) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def _page(i: int, status: int) -> dict[str, object]:
    return {"id": f"p{i}", "url": f"https://x.example/{i}", "kind": "article", "status": status}


def _key_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    out = {}
    for table, keys in warehouse.load.KEYS.items():
        row = con.execute(f"SELECT count(*), count(DISTINCT ({', '.join(keys)})) FROM {table}").fetchone()
        assert row is not None
        out[table] = (int(row[0]), int(row[1]))
    return out


def test_growing_tables_have_no_key_index_yet_keep_one_row_per_key(db: Path) -> None:
    # a key index on a table that grows with every load made each load cost more as the warehouse grew;
    # without it the upsert itself must keep the keys unique: repeated keys within a batch, reloads
    topic = {"article_id": "a1", "topic": "ia", "rules_version": "v1", "score": 1.0}
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        keyed = {t for (t,) in con.execute("SELECT DISTINCT table_name FROM duckdb_constraints() "
                                           "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchall()}
        for _ in range(2):
            warehouse.merge_batch(con, {
                "articles": [_article(1), _article(2), _article(1, title="Titre repris")],
                "article_topics": [topic, {**topic, "score": 2.0}, {**topic, "topic": "5g"}],
                "pages": [_page(1, 200), _page(2, 404), _page(1, 304)]})
        counts = _key_counts(con)
        assert con.execute("SELECT title FROM articles WHERE id = 'a1'").fetchall() == [("Titre repris",)]
        assert con.execute("SELECT score FROM article_topics WHERE topic = 'ia'").fetchall() == [(2.0,)]
        assert con.execute("SELECT status FROM pages WHERE id = 'p1'").fetchall() == [(304,)]
    assert not keyed & set(GROWING)
    assert all(rows == distinct for rows, distinct in counts.values()), counts
    assert {t: counts[t][0] for t in GROWING} == {"articles": 2, "article_topics": 2, "stories": 2, "pages": 2}


class _Recording:
    """A real connection whose statements are noted, to see which tables a load asks."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: list[str]) -> None:
        self._con, self._sql = con, sql

    def execute(self, query: str, *args: object) -> duckdb.DuckDBPyConnection:
        self._sql.append(" ".join(query.split()))
        return self._con.execute(query, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_new_articles_are_loaded_without_asking_their_topic_and_search_tables(db: Path) -> None:
    # topic rows and search entries only exist for stored articles, so for a batch of new articles
    # those tables are not searched (a scan that grows with the warehouse); once the articles are
    # stored, or when the topic rows are another article's, they are asked and upserted as before
    def topic(aid: str, score: float) -> dict[str, object]:
        return {"article_id": aid, "topic": "ia", "rules_version": "v1", "score": score}

    asked: list[list[str]] = []
    batches: list[dict[str, list[dict[str, object]]]] = [
        {"articles": [_article(1), _article(2)], "article_topics": [topic("a1", 1.0), topic("a2", 1.0)]},
        {"articles": [_article(1, title="Titre repris")], "article_topics": [topic("a1", 2.0)]},
        {"articles": [_article(3)], "article_topics": [topic("a3", 1.0), topic("a2", 3.0)]},
    ]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        for batch in batches:
            asked.append([])
            warehouse.merge_batch(_Recording(con, asked[-1]), batch)  # type: ignore[arg-type]
        topics = con.execute("SELECT article_id, score FROM article_topics ORDER BY 1").fetchall()
        docs = con.execute("SELECT article_id, count(*) FROM search_docs GROUP BY 1 ORDER BY 1").fetchall()
        titles = con.execute("SELECT count(*) FROM search_postings p JOIN search_terms t ON t.id = p.term_id "
                             "WHERE t.term = 'titre'").fetchone()

    def asks(statements: list[str], table: str) -> bool:
        return any(f"SEMI JOIN {table} " in q or q.endswith(f"SEMI JOIN {table}") for q in statements)

    assert asks(asked[0], "articles")  # whether an article is stored is always asked
    assert not asks(asked[0], "article_topics") and not any("FROM search_docs SEMI JOIN" in q for q in asked[0])
    assert asks(asked[1], "article_topics") and any("FROM search_docs SEMI JOIN" in q for q in asked[1])
    assert asks(asked[2], "article_topics")  # a2's row rides with the new a3: the table is asked
    assert topics == [("a1", 2.0), ("a2", 3.0), ("a3", 1.0)]
    assert docs == [("a1", 1), ("a2", 1), ("a3", 1)]
    assert titles == (3,)  # a1 reindexed, not indexed twice


def _migrate_before(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """The schema as it was before migration `version`, recorded as applied."""
    con.execute("CREATE TABLE schema_migrations "
                "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())")
    for number, name, path in available():
        if number < version:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])


def test_migration_008_keeps_every_row_in_stored_order(db: Path) -> None:
    # the growing tables are copied without their keys: same rows, same order (what lets a filter on
    # first_seen skip old row groups), same NOT NULL constraints
    with warehouse.write(db, 5) as con:
        _migrate_before(con, 8)
        # rows written as the load of that schema did (its search index had no snippets yet)
        warehouse.merge_rows(con, "articles", [_article(i) for i in (3, 1, 2)])
        warehouse.merge_rows(con, "article_topics", [{"article_id": "a1", "topic": "ia", "rules_version": "v1",
                                                      "score": 1.0, "spans": '[{"term": "IA"}]'}])
        warehouse.merge_rows(con, "pages", [_page(1, 200)])
        warehouse.merge_rows(con, "stories", [{"id": "st-a1", "first_article_id": "a1", "article_count": 1}])
        before = {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in GROWING}
        assert warehouse.migrate(con)[0] == "008_growing_tables_unkeyed"
        after = {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in GROWING}
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO articles (id, url) VALUES ('a9', 'https://x.example/9')")
    assert after == before
    assert [r[0] for r in after["articles"]] == ["a3", "a1", "a2"]


def test_a_file_made_at_storage_1_2_is_moved_to_1_5_with_its_largest_tables_rewritten_in_order(db: Path) -> None:
    # writers attach with storage 1.5, whose checkpoints do not cost in proportion to the row groups they
    # leave alone; a file made at 1.2 is moved on its next write and migration 010 rewrites its postings
    # (the table with the most row groups) and articles (text declared ZSTD) so they get the new
    # metadata: same rows, same order, same NOT NULL constraints
    old = duckdb.connect()
    old.execute(f"ATTACH '{db}' AS old (STORAGE_VERSION 'v1.2.0', ROW_GROUP_SIZE 16384)")
    old.execute("USE old")
    _migrate_before(old, 10)
    old.execute("INSERT INTO search_postings VALUES (3, 1, 1), (1, 2, 4), (2, 1, 2), (1, 1, 1)")
    warehouse.merge_rows(old, "articles", [_article(i) for i in (3, 1, 2)])
    before = {t: old.execute(f"SELECT * FROM {t}").fetchall() for t in ("search_postings", "articles")}
    old.close()
    with warehouse.write(db, 5) as con:
        assert warehouse.migrate(con) == ["010_storage_1_5"]
        after = {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in ("search_postings", "articles")}
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO search_postings VALUES (NULL, 1, 1)")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO articles (id, url) VALUES ('a9', 'https://x.example/9')")
    with warehouse.read(db, 5) as con:
        (tags,) = con.execute("SELECT tags FROM duckdb_databases() WHERE path = ?", [str(db)]).fetchone() or (None,)
    assert after == before
    assert after["search_postings"] == [(3, 1, 1), (1, 2, 4), (2, 1, 2), (1, 1, 1)]
    assert [r[0] for r in after["articles"]] == ["a3", "a1", "a2"]
    assert tags["storage_version"].startswith("v1.5")


def test_a_story_stored_without_first_seen_is_updated_not_duplicated(db: Path) -> None:
    # the refresh skips stories first seen before the batch's bound; one stored without a first_seen has
    # no bound, and must still be found (else it would be inserted a second time)
    later = {"first_seen": "2026-03-01T00:00:00+00:00", "last_seen": "2026-03-01T00:00:00+00:00"}
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": [_article(1)]})
        con.execute("UPDATE stories SET first_seen = NULL WHERE id = 'st-a1'")
        warehouse.merge_batch(con, {"articles": [_article(2, story_id="st-a1", **later)]})
        rows = con.execute("SELECT id, article_count FROM stories WHERE id = 'st-a1'").fetchall()
    assert rows == [("st-a1", 2)]


def test_staged_values_keep_their_meaning_whatever_python_type_they_come_as(db: Path) -> None:
    """Arrow staging: datetimes or ISO text, numbers as text, non-text list items, JSON of any value."""
    from datetime import UTC, datetime

    when = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    rows = [_article(1, first_seen=when, last_seen="2026-01-05T12:00:00+02:00", language_confidence="0.75",
                     authors=["A", 7], flags=None),
            _article(2, language_confidence=0.5, authors=[], published=None)]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_rows(con, "articles", rows)
        warehouse.merge_rows(con, "crawl_runs", [
            {"id": "r1", "run_id": "r", "source_id": "xinhua-fr", "started": when, "responses_by_status": '{"200": 3}',
             "requests": "4", "bytes": 10**12},
            {"id": "r2", "run_id": "r", "source_id": "xinhua-fr", "started": when, "responses_by_status": {"200": 1}}])
        got = con.execute("SELECT id, first_seen = TIMESTAMPTZ '2026-01-05 10:00:00+00', "
                          "last_seen = TIMESTAMPTZ '2026-01-05 10:00:00+00', language_confidence, authors, "
                          "published FROM articles ORDER BY id").fetchall()
        runs = con.execute("SELECT id, CAST(responses_by_status AS VARCHAR), requests, bytes FROM crawl_runs "
                           "ORDER BY id").fetchall()
    assert got == [("a1", True, True, 0.75, ["A", "7"], None), ("a2", True, True, 0.5, [], None)]
    # a JSON column stores the JSON of the value given: a string stays a JSON string (readers decode it twice)
    assert runs == [("r1", '"{\\"200\\": 3}"', 4, 10**12), ("r2", '{"200":1}', None, None)]


def test_a_batch_streamed_in_several_record_batches_keeps_every_row_and_value(db: Path) -> None:
    # rows reach DuckDB in record batches of STREAM_ROWS; a numeric column given as text in one of them
    # only (staged as text for the whole batch) and a merge over stored keys must both come through whole
    n = 2 * warehouse.load.STREAM_ROWS + 5
    rows = [_article(i, language_confidence=0.5 if i < n - 1 else "0.25", authors=[f"au{i}"]) for i in range(n)]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        assert warehouse.merge_rows(con, "articles", rows) == n
        # the second merge updates every stored row, and adds one
        assert warehouse.merge_rows(con, "articles", [{**r, "title": "T" + r["id"]} for r in rows]
                                    + [_article(n)]) == n + 1
        got = con.execute("SELECT count(*), count(DISTINCT id), sum(language_confidence), "
                          "count(*) FILTER (WHERE title = 'T' || id), count(*) FILTER (WHERE authors = ['au' || "
                          "substr(id, 2)]) FROM articles").fetchone()
    assert got == (n + 1, n + 1, 0.5 * (n - 1) + 0.25, n, n)  # the added row has no confidence


def test_a_value_that_cannot_be_staged_fails_the_batch_with_its_own_error(db: Path) -> None:
    # a lone surrogate cannot be written as UTF-8; met in the stream's last record batch, DuckDB has
    # already taken the first ones: the caller sees the encoding error, and the transaction lands nothing
    n = warehouse.load.STREAM_ROWS + 3
    rows = [_article(i, text="texte" if i < n - 1 else "bad \ud800 text") for i in range(n)]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        with pytest.raises(UnicodeEncodeError):
            warehouse.merge_batch(con, {"articles": rows})
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_a_sources_seen_urls_are_its_own_and_those_on_its_hosts(db: Path) -> None:
    """What a crawl is given: its source's stored URLs, plus any other source stored on its hosts."""
    urls = {"a1": ("xinhua-fr", "https://french.news.cn/a/1.htm"),
            "a2": ("xinhua-fr", "https://mirror.example/a/2.htm"),        # stored by the source, any host
            "b1": ("sputnik-fr", "https://fr.sputniknews.africa/b/1"),
            "b2": ("sputnik-fr", "https://www.news.cn/b/2.htm"),           # another source, on a news.cn host
            "b3": ("sputnik-fr", "https://fakenews.cn/b/3.htm"),           # a host that only ends like it
            "b4": ("sputnik-fr", "https://news.cn.example.org/b/4.htm")}
    rows = [_article(int(k[1:]) + (10 if k[0] == "b" else 0), source_id=src, url=url, canonical_url=url)
            for k, (src, url) in urls.items()]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_rows(con, "articles", rows)
        mine = warehouse.seen_urls(con, "xinhua-fr", ("news.cn",))
        everything = warehouse.seen_urls(con)
    assert mine == {urls["a1"][1], urls["a2"][1], urls["b2"][1]}
    assert everything == {url for _, url in urls.values()}


def test_article_text_is_stored_with_zstd_and_short_columns_keep_theirs(db: Path) -> None:
    # long text goes to ZSTD (writers attach with a storage version that has it and a lower length
    # threshold); a row group of real article text, each prefixed so no two rows are equal
    gold = Path(__file__).parent / "fixtures" / "topics" / "gold.jsonl"
    texts = [t for t in (json.loads(line)["text"] for line in gold.read_text(encoding="utf-8").splitlines())
             if len(t.encode()) >= 2 * warehouse.connection.ZSTD_MIN_STRING_LENGTH]
    assert len(texts) >= 20
    rows = [_article(i, text=f"{i} {texts[i % len(texts)]}") for i in range(warehouse.connection.ROW_GROUP_SIZE)]
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_rows(con, "articles", rows)
    with warehouse.read(db, 5) as con:
        methods = dict(con.execute("SELECT column_name, list(DISTINCT compression) FROM pragma_storage_info('articles') "
                                   "WHERE column_name IN ('text', 'source_id') GROUP BY ALL").fetchall())
        stored = con.execute("SELECT text FROM articles WHERE id = 'a7'").fetchone()
    assert "ZSTD" in methods["text"]
    assert "ZSTD" not in methods["source_id"]
    assert stored == (rows[7]["text"],)


def test_connections_draw_no_progress_bar_on_standard_output(db: Path) -> None:
    # DuckDB's default draws one on stdout for a query past two seconds, amid a command's JSON lines
    setting = "SELECT current_setting('enable_progress_bar')"
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        assert con.execute(setting).fetchone() == (False,)
    with warehouse.read(db, 5) as con:
        assert con.execute(setting).fetchone() == (False,)
