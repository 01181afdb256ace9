"""Story grouping on real text: copies, edits, rewrites, translations, windows and stable ids."""

from __future__ import annotations

import csv
import random
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.stories import Doc, assign_stories, content_hash, dedup, normalise_text

FIXTURES = Path(__file__).parent / "fixtures" / "stories"
SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Þ«\"“])")


def read_tsv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


SEEDS = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
MASAKHA = read_tsv(FIXTURES / "masakhanews" / "fra_dev_sample.tsv")
SIB = {row["index_id"]: row for row in read_tsv(FIXTURES / "sib200" / "dev_fra_eng_zho.tsv")}
ORIGINALS = [(f"seed{i}", "", text) for i, text in enumerate(SEEDS)] + [
    (f"bbc{i}", row["headline"], row["text"]) for i, row in enumerate(MASAKHA[::5])
]


def paragraphs(text: str) -> list[str]:
    paras = [p for p in text.split("\n") if p.strip()]
    # MasakhaNEWS texts are one block: their "paragraphs" are sentences.
    return paras if len(paras) >= 3 else [s for s in SENTENCE.split(text) if s.strip()]


def headline(text: str, title: str) -> str:
    return "Nouveau titre : " + " ".join(SENTENCE.split(text.strip())[0].split()[:8])


def boilerplate(text: str, title: str) -> str:
    return f"Lire aussi : {MASAKHA[-1]['headline']}\n{text}\nLire aussi : {MASAKHA[-2]['headline']}\n(Avec agences)"


def trimmed(text: str, title: str) -> str:
    return "\n".join(paragraphs(text)[:-1])


def figure(text: str, title: str) -> str:
    match = re.search(r"\d+", text)
    assert match, "every original used here states a figure"
    return text[:match.start()] + str(int(match.group(0)) + 3) + text[match.end():]


def reformatted(text: str, title: str) -> str:
    return "  ".join(text.upper().split()).replace("'", "’")


@pytest.mark.parametrize("operation", [headline, boilerplate, trimmed, figure, reformatted])
@pytest.mark.parametrize("original", ORIGINALS, ids=[o[0] for o in ORIGINALS])
def test_edited_copy_joins_its_original(original: tuple[str, str, str], operation: object) -> None:
    name, title, text = original
    assert callable(operation)
    edited_text = text if operation is headline else operation(text, title)
    edited_title = operation(text, title) if operation is headline else title
    docs = [Doc(id=name, title=title, text=text, source="xinhua-fr", published="2025-09-10T08:00:00+08:00"),
            Doc(id="copy", title=edited_title, text=edited_text, source="prnewswire-fr",
                published="2025-09-10T15:30:00+02:00")]
    # Unrelated articles alongside, so a match is not the only option.
    docs += [Doc(id=f"other{i}", title=r["headline"], text=r["text"]) for i, r in enumerate(MASAKHA[1::5])]
    stories = dedup(docs)
    assert stories["copy"] == stories[name]
    assert sum(1 for v in stories.values() if v == stories[name]) == 2


def test_rewritten_report_joins_its_original() -> None:
    for name, title, text in ORIGINALS:
        sentences = SENTENCE.split(text.replace("\n", " "))
        if len(sentences) < 9:
            continue
        # Another outlet: keeps the lead and a third of the rest, in another order.
        kept = sentences[1:][::3][::-1]
        rewrite = " ".join([sentences[0], *kept])
        docs = [Doc(id=name, title=title, text=text, source="xinhua-fr", published="2025-09-10"),
                Doc(id="rewrite", title=" ".join(sentences[0].split()[:9]), text=rewrite, source="sputnik-fr",
                    published="2025-09-11")]
        stories = dedup(docs)
        assert stories["rewrite"] == stories[name], name


def test_unrelated_articles_stay_apart() -> None:
    docs = [Doc(id=f"bbc{i}", title=r["headline"], text=r["text"], published="2022-03-01")
            for i, r in enumerate(MASAKHA)]
    docs += [Doc(id=f"seed{i}", title="", text=t, published="2025-09-10") for i, t in enumerate(SEEDS)]
    stories = dedup(docs)
    # Six articles per category, several seeds on the digital economy: none is a copy of another.
    assert len(set(stories.values())) == len(docs)
    assert {s for s in stories.values()} == {f"st-{d.id}" for d in docs}


