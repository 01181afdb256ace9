"""Tracked topics as versioned multilingual rules: load the YAML, tag articles with scores and evidence.

The topics file::

    version: "2026-01-15"            # required; recorded on every tag as rules_version
    topics:
      digital-economy:               # topic id, as stored in article_topics.topic
        label: Digital economy       # optional, for reports
        threshold: 2.0               # optional; default min_topic_score (1.0)
        model: technology            # optional: a label of a trained model
        model_threshold: 0.5         # optional: probability at which the model alone says yes
        combine: rules               # rules | model | both | either (default: rules, or either with model)
        languages:
          fr:
            terms: {"économie numérique": 2, "numérique": 0.5, "numéris*": 0.5}
            groups: [[BRICS, OCS], [numérique, digital*]]   # AND of ORs: all groups needed
            group_weight: 1.0        # added when every group matches (default 1.0)
            not: [jeu vidéo]         # any of these present: the topic is rejected
            near: [{terms: [ville, intelligente], within: 5, weight: 1.5}]
          en: ...
          zh: {terms: {数字经济: 2}}
          ru: {terms: {цифровая экономика: 2}}

Terms may also be a plain list (weight 1 each). Matching folds case and accents
and joins the words of a term across spaces, hyphens and apostrophes. French,
English and Russian words match their regular inflections (plural, feminine,
case endings); a trailing ``*`` matches any ending. A term written in capitals
(``BRICS``, ``IA``, ``ШОС``) matches only in capitals, so "ai" in "j'ai" is
not "AI". A term with Chinese/Japanese/Korean characters matches as a
substring, without word boundaries.

Score of a topic in one language = sum over matched terms of weight x
TITLE_BOOST when one occurrence is in the title, plus REPEAT_BONUS x weight per
further occurrence up to MAX_REPEATS, plus group_weight when the groups hold,
plus each satisfied near rule's weight. When the article's language has no
rules (or is unknown) every language is tried and the best score counts.

A passing mention is not a subject: in a long text (LONG_TEXT characters or
more), when the topic's weighted terms occur at most PASSING_MAX times and
never in the title, the score is multiplied by PASSING_FACTOR. An article
about a subject names it in its headline or keeps coming back to it; a
feature on drones that names AI once is not about AI. Two naming phrases
(weight 2 each) still reach a threshold of 2.

Evidence: ``TopicMatch.evidence`` lists the distinct matched strings as they
appear (what reports highlight), ``TopicMatch.spans`` where they are:
``{"term", "field": "title"|"text", "start", "end"}`` with character offsets
into that field.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pipeline.topics.text import JOINER, TOKEN, fold, fold_accents, is_cjk, stemmer_for

TITLE_BOOST = 1.5
REPEAT_BONUS = 0.5
MAX_REPEATS = 3
MAX_EVIDENCE = 12
MAX_SPANS = 24
LONG_TEXT = 1500
PASSING_MAX = 2
PASSING_FACTOR = 0.5
COMBINE_MODES = ("rules", "model", "both", "either")
PACKAGED = "data/topics.yaml"
_TOPIC_KEYS = {"label", "threshold", "languages", "model", "model_threshold", "combine"}
_BLOCK_KEYS = {"terms", "groups", "group_weight", "not", "near"}
_WORD = re.compile(r"\w+")
# Bounds the per-ruleset token cache; the vocabulary of a day's news fits well under it.
_CACHE_LIMIT = 300_000


class RulesError(ValueError):
    """The topics file is malformed; the message names the file, line and topic."""


@dataclass(frozen=True)
class TopicMatch:
    """One topic found in an article: its score, the matched strings as they appear, and where they are."""

    topic: str
    score: float
    evidence: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Word:
    kind: str          # "key" (stemmed, folded), "prefix" (folded), "case" (accents folded, case kept)
    value: str
    stemmer: str = "none"


@dataclass(frozen=True)
class _Term:
    id: int
    words: tuple[_Word, ...]
    cjk: str = ""


@dataclass(frozen=True)
class _Occurrence:
    start: int
    end: int
    pos: int           # token index, for proximity
    in_title: bool


@dataclass
class _Block:
    terms: list[tuple[int, float]] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)
    group_weight: float = 1.0
    negative: list[int] = field(default_factory=list)
    near: list[tuple[int, int, int, float]] = field(default_factory=list)

    @cached_property
    def scored_terms(self) -> frozenset[int]:
        """Every term that can add to this block's score (terms, groups, near rules); read once compiled."""
        return frozenset([t for t, _ in self.terms] + [t for g in self.groups for t in g]
                         + [t for a, b, _, _ in self.near for t in (a, b)])


