"""Topic rules: matching across languages and inflections, scoring, errors, and the packaged topics."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.topics import RulesError, load_rules, parse_rules

FIXTURES = Path(__file__).parent / "fixtures" / "topics"

RULES = """
version: "t1"
topics:
  ai:
    threshold: 2
    languages:
      fr:
        terms: {intelligence artificielle: 2, IA: 2, algorithme: 1}
      en:
        terms: {artificial intelligence: 2, AI: 2}
      zh:
        terms: {人工智能: 2}
      ru:
        terms: {искусственный интеллект: 2, ИИ: 2}
  cities:
    languages:
      fr:
        terms: {ville intelligente: 1, numéris*: 1}
        not: [jeu vidéo]
      en:
        terms: {smart city: 1}
  coop:
    threshold: 2
    languages:
      fr:
        groups: [[BRICS, OCS], [numérique, internet]]
        group_weight: 2
  near:
    threshold: 1.5
    languages:
      en:
        near: [{terms: [port, automat*], within: 3, weight: 1.5}]
"""


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return parse_rules(RULES, "test.yaml")


def topics(rules, title: str, text: str, language: str | None = None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {m.topic: m.score for m in rules.classify(title, text, language)}


def test_case_and_accents_fold_and_evidence_keeps_the_text(rules) -> None:  # type: ignore[no-untyped-def]
    [match] = rules.classify("", "Les progrès de l'INTELLIGENCE ARTIFICIÉLLE en Chine", "fr")
    assert match.topic == "ai" and match.score == 2.0
    assert match.evidence == ["INTELLIGENCE ARTIFICIÉLLE"]


def test_french_and_english_inflections(rules) -> None:  # type: ignore[no-untyped-def]
    assert "cities" in topics(rules, "", "Deux villes intelligentes en projet.", "fr")
    assert "cities" in topics(rules, "", "Three smart cities were announced.", "en")
    assert "cities" in topics(rules, "", "La numérisation avance.", "fr")       # numéris* wildcard
    assert "cities" not in topics(rules, "", "Une ville moderne.", "fr")


def test_acronyms_match_only_in_capitals(rules) -> None:  # type: ignore[no-untyped-def]
    assert "ai" in topics(rules, "", "Tencent mise sur l'IA générative.", "fr")
    assert "ai" not in topics(rules, "", "Il y a des pluies dans la ville.", "fr")
    assert "ai" not in topics(rules, "", "j'ai vu ça", None)


def test_chinese_is_matched_without_word_boundaries(rules) -> None:  # type: ignore[no-untyped-def]
    [match] = rules.classify("", "中国加快发展人工智能产业。", "zh")
    assert match.topic == "ai" and match.evidence == ["人工智能"]


def test_russian_case_endings(rules) -> None:  # type: ignore[no-untyped-def]
    [match] = rules.classify("", "Развитие искусственного интеллекта в России.", "ru")
    assert match.topic == "ai" and match.evidence == ["искусственного интеллекта"]
    assert "ai" in topics(rules, "", "Компании внедряют ИИ.", "ru")


def test_and_of_or_groups_need_every_group(rules) -> None:  # type: ignore[no-untyped-def]
    assert "coop" in topics(rules, "", "Les BRICS et le numérique.", "fr")
    assert "coop" in topics(rules, "", "L'OCS discute d'Internet.", "fr")
    assert "coop" not in topics(rules, "", "Le sommet des BRICS s'ouvre.", "fr")
    assert "coop" not in topics(rules, "", "Le numérique progresse.", "fr")


def test_not_rejects_the_topic(rules) -> None:  # type: ignore[no-untyped-def]
    assert "cities" in topics(rules, "", "Une ville intelligente.", "fr")
    assert "cities" not in topics(rules, "", "Une ville intelligente dans un jeu vidéo.", "fr")


def test_proximity(rules) -> None:  # type: ignore[no-untyped-def]
    assert "near" in topics(rules, "", "The port is fully automated.", "en")
    far = "The port opened a new terminal for ships last year; everything there was later automated."
    assert "near" not in topics(rules, "", far, "en")


def test_threshold_repetition_cap_and_title_boost(rules) -> None:  # type: ignore[no-untyped-def]
    assert "ai" not in topics(rules, "", "Un algorithme.", "fr")              # 1 < threshold 2
    assert rules.evaluate("", "Un algorithme, un algorithme.", "fr")["ai"].score == 1.5
    assert topics(rules, "", "Un algorithme, un algorithme, un algorithme.", "fr")["ai"] == 2.0
    assert topics(rules, "", " ".join(["algorithme"] * 50), "fr")["ai"] == 2.0   # capped at 3 occurrences
    in_title = topics(rules, "L'IA", "texte", "fr")["ai"]
    assert in_title > topics(rules, "", "L'IA", "fr")["ai"]


def test_unknown_language_tries_every_language(rules) -> None:  # type: ignore[no-untyped-def]
    assert "ai" in topics(rules, "", "人工智能", None)
    assert "ai" in topics(rules, "", "人工智能", "de")
    assert "ai" not in topics(rules, "", "人工智能", "fr")    # French rules only for French


def test_best_first(rules) -> None:  # type: ignore[no-untyped-def]
    found = rules.classify("", "L'IA et l'intelligence artificielle; une ville intelligente.", "fr")
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert found[0].topic == "ai"


@pytest.mark.parametrize("text, line, topic, words", [
    ("version: '1'\ntopics:\n  a:\n    languages:\n      fr:\n        terms: {x: two}\n", 6, "a", "number"),
    ("version: '1'\ntopics:\n  a:\n    languages: {fr: {terms: [x]}}\n  b:\n    treshold: 2\n", 6, "b", "unknown key"),
    ("version: '1'\ntopics:\n  a:\n    languages:\n      fr:\n        near: [{terms: [a], within: 2}]\n", 6, "a", "two"),
    ("version: '1'\ntopics:\n  a:\n    combine: both\n    languages: {fr: {terms: [x]}}\n", 4, "a", "model"),
    ("version: '1'\ntopics:\n  a:\n    languages:\n      fr:\n        terms: ['U.S.']\n", 6, "a", "letters"),
])
def test_malformed_rules_name_topic_and_line(text: str, line: int, topic: str, words: str) -> None:
    with pytest.raises(RulesError) as err:
        parse_rules(text, "bad.yaml")
    message = str(err.value)
    assert f"bad.yaml, line {line}" in message and f"topic {topic!r}" in message and words in message


def test_malformed_yaml_and_missing_version() -> None:
    with pytest.raises(RulesError, match=r"bad.yaml, line \d+: not valid YAML"):
        parse_rules("version: '1'\ntopics: {a: [\n", "bad.yaml")
    with pytest.raises(RulesError, match="missing 'version'"):
        parse_rules("topics: {a: {languages: {fr: {terms: [x]}}}}", "bad.yaml")


def test_load_rules_from_file_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(RULES, encoding="utf-8")
    assert load_rules(path).version == "t1"
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "nope.yaml")


# --- the packaged default topics -------------------------------------------------

SEEDS = {  # seed file prefix -> the topics a reader would give it (SOURCES.md says what each is)
    "000": {"industrial-internet"},
    "001": {"digital-economy"},
    "002": {"digital-economy"},
    "003": {"smart-cities", "digital-cooperation"},
    "004": {"digital-cooperation", "digital-economy"},
}


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seeds_get_their_topics(prefix: str) -> None:
    rules = load_rules()
    [path] = (FIXTURES / "seeds").glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    for language in ("fr", None):
        found = {m.topic for m in rules.classify("", text, language)}
        assert SEEDS[prefix] <= found, (prefix, language, found)


def test_packaged_topics_cover_four_languages_and_carry_a_version() -> None:
    rules = load_rules()
    assert rules.version
    for topic in rules.topics:
        assert {"fr", "en", "zh", "ru"} <= set(topic.languages), topic.id


@pytest.mark.parametrize("language, text, topic", [
    ("en", "China's digital economy grew as smart cities spread.", "digital-economy"),
    ("en", "China's digital economy grew as smart cities spread.", "smart-cities"),
    ("zh", "智慧城市建设加快，工业互联网平台发展。", "industrial-internet"),
    ("zh", "智慧城市建设加快，工业互联网平台发展。", "smart-cities"),
    ("ru", "Страны БРИКС обсудили цифровое сотрудничество и развитие искусственного интеллекта.",
     "digital-cooperation"),
    ("ru", "Страны БРИКС обсудили цифровое сотрудничество и развитие искусственного интеллекта.",
     "ai"),
])
def test_packaged_topics_in_other_languages(language: str, text: str, topic: str) -> None:
    assert topic in {m.topic for m in load_rules().classify("", text, language)}


def test_unrelated_news_gets_no_tracked_topic() -> None:
    with (FIXTURES / "masakhanews" / "unrelated_dev.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 15
    rules = load_rules()
    tagged = [(r["headline"], rules.classify(r["headline"], r["text"], None)) for r in rows]
    assert [t for t in tagged if t[1]] == []


def test_classify_is_fast_enough_for_a_daily_run() -> None:
    rules = load_rules()
    [path] = (FIXTURES / "seeds").glob("001_*.txt")
    text = path.read_text(encoding="utf-8")[:4000]
    # Distinct texts so nothing is cached across articles beyond the token table.
    for i in range(200):
        assert rules.classify(f"Article {i}", f"{i} {text}", None)


def test_a_full_token_cache_is_cleared_without_losing_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.topics import rules as rules_module

    [path] = (FIXTURES / "seeds").glob("001_*.txt")
    text = path.read_text(encoding="utf-8")[:4000]
    expected = [(m.topic, m.score, m.evidence, m.spans) for m in load_rules().classify("", text, "fr")]
    assert expected
    # a cache bound far under one article's vocabulary: it is cleared on every text
    monkeypatch.setattr(rules_module, "_CACHE_LIMIT", 5)
    small = load_rules()
    for _ in range(2):
        got = [(m.topic, m.score, m.evidence, m.spans) for m in small.classify("", text, "fr")]
        assert got == expected


def test_stemmers_fast_path_leaves_other_words_alone() -> None:
    from pipeline.topics.text import stem_fr, stem_ru

    assert stem_fr("numériques") == "numériqu" and stem_fr("industrielles") == "industriel"
    assert stem_fr("chat") == "chat" and stem_fr("экономики") == "экономики"
    assert stem_ru("экономики") == "экономик" and stem_ru("economy") == "economy"


def test_the_run_builds_its_tagger_once_per_version_of_the_file(tmp_path: Path) -> None:
    import os

    from pipeline import daily, settings

    path = tmp_path / "topics.yaml"
    text = Path(__file__).resolve().parents[1] / "src" / "pipeline" / "data" / "topics.yaml"
    path.write_text(text.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = settings.load(environ={}).with_overrides(topics_file=str(path))
    first = daily.tagger(cfg)
    assert daily.tagger(cfg) is first  # the loads of one run share it
    edited = path.read_text(encoding="utf-8").replace("version:", "version: edited-", 1)
    assert "version: edited-" in edited
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    again = daily.tagger(cfg)
    assert again is not first and again.version != first.version
    path.unlink()
    with pytest.raises(RulesError):
        daily.tagger(cfg)


def test_a_tagger_remembers_what_it_tagged(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.topics import Tagger, tagging

    tagger = Tagger(load_rules())
    title, text = "Intelligence artificielle", "L'intelligence artificielle et l'économie numérique progressent."
    first = tagger.tag(title, text, "fr")
    assert first, "the default rules tag this text"
    first[0].evidence.append("changed by the caller")   # a caller's change must not reach the next caller
    monkeypatch.setattr(tagger, "tag_batch", lambda items: pytest.fail("tagged again"))
    again = tagger.tag(title, text, "fr")
    assert "changed by the caller" not in again[0].evidence
    assert [m.topic for m in again] == [m.topic for m in first]
    # another text (or language) is another question
    monkeypatch.undo()
    monkeypatch.setattr(tagging, "MEMO_LIMIT", 2)
    assert tagger.tag(title, text, "en") is not None
    assert tagger.tag("Football", "Le match de football a fini sur un nul.", "fr") == []
    assert len(tagger._memo) == 2  # bounded: the oldest went first