def test_chinese_near_duplicate() -> None:
    ids = list(SIB)
    text = "".join(SIB[i]["zho_Hans"] for i in ids[:8])
    copy = "相关阅读：新华网首页\n" + " ".join(SIB[i]["zho_Hans"] for i in ids[:7]).replace("，", ",")
    other = "".join(SIB[i]["zho_Hans"] for i in ids[8:16])
    stories = dedup([Doc(id="zh", title="", text=text), Doc(id="zh-copy", title="另一个标题", text=copy),
                     Doc(id="zh-other", title="", text=other)])
    assert stories["zh"] == stories["zh-copy"] != stories["zh-other"]


def test_translations_of_one_dispatch_join_within_an_outlet() -> None:
    groups = {"fig": ["546", "768", "241", "1272"], "names": ["1188", "1014", "1021", "1017"]}
    docs = []
    for key, rows in groups.items():
        for column, source, hour in (("fra_Latn", "xinhua-fr", "08"), ("eng_Latn", "xinhua-en", "10"),
                                     ("zho_Hans", "xinhua-zh", "09")):
            docs.append(Doc(id=f"{key}-{source}", title="", text=" ".join(SIB[i][column] for i in rows),
                            source=source, published=f"2025-09-10T{hour}:00:00+00:00"))
    stories = dedup(docs)
    assert stories["fig-xinhua-fr"] == stories["fig-xinhua-en"] == stories["fig-xinhua-zh"]
    assert stories["names-xinhua-fr"] == stories["names-xinhua-en"]
    assert stories["fig-xinhua-fr"] != stories["names-xinhua-fr"]


def _sib_editions(seed: int, groups: int, size: int = 8) -> list[Doc]:
    ids = sorted(SIB, key=int)
    random.Random(seed).shuffle(ids)
    docs = []
    for g in range(groups):
        chunk = ids[g * size:(g + 1) * size]
        for column, source, hour in (("fra_Latn", "xinhua-fr", 8), ("eng_Latn", "xinhua-en", 10),
                                     ("zho_Hans", "xinhua-zh", 9)):
            # every group on the same day: the others are the hardest distractors there are
            docs.append(Doc(id=f"{g}-{source}", title="", text=" ".join(SIB[i][column] for i in chunk),
                            source=source, published=f"2025-09-10T{hour + g % 3:02d}:00:00+00:00"))
    return docs


def test_translation_links_are_precise_and_find_most_editions() -> None:
    docs = _sib_editions(seed=3, groups=12)
    stories = dedup(docs)
    truth = {d.id: d.id.split("-")[0] for d in docs}
    gold = {(a, b) for a in truth for b in truth if a < b and truth[a] == truth[b]}
    got = {(a, b) for a in stories for b in stories if a < b and stories[a] == stories[b]}
    assert got <= gold, sorted(got - gold)[:5]
    assert len(got & gold) >= len(gold) // 2


def test_translation_needs_the_outlet_the_day_and_the_shape() -> None:
    editions = _sib_editions(seed=3, groups=12)
    pairs = [(editions[k], editions[k + 1]) for k in range(0, len(editions), 3)]
    linked = [(fr, en) for fr, en in pairs if len(set(dedup([fr, en]).values())) == 1]
    assert linked, "no fr/en edition pair linked at all"
    fr, en = linked[0]
    next_week = Doc(id="w", title="", text=en.text, source="xinhua-en", published="2025-09-17T10:00:00+00:00")
    half = Doc(id="h", title="", text=" ".join(en.text.split(". ")[:3]), source="xinhua-en",
               published=en.published)
    for doc in (next_week, half):
        assert len(set(dedup([fr, doc]).values())) == 2, doc.id


def test_window_is_respected_except_for_exact_copies() -> None:
    text = SEEDS[1]
    docs = [Doc(id="a", title="", text=text, published="2025-05-01T10:00:00+00:00"),
            Doc(id="late-edit", title="", text=trimmed(text, ""), published="2025-05-11T10:00:00+00:00"),
            Doc(id="late-copy", title="", text=reformatted(text, ""), published="2025-05-20T10:00:00+00:00")]
    stories = dedup(docs)
    assert stories["late-edit"] != stories["a"]
    assert stories["late-copy"] == stories["a"]
    assert dedup(docs, window_days=15)["late-edit"] == stories["a"]