@dataclass
class Topic:
    """A compiled topic: its rules per language and how it combines with a model."""

    id: str
    label: str
    threshold: float
    combine: str
    model: str | None
    model_threshold: float
    languages: dict[str, _Block]


class RuleSet:
    """Compiled topic rules; build with load_rules()."""

    def __init__(self, version: str, topics: list[Topic], terms: list[_Term]) -> None:
        self.version = version
        self.topics = topics
        self._terms = terms
        self._first: dict[tuple[str, str, str], list[_Term]] = {}
        self._prefix_first: list[_Term] = []
        self._cjk_terms = [t for t in terms if t.cjk]
        self._stemmers: dict[str, Callable[[str], str]] = {}
        for term in terms:
            if term.cjk:
                continue
            head = term.words[0]
            if head.kind == "prefix":
                self._prefix_first.append(term)
            else:
                self._first.setdefault((head.kind, head.stemmer, head.value), []).append(term)
            for word in term.words:
                if word.kind == "key":
                    self._stemmers[word.stemmer] = stemmer_for(word.stemmer)[1]
        self._prefixes = tuple(t.words[0].value for t in self._prefix_first)
        self._candidates: dict[str, tuple[_Term, ...]] = {}
        self._hot: set[str] = set()     # the cached tokens that start some term

    @property
    def languages(self) -> set[str]:
        """Every language some topic has rules for."""
        return {lang for t in self.topics for lang in t.languages}

    def classify(self, title: str, text: str, language: str | None = None) -> list[TopicMatch]:
        """Topics whose score reaches their threshold, best first."""
        found = self.evaluate(title, text, language)
        by_id = {t.id: t for t in self.topics}
        hits = [m for m in found.values() if m.score >= by_id[m.topic].threshold]
        return sorted(hits, key=lambda m: (-m.score, m.topic))

    def evaluate(self, title: str, text: str, language: str | None = None) -> dict[str, TopicMatch]:
        """Every topic with a positive rule score, whatever its threshold (for combining with a model)."""
        occurrences: dict[int, list[_Occurrence]] = {}
        evidence_of: dict[tuple[int, int, bool], str] = {}
        for part, in_title in ((title or "", True), (text or "", False)):
            if part:
                self._find(part, in_title, occurrences, evidence_of)
        lang = _base_language(language)
        long_text = len(text or "") >= LONG_TEXT
        out: dict[str, TopicMatch] = {}
        for topic in self.topics:
            blocks = [topic.languages[lang]] if lang in topic.languages else list(topic.languages.values())
            if any(tid in occurrences for b in blocks for tid in b.negative):
                continue
            best: tuple[float, list[str], list[dict[str, Any]]] = (0.0, [], [])
            for block in blocks:
                if occurrences.keys().isdisjoint(block.scored_terms):
                    continue    # none of its terms occur, so it scores 0: most blocks of most articles
                scored = _score_block(block, occurrences, evidence_of, long_text)
                if scored[0] > best[0]:
                    best = scored
            if best[0] > 0:
                out[topic.id] = TopicMatch(topic.id, round(best[0], 4), best[1][:MAX_EVIDENCE], best[2])
        return out

    def _find(self, part: str, in_title: bool, occurrences: dict[int, list[_Occurrence]],
              evidence_of: dict[tuple[int, int, bool], str]) -> None:
        folded = fold_accents(part)
        # token strings come out of the regex in C; offsets are only needed when some token starts a term
        toks: list[str] = TOKEN.findall(folded)
        hot = self._hot_tokens(toks)
        cjk = bool(self._cjk_terms) and is_cjk(folded)
        if not (hot or cjk):
            return
        starts = _starts(folded, toks)
        for i in [i for i, tok in enumerate(toks) if tok in hot]:
            start = starts[i]
            # computed again only if another thread cleared the cache meanwhile
            for term in self._candidates.get(toks[i]) or self._term_candidates(toks[i]):
                stop = self._rest_matches(term, toks, starts, i, folded)
                if stop is not None:
                    last = starts[stop] + len(toks[stop])
                    occurrences.setdefault(term.id, []).append(_Occurrence(start, last, i, in_title))
                    evidence_of[(start, last, in_title)] = part[start:last]
        if cjk:
            self._find_cjk(part, folded, starts, in_title, occurrences, evidence_of)

    def _find_cjk(self, part: str, folded: str, starts: list[int], in_title: bool,
                  occurrences: dict[int, list[_Occurrence]], evidence_of: dict[tuple[int, int, bool], str]) -> None:
        lowered = folded.lower()
        if len(lowered) != len(folded):
            lowered = folded
        present = set(lowered)
        # a term whose first character is absent cannot occur; a set lookup is cheaper than a scan
        for term in [t for t in self._cjk_terms if t.cjk[0] in present]:
            at = lowered.find(term.cjk)
            while at >= 0:
                stop = at + len(term.cjk)
                pos = max(bisect.bisect_right(starts, at) - 1, 0)
                occurrences.setdefault(term.id, []).append(_Occurrence(at, stop, pos, in_title))
                evidence_of[(at, stop, in_title)] = part[at:stop]
                at = lowered.find(term.cjk, stop)

    def _hot_tokens(self, toks: list[str]) -> set[str]:
        """The distinct tokens of one text that start some non-CJK term."""
        distinct = set(toks)
        new = distinct.difference(self._candidates)
        if new and len(self._candidates) + len(new) > _CACHE_LIMIT:
            # cleared before this text's tokens go in, so none of them is lost halfway
            self._candidates.clear()
            self._hot.clear()
            new = distinct
        for tok in new:
            found = self._term_candidates(tok)
            self._candidates[tok] = found
            if found:
                self._hot.add(tok)
        return distinct & self._hot

    def _term_candidates(self, tok: str) -> tuple[_Term, ...]:
        if len(tok) == 1 and is_cjk(tok):
            return ()     # a lone ideograph is matched by the CJK substring search instead
        low = tok.lower()
        found: list[_Term] = list(self._first.get(("case", "none", tok), ()))
        # stems are computed directly: a cache keyed by (stemmer, word) cost more than the stemmers
        for name, stem in self._stemmers.items():
            found += self._first.get(("key", name, stem(low)), ())
        if low.startswith(self._prefixes):   # one C call rules out most words before the per-term scan
            found += [t for t in self._prefix_first if low.startswith(t.words[0].value)]
        return tuple(found)

    def _rest_matches(self, term: _Term, toks: list[str], starts: list[int], i: int, folded: str) -> int | None:
        """Index of the term's last token when its remaining words follow token i, else None."""
        j = i
        for word in term.words[1:]:
            j += 1
            if j >= len(toks) or not JOINER.fullmatch(folded, starts[j - 1] + len(toks[j - 1]), starts[j]):
                return None
            if not self._word_matches(word, toks[j]):
                return None
        return j

    def _word_matches(self, word: _Word, tok: str) -> bool:
        if word.kind == "case":
            return tok == word.value
        low = tok.lower()
        if word.kind == "prefix":
            return low.startswith(word.value)
        return self._stemmers[word.stemmer](low) == word.value


