"""The packaged default topics against a hand-labelled gold set of real articles (tests/fixtures/topics/GOLD.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.topics import RuleSet, load_rules

GOLD = Path(__file__).parent / "fixtures" / "topics" / "gold.jsonl"
DEFAULT_TOPICS = ["digital-economy", "industrial-internet", "ai", "smart-cities", "data-cloud", "robotics",
                  "connectivity", "e-commerce", "digital-health", "digital-cooperation"]


def gold() -> list[dict[str, Any]]:
    with GOLD.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def test_the_default_topics_are_the_stable_ids(rules: RuleSet) -> None:
    assert [t.id for t in rules.topics] == DEFAULT_TOPICS


def test_gold_set_is_what_it_claims() -> None:
    items = gold()
    off = [i for i in items if i.get("offtopic")]
    assert len(off) == 100 and all(not i["topics"] and not i["optional"] for i in off)
    on = [i for i in items if not i.get("offtopic")]
    assert len(on) >= 40
    assert {t for i in on for t in i["topics"]} == set(DEFAULT_TOPICS)     # every topic has a positive example
    assert {"fr", "en", "zh", "ru"} <= {i["language"] for i in on}
    assert len({i["id"] for i in items}) == len(items)


@pytest.mark.parametrize("item", [i for i in gold() if not i.get("offtopic")], ids=lambda i: i["id"])
def test_gold_articles_get_their_topics_and_no_other(rules: RuleSet, item: dict[str, Any]) -> None:
    required, allowed = set(item["topics"]), set(item["topics"]) | set(item["optional"])
    for language in (item["language"], None):
        found = {m.topic for m in rules.classify(item["title"], item["text"], language)}
        assert required <= found, (language, "missing", sorted(required - found))
        assert found <= allowed, (language, "false tags", sorted(found - allowed))


def test_off_topic_news_gets_no_tag(rules: RuleSet) -> None:
    off = [i for i in gold() if i.get("offtopic")]
    tagged = [(i["id"], i["title"], [(m.topic, m.evidence) for m in rules.classify(i["title"], i["text"], lang)])
              for i in off for lang in (i["language"], None)]
    assert [t for t in tagged if t[2]] == []


def test_rule_evidence_carries_positions(rules: RuleSet) -> None:
    for item in gold():
        for match in rules.classify(item["title"], item["text"], item["language"]):
            assert match.spans, (item["id"], match.topic)
            for span in match.spans:
                field = item["title"] if span["field"] == "title" else item["text"]
                assert field[span["start"]:span["end"]] == span["term"]
            assert set(match.evidence) <= {s["term"] for s in match.spans}
