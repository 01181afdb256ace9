"""Tag articles with topics from rules, a trained model, or both, per each topic's `combine`."""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.topics.rules import RuleSet, Topic, TopicMatch

if TYPE_CHECKING:
    from pipeline.topics.model import TopicModel

Item = tuple[str, str, str | None]

# Articles whose tags one Tagger remembers (`Tagger.tag`): a daily run tags each new article while its
# crawl waits on the network, and its load asks again; a run's new articles fit many times over.
MEMO_LIMIT = 20_000


class TaggingError(ValueError):
    """Rules and model do not fit together (a topic names a label the model lacks)."""


class Tagger:
    """Rules and/or a model behind one classify call.

    Model alone: every model label with its probability, its evidence the
    features that pushed that label up most. Rules alone: topics at
    or over their threshold. Both: each rule topic per its ``combine``; a model
    probability p counts as ``threshold * p / model_threshold`` so that a model
    match at its threshold weighs like a rule match at its threshold, and the
    topic's score is the best of the parts that matched.
    """

    def __init__(self, rules: RuleSet | None = None, model: TopicModel | None = None) -> None:
        if rules is None and model is None:
            raise TaggingError("need topic rules, a model, or both")
        self.rules = rules
        self.model = model
        if rules is not None and model is not None:
            for topic in rules.topics:
                if topic.model is not None and topic.model not in model.labels:
                    raise TaggingError(f"topic {topic.id!r}: model label {topic.model!r} is not in the model "
                                       f"(labels: {', '.join(model.labels)})")
        self._model_evidence = rules is None or any(t.model is not None and t.combine != "rules"
                                                    for t in rules.topics)
        # tags are a pure function of the text and of this tagger's rules and model, which never change
        self._memo: dict[bytes, list[TopicMatch]] = {}
        self._memo_lock = threading.Lock()

    @property
    def version(self) -> str:
        """The rules version recorded on tags ('model' when there are no rules)."""
        return self.rules.version if self.rules is not None else "model"

    def tag(self, title: str, text: str, language: str | None = None) -> list[TopicMatch]:
        """Topics of one article, best first; an article tagged before is answered from memory."""
        key = hashlib.blake2b(repr((title, text, language)).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._memo_lock:
            found = self._memo.get(key)
        if found is None:
            found = self.tag_batch([(title, text, language)])[0]
            with self._memo_lock:
                while len(self._memo) >= MEMO_LIMIT:
                    del self._memo[next(iter(self._memo))]  # the oldest first
                self._memo[key] = found
        # copies: what a caller does to its matches must not reach the next caller
        return [copy.deepcopy(m) for m in found]

    def tag_batch(self, items: Sequence[Item]) -> list[list[TopicMatch]]:
        """Topics of each (title, text, language), best first."""
        probs: list[dict[str, float]] = [{} for _ in items]
        features: list[dict[str, list[str]]] = [{} for _ in items]
        if self.model is not None:
            # Model evidence is only shown when a tag can come from the model: skip ranking
            # features when every topic is rules-only (the default topics).
            top = None if self._model_evidence else 0
            pairs = [(t, x) for t, x, _ in items]
            probs, features = (self.model.predict_with_features(pairs) if top is None
                               else self.model.predict_with_features(pairs, top))
        if self.rules is None:
            return [sorted((TopicMatch(label, round(p, 4), feats.get(label, [])) for label, p in row.items()),
                           key=lambda m: (-m.score, m.topic)) for row, feats in zip(probs, features, strict=True)]
        out: list[list[TopicMatch]] = []
        for (title, text, language), row, feats in zip(items, probs, features, strict=True):
            if self.model is None:
                out.append(self.rules.classify(title, text, language))
                continue
            found = self.rules.evaluate(title, text, language)
            hits = [m for m in (_combine(t, found.get(t.id), row, feats) for t in self.rules.topics) if m is not None]
            out.append(sorted(hits, key=lambda m: (-m.score, m.topic)))
        return out


def _combine(topic: Topic, rule: TopicMatch | None, probs: dict[str, float],
             features: dict[str, list[str]]) -> TopicMatch | None:
    rule_ok = rule is not None and rule.score >= topic.threshold
    if topic.model is None or topic.combine == "rules":
        return rule if rule_ok else None
    p = probs.get(topic.model, 0.0)
    model_ok = p >= topic.model_threshold
    model_score = topic.threshold * p / topic.model_threshold
    wanted = {"model": model_ok, "both": rule_ok and model_ok, "either": rule_ok or model_ok}[topic.combine]
    if not wanted:
        return None
    scores = ([rule.score] if rule_ok and rule is not None and topic.combine != "model" else []) + \
        ([model_score] if model_ok else [])
    # Rule evidence when the rules matched (terms with positions), else the model's top features.
    if rule_ok and rule is not None:
        return TopicMatch(topic.id, round(max(scores), 4), list(rule.evidence), list(rule.spans))
    return TopicMatch(topic.id, round(max(scores), 4), list(features.get(topic.model, [])))