def _starts(folded: str, toks: list[str]) -> list[int]:
    """Where each token starts: the next occurrence after the previous token, as a gap holds no token character."""
    out: list[int] = []
    at = 0
    for tok in toks:
        at = folded.find(tok, at)
        out.append(at)
        at += len(tok)
    return out


def _base_language(language: str | None) -> str | None:
    if not language:
        return None
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or None


def _score_block(block: _Block, occ: dict[int, list[_Occurrence]], evidence_of: dict[tuple[int, int, bool], str],
                 long_text: bool = False) -> tuple[float, list[str], list[dict[str, Any]]]:
    used: list[_Occurrence] = []
    shown: list[_Occurrence] = []
    score = 0.0
    if block.groups:
        if not all(any(t in occ for t in group) for group in block.groups):
            return 0.0, [], []
        score += block.group_weight
        used += [occ[t][0] for group in block.groups for t in group if t in occ]
    # A term inside a longer matched term of the same block ("numérique" in
    # "économie numérique") is not counted twice.
    spans = [(o.in_title, o.start, o.end) for tid, _ in block.terms for o in occ.get(tid, ())]
    for tid, weight in block.terms:
        hits = [h for h in occ.get(tid, ()) if not any(
            t == h.in_title and s <= h.start and h.end <= e and (e - s) > (h.end - h.start) for t, s, e in spans)]
        if not hits:
            continue
        boost = TITLE_BOOST if any(h.in_title for h in hits) else 1.0
        score += weight * boost + REPEAT_BONUS * weight * min(len(hits) - 1, MAX_REPEATS - 1)
        used.append(hits[0])
        shown += hits
    for a, b, within, weight in block.near:
        pair = _near_pair(occ.get(a, []), occ.get(b, []), within)
        if pair is not None:
            score += weight
            used += list(pair)
    if long_text and shown and len(shown) <= PASSING_MAX and not any(h.in_title for h in shown):
        score *= PASSING_FACTOR
    used.sort(key=lambda o: (not o.in_title, o.start))
    evidence: list[str] = []
    for o in used:
        s = evidence_of[(o.start, o.end, o.in_title)]
        if s not in evidence:
            evidence.append(s)
    # The occurrences behind the evidence strings first, then further ones up to the cap.
    picked: dict[tuple[bool, int, int], _Occurrence] = {}
    for o in used + sorted(shown, key=lambda o: (not o.in_title, o.start)):
        if len(picked) >= MAX_SPANS:
            break
        picked.setdefault((o.in_title, o.start, o.end), o)
    located: list[dict[str, Any]] = [
        {"term": evidence_of[(o.start, o.end, o.in_title)], "field": "title" if o.in_title else "text",
         "start": o.start, "end": o.end} for o in sorted(picked.values(), key=lambda o: (not o.in_title, o.start))]
    return score, evidence, located


