"""Search: veille's own index, up to date after every load, accents folded, digits kept, Chinese included."""

from __future__ import annotations

import json
import random
import re
import subprocess
import unicodedata
from pathlib import Path

from pipeline import searchtext, warehouse
from pipeline.searchtext import tokens
from pipeline.warehouse import migrations, search
from tests.conftest import VEILLE


def _article(aid: str, title: str, text: str, source: str = "xinhua-fr", lang: str = "fr") -> dict[str, object]:
    return {"id": aid, "url": f"https://x.example/{aid}", "canonical_url": f"https://x.example/{aid}",
            "source_id": source, "title": title, "text": text, "language": lang, "story_id": f"st-{aid}",
            "first_seen": "2026-01-05T10:00:00+00:00", "last_seen": "2026-01-05T10:00:00+00:00"}


ARTICLES = [
    _article("fr1", "L'économie numérique en Chine", "La coopération numérique et les réseaux 5G progressent en 2025."),
    _article("fr2", "Match de football", "L'équipe a gagné la coupe après un match serré."),
    _article("zh1", "数字经济", "数字经济是全球经济增长的重要引擎。", "xinhua-zh", "zh"),
    _article("en1", "Smart cities", "Smart city projects in Chongqing use big data and cloud computing.", "xinhua-en", "en"),
]


def _load(db: Path, rows: list[dict[str, object]]) -> None:
    with warehouse.write(db, 5) as con:
        warehouse.migrate(con)
        warehouse.merge_batch(con, {"articles": rows})


def _ids(db: Path, text: str, **filters: object) -> list[str]:
    with warehouse.read(db, 5) as con:
        return [r[0] for r in search.search(con, text, filters, 10)[1]]


def test_tokens_fold_accents_keep_digits_and_split_chinese() -> None:
    assert tokens("Économie 5G 2025") == ["economie", "5g", "2025"]
    assert tokens("数字经济") == ["数字", "字经", "经济"]