def test_story_ids_are_stable() -> None:
    docs = [Doc(id="b", title="", text=SEEDS[0], published="2025-09-11"),
            Doc(id="a", title="", text=boilerplate(SEEDS[0], ""), published="2025-09-12"),
            Doc(id="c", title="", text=SEEDS[3], published="2025-09-19"),
            Doc(id="undated", title="", text=trimmed(SEEDS[3], ""))]
    first = dedup(docs)
    # The earliest article names the story; undated articles come last.
    assert first == {"b": "st-b", "a": "st-b", "c": "st-c", "undated": "st-c"}
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    assert dedup(shuffled) == first


def test_assign_joins_existing_stories_without_renumbering() -> None:
    existing = [Doc(id="old", title="", text=SEEDS[0], published="2025-09-10", story_id="st-old"),
                Doc(id="old2", title="", text=SEEDS[3], published="2025-09-19", story_id="st-something-else")]
    new = [Doc(id="earlier-copy", title="Autre titre", text=trimmed(SEEDS[0], ""), published="2025-09-09"),
           Doc(id="n1", title="", text=SEEDS[1], published="2025-09-10"),
           Doc(id="n0", title="", text=figure(SEEDS[1], ""), published="2025-09-10"),
           Doc(id="sputnik", title="", text=boilerplate(SEEDS[3], ""), published="2025-09-20")]
    out = assign_stories(existing, new)
    # Published before the existing story started, yet the story keeps its id.
    assert out["earlier-copy"] == "st-old"
    assert out["sputnik"] == "st-something-else"
    # Two new copies of one article: one new story, named after the first by (date, id).
    assert out["n0"] == out["n1"] == "st-n0"
    assert set(out) == {d.id for d in new}
    assert assign_stories(existing, new) == out


def test_assign_respects_window_against_existing() -> None:
    existing = [Doc(id="old", title="", text=SEEDS[2], published="2018-08-24", story_id="st-old")]
    near = Doc(id="near", title="", text=trimmed(SEEDS[2], ""), published="2018-09-24")
    exact = Doc(id="exact", title="", text=SEEDS[2], published="2019-01-01")
    out = assign_stories(existing, [near, exact], window_days=3)
    assert out == {"near": "st-near", "exact": "st-old"}


def test_a_given_content_hash_is_used_not_computed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import story_reading

    story_reading.forget_read_articles()
    existing = [Doc(id="old", title="", text=SEEDS[2], published="2018-08-24", story_id="st-old")]
    new = [Doc(id="near", title="", text=trimmed(SEEDS[2], ""), published="2018-09-24"),
           Doc(id="exact", title="", text=SEEDS[2], published="2019-01-01")]
    expected = assign_stories(existing, new, window_days=3)
    story_reading.forget_read_articles()
    hashed: list[str] = []
    real = story_reading.content_hash
    monkeypatch.setattr(story_reading, "content_hash", lambda text: hashed.append(text) or real(text))
    given = [replace(d, content_hash=content_hash(d.text)) for d in new]
    assert assign_stories(existing, given, window_days=3) == expected
    # only the stored article, which carries no hash, was hashed
    assert hashed == [SEEDS[2]]