def _near_pair(xs: list[_Occurrence], ys: list[_Occurrence],
               within: int) -> tuple[_Occurrence, _Occurrence] | None:
    for x in xs:
        for y in ys:
            if x.in_title == y.in_title and x.start != y.start and abs(x.pos - y.pos) <= within:
                return x, y
    return None


def load_rules(path: str | Path | None = None, default_threshold: float = 1.0) -> RuleSet:
    """Read and compile a topics YAML file (None: the packaged default topics)."""
    if path is None or str(path) == "":
        text = resources.files("pipeline").joinpath(PACKAGED).read_text(encoding="utf-8")
        return parse_rules(text, "topics.yaml (packaged)", default_threshold)
    p = Path(path)
    if not p.is_file():
        raise RulesError(f"topics file not found: {p}")
    return parse_rules(p.read_text(encoding="utf-8"), str(p), default_threshold)


def parse_rules(text: str, source: str = "<topics>", default_threshold: float = 1.0) -> RuleSet:
    """Compile topic rules from YAML text; errors name the source, line and topic."""
    return _Compiler(text, source, default_threshold).compile()


class _Compiler:
    def __init__(self, text: str, source: str, default_threshold: float) -> None:
        self.text = text
        self.source = source
        self.default_threshold = default_threshold
        self.loader = yaml.SafeLoader(text)
        self.terms: list[_Term] = []
        self.term_ids: dict[tuple[str, str], int] = {}

    def fail(self, node: yaml.Node | None, topic: str | None, message: str) -> RulesError:
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        where = f"topic {topic!r}: " if topic else ""
        return RulesError(f"{self.source}{line}: {where}{message}")

    def compile(self) -> RuleSet:
        try:
            root = self.loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f", line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise RulesError(f"{self.source}{line}: not valid YAML: {problem}") from exc
        finally:
            self.loader.dispose()
        if root is None:
            raise RulesError(f"{self.source}: empty topics file")
        top = self.mapping(root, None, "the topics file")
        if "version" not in top:
            raise self.fail(root, None, "missing 'version' at the top")
        if "topics" not in top:
            raise self.fail(root, None, "missing 'topics' at the top")
        for key in top:
            if key not in ("version", "topics"):
                raise self.fail(top[key][0], None, f"unknown top-level key {key!r}")
        version = self.scalar(top["version"][1])
        if version is None or isinstance(version, (dict, list)) or str(version).strip() == "":
            raise self.fail(top["version"][1], None, "'version' must be a non-empty string")
        topics = [self.topic(tid, knode, vnode)
                  for tid, (knode, vnode) in self.mapping(top["topics"][1], None, "'topics'").items()]
        if not topics:
            raise self.fail(top["topics"][1], None, "'topics' is empty")
        return RuleSet(str(version), topics, self.terms)

    def scalar(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, topic: str | None, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, topic, f"{what} must be a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            key = self.scalar(knode)
            if not isinstance(key, (str, int, float)) or isinstance(key, bool):
                raise self.fail(knode, topic, f"bad key in {what}")
            skey = str(key)
            if skey in out:
                raise self.fail(knode, topic, f"{skey!r} appears twice in {what}")
            out[skey] = (knode, vnode)
        return out

    def number(self, node: yaml.Node, topic: str, what: str, positive: bool = True) -> float:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise self.fail(node, topic, f"{what} must be a number, got {value!r}")
        if positive and value <= 0:
            raise self.fail(node, topic, f"{what} must be above 0, got {value!r}")
        return float(value)

    def topic(self, tid: str, knode: yaml.Node, node: yaml.Node) -> Topic:
        if not re.fullmatch(r"[\w][\w.\-/ ]*", tid):
            raise self.fail(knode, tid, "topic ids use letters, digits, '-', '_', '.', '/'")
        spec = self.mapping(node, tid, "a topic")
        for key, (kn, _) in spec.items():
            if key not in _TOPIC_KEYS:
                raise self.fail(kn, tid, f"unknown key {key!r} (expected one of {sorted(_TOPIC_KEYS)})")
        label = str(self.scalar(spec["label"][1])) if "label" in spec else tid
        threshold = (self.number(spec["threshold"][1], tid, "threshold") if "threshold" in spec
                     else self.default_threshold)
        model = None
        if "model" in spec:
            raw = self.scalar(spec["model"][1])
            if raw is None or isinstance(raw, (dict, list)) or str(raw) == "":
                raise self.fail(spec["model"][1], tid, "'model' must name a label of the trained model")
            model = str(raw)
        model_threshold = (self.number(spec["model_threshold"][1], tid, "model_threshold")
                           if "model_threshold" in spec else 0.5)
        combine = "either" if model else "rules"
        if "combine" in spec:
            combine = str(self.scalar(spec["combine"][1]))
            if combine not in COMBINE_MODES:
                raise self.fail(spec["combine"][1], tid, f"combine must be one of {', '.join(COMBINE_MODES)}")
            if combine != "rules" and model is None:
                raise self.fail(spec["combine"][1], tid, f"combine: {combine} needs 'model'")
        languages: dict[str, _Block] = {}
        if "languages" in spec:
            for lang, (lk, lv) in self.mapping(spec["languages"][1], tid, "'languages'").items():
                if not re.fullmatch(r"[a-z]{2,3}", lang):
                    raise self.fail(lk, tid, f"language {lang!r} must be an ISO 639-1 code such as fr")
                languages[lang] = self.block(tid, lang, lv)
        if not languages and combine in ("rules", "both"):
            raise self.fail(node, tid, "no 'languages' rules (and no model to use instead)")
        return Topic(tid, label, threshold, combine, model, model_threshold, languages)

    def block(self, tid: str, lang: str, node: yaml.Node) -> _Block:
        spec = self.mapping(node, tid, f"language {lang!r}")
        block = _Block()
        for key, (kn, vn) in spec.items():
            if key not in _BLOCK_KEYS:
                raise self.fail(kn, tid, f"unknown key {key!r} under {lang} (expected one of {sorted(_BLOCK_KEYS)})")
            if key == "terms":
                if isinstance(vn, yaml.MappingNode):
                    for term, (tk, tv) in self.mapping(vn, tid, "'terms'").items():
                        block.terms.append((self.term(tid, lang, term, tk), self.number(tv, tid, f"weight of {term!r}")))
                else:
                    block.terms += [(t, 1.0) for t in self.term_list(tid, lang, vn, "'terms'")]
            elif key == "groups":
                if not isinstance(vn, yaml.SequenceNode) or not vn.value:
                    raise self.fail(vn, tid, "'groups' must be a list of lists of terms")
                block.groups = [self.term_list(tid, lang, g, "each group") for g in vn.value]
            elif key == "group_weight":
                block.group_weight = self.number(vn, tid, "group_weight", positive=False)
            elif key == "not":
                block.negative = self.term_list(tid, lang, vn, "'not'")
            elif key == "near":
                block.near = self.near(tid, lang, vn)
        if not (block.terms or block.groups or block.near):
            raise self.fail(node, tid, f"language {lang!r} has no terms, groups or near rules")
        return block

    def term_list(self, tid: str, lang: str, node: yaml.Node, what: str) -> list[int]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, tid, f"{what} must be a non-empty list of terms")
        out: list[int] = []
        for item in node.value:
            value = self.scalar(item)
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise self.fail(item, tid, f"a term must be a string, got {value!r}")
            out.append(self.term(tid, lang, str(value), item))
        return out

    def near(self, tid: str, lang: str, node: yaml.Node) -> list[tuple[int, int, int, float]]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, tid, "'near' must be a list of {terms: [a, b], within: N, weight: W}")
        rules = []
        for item in node.value:
            spec = self.mapping(item, tid, "a near rule")
            if set(spec) - {"terms", "within", "weight"} or "terms" not in spec or "within" not in spec:
                raise self.fail(item, tid, "a near rule has exactly terms: [a, b], within: N and optional weight: W")
            pair = self.term_list(tid, lang, spec["terms"][1], "near 'terms'")
            if len(pair) != 2:
                raise self.fail(spec["terms"][1], tid, "near 'terms' must list exactly two terms")
            within = self.scalar(spec["within"][1])
            if isinstance(within, bool) or not isinstance(within, int) or within < 1:
                raise self.fail(spec["within"][1], tid, f"'within' must be a whole number of words >= 1, got {within!r}")
            weight = self.number(spec["weight"][1], tid, "near weight") if "weight" in spec else 1.0
            rules.append((pair[0], pair[1], within, weight))
        return rules

    def term(self, tid: str, lang: str, raw: str, node: yaml.Node) -> int:
        text = raw.strip()
        if not text:
            raise self.fail(node, tid, "empty term")
        stemmer, stem = stemmer_for(lang)
        key = (stemmer, text)
        if key in self.term_ids:
            return self.term_ids[key]
        if is_cjk(text):
            if "*" in text:
                raise self.fail(node, tid, f"term {raw!r}: '*' is not used with Chinese/Japanese/Korean terms")
            term = _Term(len(self.terms), (), cjk=fold(re.sub(r"\s+", "", text)))
        else:
            words: list[_Word] = []
            for word in re.split(r"[\s\-'’]+", text):
                if not word:
                    continue
                bare = word[:-1] if word.endswith("*") else word
                if not _WORD.fullmatch(bare) or "_" in bare:
                    raise self.fail(node, tid, f"term {raw!r}: {word!r} must be letters or digits, "
                                               "optionally ending in '*'")
                if word.endswith("*"):
                    words.append(_Word("prefix", fold(bare)))
                elif len(bare) >= 2 and bare == bare.upper() and bare != bare.lower():
                    words.append(_Word("case", fold_accents(bare)))
                else:
                    words.append(_Word("key", stem(fold(bare)), stemmer))
            if not words:
                raise self.fail(node, tid, f"term {raw!r} has no words")
            term = _Term(len(self.terms), tuple(words))
        self.terms.append(term)
        self.term_ids[key] = term.id
        return term.id