def _reference_tokens(text: str) -> list[str]:
    """The plain definition the fast tokenizer must match: fold the whole text, then split it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out: list[str] = []
    for match in re.finditer(searchtext._TOKEN, folded):
        run = match.group(0)
        if searchtext._CJK_RUN.match(run):
            out.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        elif len(run) <= searchtext.MAX_TOKEN:
            out.append(run)
    return out


def test_fast_tokens_equal_the_plain_definition() -> None:
    # what makes chunk-by-chunk tokenizing exact: no whitespace character folds into a token character
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert not [c for c in spaces if searchtext._TOKEN.search(searchtext.fold(c))]
    texts = ["L\u2019E\u0301conomie nume\u0301rique\u00a0: ﬁnance ² ＡＢＣ１２３ Straße ΣΑΣ",
             "数字经济 是\u3000全球经济 5G 网络。2025年", "a" * 41 + " " + "b" * 40, "", "  \t\n"]
    rnd = random.Random(7)
    pool = [chr(c) for c in range(0x20, 0x3100)] + list("数字经济 \u00a0\u0301ﬁ²") * 40
    texts += ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 40))) for _ in range(3000)]
    for text in texts * 2:  # twice: the second pass reads the chunk cache
        assert tokens(text) == _reference_tokens(text), text


def test_accentless_query_finds_french_and_chinese_by_two_characters(db: Path) -> None:
    _load(db, ARTICLES)
    assert _ids(db, "economie numerique")[0] == "fr1"
    assert _ids(db, "数字") == ["zh1"]
    assert _ids(db, "5G") == ["fr1"]
    assert _ids(db, "2025") == ["fr1"]
    assert _ids(db, "football") == ["fr2"]
    assert _ids(db, "économie", sources=["xinhua-en"]) == []


def test_index_follows_every_load_and_reload(db: Path) -> None:
    _load(db, ARTICLES[:1])
    assert _ids(db, "cloud") == []
    _load(db, ARTICLES[1:])
    assert _ids(db, "cloud") == ["en1"]
    changed = dict(ARTICLES[3], text="Smart city projects use satellites.")
    _load(db, [changed])
    assert _ids(db, "cloud") == [] and _ids(db, "satellites") == ["en1"]
    with warehouse.read(db, 5) as con:
        assert con.execute("SELECT count(*) FROM search_docs").fetchone() == (len(ARTICLES),)


def test_reload_replaces_postings_and_keeps_others(db: Path) -> None:
    _load(db, ARTICLES)
    with warehouse.read(db, 5) as con:
        before = con.execute("SELECT count(*) FROM search_postings").fetchone()
    _load(db, ARTICLES)  # the same batch again: same index, no duplicated postings
    with warehouse.read(db, 5) as con:
        assert con.execute("SELECT count(*) FROM search_postings").fetchone() == before
        # one row per article, kept by the load itself (search_docs has no key: migration 007)
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM search_docs").fetchone() == (
            len(ARTICLES), len(ARTICLES))
        # every posting belongs to a live doc, and each doc's postings add up to its length
        assert con.execute("SELECT count(*) FROM search_postings p ANTI JOIN search_docs d USING (doc)"
                           ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM search_docs d WHERE length <> "
                           "(SELECT sum(tf) FROM search_postings p WHERE p.doc = d.doc)").fetchone() == (0,)
    assert _ids(db, "coupe") == ["fr2"] and _ids(db, "数字") == ["zh1"]


def test_upgrade_from_the_old_index_rebuilds_it(db: Path) -> None:
    # a warehouse at schema 005 (VARCHAR postings of migration 004), holding articles
    with warehouse.write(db, 5) as con:
        migrations.applied(con)
        for version, name, path in migrations.available():
            if version < 6:
                con.execute(path.read_text(encoding="utf-8"))
                con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
        warehouse.merge_rows(con, "articles", ARTICLES)
        con.execute("INSERT INTO search_postings VALUES ('economie', 'fr1', 4)")
    # what `veille migrate` does
    with warehouse.write(db, 5) as con:
        assert "006_search_postings" in warehouse.migrate(con)
        assert search.reindex_missing(con) == len(ARTICLES)
        assert search.reindex_missing(con) == 0
    assert _ids(db, "economie numerique")[0] == "fr1" and _ids(db, "数字") == ["zh1"]


def test_search_and_export_commands(db: Path, tmp_path: Path) -> None:
    _load(db, ARTICLES)
    done = subprocess.run([VEILLE, "search", "--db", str(db), "--format", "json", "economie"],
                          capture_output=True, text=True, timeout=60)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and rows[0]["id"] == "fr1"
    assert set(rows[0]) == {"id", "url", "title", "source_id", "published", "snippet", "score"}
    out = tmp_path / "export.jsonl"
    done = subprocess.run([VEILLE, "export", "--db", str(db), "--format", "jsonl", "--out", str(out),
                           "--language", "fr"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in exported) == ["fr1", "fr2"]


def test_stored_snippets_are_the_sql_expression_migration_009_fills_older_ones_with(db: Path) -> None:
    # new snippets are made in Python at indexing time, older ones by migration 009 in SQL: both must give
    # the same text, whatever the whitespace (runs longer than the prefix read, tabs, no-break spaces)
    rng = random.Random(5)
    pieces = ["mot", "é", "数字", "\u00a0", " ", "\t", "\n\n", "\r\n", "\f", "\v", " " * 900, "5G"]
    texts = ["", " ", "court", " " * 1500 + "fin", "a" * 999 + "   b" + "c" * 300]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 400))) for _ in range(60)]
    rows = [_article(f"s{k}", "Titre", text) for k, text in enumerate(texts)]
    _load(db, rows)
    with warehouse.read(db, 5) as con:
        pairs = con.execute("SELECT d.snippet, substr(regexp_replace(a.text, '\\s+', ' ', 'g'), 1, 200) "
                            "FROM search_docs d JOIN articles a ON a.id = d.article_id").fetchall()
    assert len(pairs) == len(texts)
    assert all(stored == expected for stored, expected in pairs)


def test_search_shows_each_hit_with_its_own_snippet(db: Path) -> None:
    _load(db, ARTICLES)
    with warehouse.read(db, 5) as con:
        columns, rows = search.search(con, "numérique", {}, 10)
    shown = {r[columns.index("id")]: r[columns.index("snippet")] for r in rows}
    assert shown == {"fr1": "La coopération numérique et les réseaux 5G progressent en 2025."}


def test_migration_009_gives_articles_indexed_before_it_their_snippets(db: Path) -> None:
    texts = {"old1": "Premier\t\ttexte  indexé\n\navant la migration.", "old2": "  " + "mot " * 120, "old3": None}
    with warehouse.write(db, 5) as con:
        con.execute("CREATE TABLE schema_migrations "
                    "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())")
        for version, name, path in migrations.available():
            if version < 9:
                con.execute(path.read_text(encoding="utf-8"))
                con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
        warehouse.merge_rows(con, "articles", [{**_article(aid, "Titre", ""), "text": text}
                                               for aid, text in texts.items()])
        # the index as the load of that schema wrote it: no snippet column
        con.execute("INSERT INTO search_docs SELECT id, row_number() OVER (ORDER BY id), 3 FROM articles")
        assert warehouse.migrate(con)[0] == "009_search_snippets"
        stored = dict(con.execute("SELECT article_id, snippet FROM search_docs").fetchall())
    assert stored == {aid: search.snippet(text) for aid, text in texts.items()}


def _index_rows(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Each article's stored length and snippet, and its postings by term (doc numbers aside)."""
    with warehouse.read(db, 5) as con:
        docs = con.execute("SELECT article_id, length, snippet FROM search_docs ORDER BY article_id").fetchall()
        postings = con.execute("SELECT d.article_id, t.term, p.tf FROM search_postings p "
                               "JOIN search_docs d USING (doc) JOIN search_terms t ON t.id = p.term_id "
                               "ORDER BY 1, 2").fetchall()
    return docs, postings