def test_kept_story_features_come_back_as_read_and_spare_the_reading(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A run keeps what its loads read; the next one restores it and reads none of those articles again."""
    import numpy as np

    from pipeline import story_reading

    docs = [Doc(id=f"s{k}", title=f"Titre {k}", text=text, source="xinhua-fr", published="2025-09-20")
            for k, text in enumerate(SEEDS)]
    fresh = story_reading.prepare_all(docs)  # no cache: read here
    story_reading.forget_read_articles()
    story_reading.prepare_cached(docs)
    kept = tmp_path / "work" / "story-features.pickle"
    assert story_reading.keep_read_articles(kept) == len(docs)
    story_reading.forget_read_articles()
    assert story_reading.restore_read_articles(kept) == len(docs)
    read: list[int] = []
    real = story_reading._read_many
    monkeypatch.setattr(story_reading, "_read_many", lambda ds, w: read.append(len(ds)) or real(ds, w))
    restored = story_reading.prepare_cached(docs)
    assert sum(read) == 0
    for a, b in zip(fresh, restored, strict=True):
        assert b.doc is not None and b.doc.text == a.doc.text  # the caller's doc, not the kept text-less one
        assert (a.exact, a.evidence, a.when, a.language, a.sentences, a.length) == \
               (b.exact, b.evidence, b.when, b.language, b.sentences, b.length)
        assert np.array_equal(a.shingles, b.shingles) and np.array_equal(a.gloss, b.gloss)
        assert a.minhash is not None and b.minhash is not None and np.array_equal(a.minhash, b.minhash)
    # a file of other reading code, a broken file and no file give nothing, and no error
    story_reading.forget_read_articles()
    monkeypatch.setattr(story_reading, "_reading_fingerprint", lambda: "other reading code")
    assert story_reading.restore_read_articles(kept) == 0
    kept.write_bytes(b"not a pickle")
    assert story_reading.restore_read_articles(kept) == 0
    assert story_reading.restore_read_articles(tmp_path / "missing.pickle") == 0
    assert story_reading._CACHE.prepared == {}


def test_bad_records_do_not_break_the_batch() -> None:
    docs = [Doc(id="empty", title="", text=""), Doc(id="short", title="Titre", text="Oui."),
            Doc(id="s0", title="", text=SEEDS[0], published="not a date"),
            Doc(id="s0b", title="", text=SEEDS[0], published="2025-13-45")]
    stories = dedup(docs)
    assert stories["s0"] == stories["s0b"]
    assert stories["empty"] == "st-empty" and stories["short"] == "st-short"


def test_normalise_and_hash_fold_trivial_formatting() -> None:
    text = "Le 8e Sommet de la Chine numérique s’est tenu à Fuzhou."
    variants = ["le 8E sommet de la chine numerique s'est tenu a FUZHOU", "  Le 8e Sommet de la\nChine "
                "numérique, s’est tenu à Fuzhou !"]
    assert normalise_text(text) == "le 8e sommet de la chine numerique s est tenu a fuzhou"
    assert all(content_hash(v) == content_hash(text) for v in variants)
    assert content_hash(text.replace("8e", "9e")) != content_hash(text)
    assert normalise_text("北京，２０２５年！") == "北京 2025年"


def test_numpy_minhash_equals_datasketch() -> None:
    from datasketch import MinHash

    from pipeline.story_reading import NUM_PERM, SEED, minhash_values
    from pipeline.textnorm import shingle_hashes

    for text in SEEDS:
        shingles = shingle_hashes(normalise_text(text))
        sketch = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda v: v)
        sketch.update_batch(shingles.tolist())
        assert (sketch.hashvalues == minhash_values(shingles)).all()


def test_translation_invariant_features() -> None:
    from pipeline.textnorm import extract_evidence

    fr = extract_evidence("", "À Tallinn, en Estonie, 2,5 millions de personnes et dix-huit médailles, a déclaré Poutine.")
    en = extract_evidence("", "In Tallinn, Estonia, 2.5 million people and eighteen medals, said Putin.")
    zh = extract_evidence("", "在爱沙尼亚的塔林，250万人，十八块奖牌。")
    ru = extract_evidence("", "В Таллине, сказал Путин, в Эстонии 2,5 млн человек.")
    for ev in (fr, en, zh, ru):
        assert {"c:estonia", "c:tallinn"} <= ev.keys(), ev
        assert "2500000" in ev.numbers, ev
    assert "18" in fr.numbers and "18" in en.numbers and "18" in zh.numbers
    assert any(k.startswith("k:") for k in fr.keys() & en.keys() & ru.keys())


def test_token_normalisation_equals_whole_text() -> None:
    # `normalise_text` folds token by token with a memo; every code point, next to letters, marks,
    # spaces and others, must give what folding the whole text at once gives
    from pipeline.textnorm import _normalise_slow

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    rng = random.Random(0)
    for k in range(0, len(points), 256):
        chunk = points[k:k + 256]
        for text in ("".join(chunk), " ".join(chunk), "a\u0301".join(chunk),
                     "".join(c + rng.choice([" ", "", "é", "\u3000", "\u0308"]) for c in chunk)):
            assert normalise_text(text) == _normalise_slow(text), (hex(ord(chunk[0])), text)
    assert all(normalise_text(s) == _normalise_slow(s) for s in SEEDS)


def test_batched_shingles_equal_single() -> None:
    import numpy as np

    from pipeline.textnorm import shingle_hashes, shingle_hashes_many

    texts = [normalise_text(t) for t in SEEDS] + ["", "abc", "北京 2025年 北京 会议 开幕", "abcdefgh", "北京"]
    texts += [normalise_text(row["text"]) for row in MASAKHA[:20]]
    random.Random(3).shuffle(texts)
    for single, batched in zip([shingle_hashes(t) for t in texts], shingle_hashes_many(texts), strict=True):
        assert batched.dtype == np.uint32 and np.array_equal(single, batched)


def test_capital_first_patterns_match_as_before() -> None:
    # the name patterns were rewritten to open with the capital (faster); same matches as the originals
    from pipeline import textnorm, translation

    before = {
        textnorm._NAME: re.compile(r"(?<=[a-zà-ÿ0-9,] )([A-ZÀ-Þ][a-zà-ÿA-Z'’-]{2,})"),
        textnorm._ACRONYM: re.compile(r"(?<![A-Za-z])([A-Z][A-Z0-9]{1,9})(?![A-Za-z])"),
        translation._CYRILLIC_NAME: re.compile(r"(?<=[а-яё0-9,] )([А-ЯЁ][а-яё-]{2,})"),
        translation._LATIN_IN_CJK: re.compile(r"(?<![A-Za-z])([A-Z][A-Za-z'-]+)"),
    }
    rng = random.Random(0)
    alphabet = list("aBcZ09, 'é’-ÀÞÿàЖжАяЁё中.") + [" "] * 5
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(20000)] + SEEDS
    for new, old in before.items():
        for text in texts:
            assert [m.span(1) for m in new.finditer(text)] == [m.span(1) for m in old.finditer(text)], text


def _mixed_day() -> tuple[list[Doc], list[Doc]]:
    """Existing articles (some without a story yet) and a day of new ones: copies, edits, translations, undated."""
    existing = [Doc(id=f"old{i}", title=title, text=text, source="xinhua-fr", published=f"2025-09-{8 + i % 3:02d}",
                    story_id=None if i % 4 == 3 else f"st-old{i}") for i, (_, title, text) in enumerate(ORIGINALS)]
    existing += [Doc(id="far", title="", text=SEEDS[2], published="2025-06-01", story_id="st-far")]
    existing += [Doc(id=f"x{d.id}", title=d.title, text=d.text, source=d.source, published=d.published,
                     story_id=f"st-x{d.id}") for d in _sib_editions(seed=5, groups=4)[::3]]
    operations = [headline, boilerplate, trimmed, figure, reformatted]
    new = [Doc(id=f"new{i}", title=title, text=operations[i % 5](text, title) if i % 5 else text,
               source="prnewswire-fr", published=None if i % 7 == 6 else "2025-09-10T12:00:00+00:00")
           for i, (_, title, text) in enumerate(ORIGINALS)]
    new += [Doc(id="far-copy", title="", text=reformatted(SEEDS[2], ""), published="2025-09-10")]
    new += [d for k, d in enumerate(_sib_editions(seed=5, groups=4)) if k % 3]
    new += [Doc(id=f"other{i}", title=r["headline"], text=r["text"], published="2025-09-10")
            for i, r in enumerate(MASAKHA[2::7])]
    return existing, new


def test_prepared_cache_gives_the_assignment_of_a_fresh_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import story_reading as stories

    existing, new = _mixed_day()
    monkeypatch.setattr(stories, "_CACHE", stories.PreparedCache(limit=0))
    uncached = assign_stories(existing, new)
    # the mix exercises each kind of link: existing stories absorb copies, translations and an old exact copy
    assert uncached["far-copy"] == "st-far"
    assert sum(v.startswith("st-old") for v in uncached.values()) >= len(ORIGINALS) // 2
    assert any(v.startswith("st-x") for v in uncached.values())
    cache = stories.PreparedCache(limit=10_000)
    monkeypatch.setattr(stories, "_CACHE", cache)
    assert assign_stories(existing, new) == uncached
    assert len(cache.prepared) > len(new)
    # warm: every article comes from the cache, including the new ones read by the first call
    assert assign_stories(existing, new) == uncached
    # a cached article carries no story id: the ids of this call are the ones used
    renamed = [replace(d, story_id=f"st-renamed-{d.id}") if d.story_id else d for d in existing]
    monkeypatch.setattr(stories, "_CACHE", stories.PreparedCache(limit=0))
    expected = assign_stories(renamed, new)
    monkeypatch.setattr(stories, "_CACHE", cache)
    assert assign_stories(renamed, new) == expected != uncached
    # an edited article is read again (the key is its content, not its id)
    edited = [replace(d, text=MASAKHA[0]["text"]) if d.id == "far" else d for d in existing]
    found = assign_stories(edited, new)
    assert found["far-copy"] != "st-far"
    monkeypatch.setattr(stories, "_CACHE", stories.PreparedCache(limit=0))
    assert assign_stories(edited, new) == found


def test_prepared_cache_is_bounded() -> None:
    from pipeline import story_reading as stories

    cache = stories.PreparedCache(limit=3)
    docs = [Doc(id=f"d{i}", title="", text=SEEDS[i % len(SEEDS)]) for i in range(5)]
    prepared = stories.prepare_all(docs, cache)
    assert len(cache.prepared) == 3
    assert [p.doc.id for p in stories.prepare_all(docs, cache)] == [p.doc.id for p in prepared]
    assert all(p.doc.text == "" for p in cache.prepared.values())


def test_prepared_cache_keys_the_date_by_its_instant() -> None:
    from pipeline import story_reading as stories

    cache = stories.PreparedCache(limit=10)
    # as cleaning writes it, then as the warehouse gives it back for the next load's story window
    new = Doc(id="a", title="", text=SEEDS[0], source="xinhua-fr", published="2026-01-05T00:10:44+08:00")
    stored = replace(new, published="2026-01-04 16:10:44+00")
    later = replace(new, published="2026-01-04 16:10:45+00")
    stories.prepare_all([new], cache)
    assert cache.get(stories._doc_key(stored), stored) is not None
    assert cache.get(stories._doc_key(later), later) is None  # another instant: read again


def _features(prepared: list) -> list[tuple]:
    """What story grouping compares of each read article, in a form `==` can check."""
    return [(p.doc, p.when, p.exact, p.shingles.tolist(), None if p.minhash is None else p.minhash.tolist(),
             p.evidence, p.family, p.sentences, p.length, p.language, p.gloss.tolist()) for p in prepared]


def _reading_corpus() -> list[Doc]:
    days = [f"2026-03-0{d}T08:00:00+00:00" for d in range(1, 4)]
    return [Doc(id=f"{case}-{i}", title=title, text=text, source=source, published=days[i % 3])
            for i, (case, title, text) in enumerate(ORIGINALS)
            for source in ("xinhua-fr", "sputnik-en")]


def test_helper_processes_read_what_this_one_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large read is shared with a helper process (setting story_workers); the features are the same."""
    from pipeline import story_reading

    docs = _reading_corpus()
    expected = story_reading.prepare_all(docs)
    monkeypatch.setattr(story_reading, "PARALLEL_MIN", 8)  # the real bound is thousands of articles
    monkeypatch.setattr(story_reading, "_CHUNK", 4)
    monkeypatch.setattr(story_reading, "_usable_cpus", lambda: 2)  # a helper even on a one-CPU machine
    here: list[int] = []
    serial = story_reading._read_serial
    monkeypatch.setattr(story_reading, "_read_serial", lambda chunk: here.append(len(chunk)) or serial(chunk))
    shared = story_reading.prepare_all(docs, workers=2)
    assert sum(here) < len(docs)  # the helper read some
    assert _features(shared) == _features(expected)
    assert all(p.doc is d for p, d in zip(shared, docs, strict=True))
    monkeypatch.setattr(story_reading, "_read_serial", serial)
    assert assign_stories([], docs, workers=2) == assign_stories([], docs)
    assert dedup(docs, workers=2) == dedup(docs)


def _read_in_a_worker(docs: list[Doc]) -> list:
    from pipeline import stories

    return stories.read_articles(docs)


def test_articles_read_in_a_worker_process_are_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that cleaned the pages reads their articles; the grouping process links them unread."""
    import multiprocessing

    from pipeline import story_reading

    existing, new = _mixed_day()
    monkeypatch.setattr(story_reading, "_CACHE", story_reading.PreparedCache(limit=0))
    expected = assign_stories(existing, new)
    monkeypatch.setattr(story_reading, "_CACHE", story_reading.PreparedCache(limit=10_000))
    with multiprocessing.get_context("forkserver").Pool(1) as pool:
        read = pool.apply(_read_in_a_worker, (existing + new,))
    assert all(p.doc.text == "" for _, p, _ in read)  # the texts stay with the caller
    story_reading.remember_read_articles(read)
    reads: list[int] = []
    real = story_reading._read_many
    monkeypatch.setattr(story_reading, "_read_many", lambda ds, w: reads.append(len(ds)) or real(ds, w))
    assert assign_stories(existing, new) == expected
    assert sum(reads) == 0


def test_articles_a_helper_cannot_take_are_read_here(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """A chunk that never reaches its helper (here: a record that cannot be sent) is read in this process."""
    from pipeline import story_reading

    class Local(str):  # defined in a function: pickle cannot send it to another process
        pass

    docs = _reading_corpus()
    docs[-1] = replace(docs[-1], title=Local(docs[-1].title))  # the helper's chunks are taken from the end
    expected = story_reading.prepare_all(docs)
    monkeypatch.setattr(story_reading, "PARALLEL_MIN", 8)
    monkeypatch.setattr(story_reading, "_CHUNK", 4)
    monkeypatch.setattr(story_reading, "_usable_cpus", lambda: 2)
    with caplog.at_level("WARNING", logger="pipeline.stories"):
        assert _features(story_reading.prepare_all(docs, workers=2)) == _features(expected)
    assert "a helper process failed" in caplog.text


def test_no_helper_beyond_the_cpus_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import story_reading

    monkeypatch.setattr(story_reading, "PARALLEL_MIN", 8)
    monkeypatch.setattr(story_reading, "_usable_cpus", lambda: 1)
    here: list[int] = []
    serial = story_reading._read_serial
    monkeypatch.setattr(story_reading, "_read_serial", lambda chunk: here.append(len(chunk)) or serial(chunk))
    docs = _reading_corpus()
    story_reading.prepare_all(docs, workers=2)
    assert here == [len(docs)]  # all read here, in one go


def test_linking_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    docs = _reading_corpus()[:6]
    assert gc.isenabled()
    dedup(docs)
    assert gc.isenabled()
    gc.disable()
    try:
        dedup(docs)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reading_gives_the_content_hash_the_row_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The load takes an article's content hash from its reading: it must be `content_hash(text or title)`
    for every kind of text, blank, short, long (past what reading samples), Chinese, accented, and none."""
    from pipeline import story_reading

    texts = [*SEEDS, SEEDS[0] * 4, "", "   \n ", "Court.", "Économie numérique — 5G, l'an 2025 !",
             "数字经济发展迅速。" * 40, "Ａｂｃ ﬁ ½ Ⅻ"]
    docs = [Doc(id=f"d{k}", title="Un titre, é et 中文" if k % 2 else "", text=text)
            for k, text in enumerate(texts)]
    story_reading.forget_read_articles()
    got = story_reading.read_and_remember(docs)
    assert got == [content_hash(d.text or d.title or "") for d in docs]
    # and those articles are in the cache: grouping them reads none again
    read: list[int] = []
    real = story_reading._read_many
    monkeypatch.setattr(story_reading, "_read_many", lambda ds, w: read.append(len(ds)) or real(ds, w))
    try:
        story_reading.prepare_cached(docs)
    finally:
        story_reading.forget_read_articles()
    assert sum(read) == 0