def test_terms_counted_where_pages_are_cleaned_index_as_terms_counted_by_the_load(tmp_path: Path) -> None:
    # rows as the crawl's cleaner leaves them (process.count_index_terms), one with an empty text
    rows = ARTICLES + [_article("empty", "Titre seul", "")]
    carried = [{**r, searchtext.ROW_KEY: searchtext.index_terms(str(r["title"]), str(r["text"]))} for r in rows]
    _load(tmp_path / "counted.duckdb", [dict(r) for r in rows])
    _load(tmp_path / "carried.duckdb", carried)
    counted = _index_rows(tmp_path / "counted.duckdb")
    assert counted == _index_rows(tmp_path / "carried.duckdb")
    assert ("empty", 6, "") in counted[0]  # the title's two terms, each weighted three times
    assert ("fr1", "5g", 1) in counted[1]
    assert _ids(tmp_path / "carried.duckdb", "coupe") == ["fr2"]


def test_terms_carried_for_another_text_are_counted_again(tmp_path: Path) -> None:
    # a row whose text changed after its terms were counted (an edit, here to a text of the same length):
    # the carried terms are not used
    stale = _article("fr2", "Match de football", "La coupe du monde de robotique s'ouvre à Pékin.")
    stale[searchtext.ROW_KEY] = searchtext.index_terms("Match de football", str(ARTICLES[1]["text"]))
    _load(tmp_path / "w.duckdb", [stale])
    assert _ids(tmp_path / "w.duckdb", "robotique") == ["fr2"]
    assert _ids(tmp_path / "w.duckdb", "equipe") == []
