"""Learned topics: train a multilingual text classifier from labelled examples, save it as one file, score articles.

The examples file is a TSV with a header and at least the columns
``category``, ``headline``, ``text`` (fields may be quoted and span lines).
The model file is a pickle of a dict: ``format`` (FORMAT), ``version``
(MODEL_VERSION), ``labels``, ``pipeline`` (a fitted scikit-learn pipeline),
``sklearn`` (the version that fitted it), ``examples`` and ``trained``. Load
only model files you made: a pickle can run code when it is read.
"""

from __future__ import annotations

import csv
import pickle
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

FORMAT = "veille-topic-model"
MODEL_VERSION = 1
REQUIRED_COLUMNS = ("category", "headline", "text")
# Long articles add little past their opening; capping keeps training and
# scoring time flat for 20 kB pieces.
MAX_CHARS = 6000
# Linear SVM margin, calibrated into probabilities by cross-validation. On
# masakhanews and sib200 with 50-700 examples per label (bench/eval_topics.py),
# C in 0.3..3 scored alike and beat logistic regression (C 5..50) on Chinese
# and Russian; calibration folds: 5 when every label has that many examples.
SVM_C = 1.0
CALIBRATION_FOLDS = 5
# Features shown as a model tag's evidence.
TOP_FEATURES = 5


def _readable(name: str) -> str:
    """'words__cloud' -> 'cloud'; 'chars__ 5g' -> '" 5g"' (character n-grams keep their spaces visible)."""
    kind, _, value = name.partition("__")
    return f'"{value}"' if kind == "chars" else value


class ModelError(ValueError):
    """The examples or the model file cannot be used; the message says what and where."""


@dataclass(frozen=True)
class TrainReport:
    """What a training run did."""

    examples: int
    labels: dict[str, int]
    skipped: int
    seconds: float
    out: Path


def document(title: str, text: str) -> str:
    """The string a model sees: the headline twice (it is the densest part), then the text."""
    title = (title or "").strip()
    return f"{title}\n{title}\n{(text or '')[:MAX_CHARS]}"


# Word tokens as scikit-learn's r"(?u)\b\w+\b" finds them.
_TOKEN = re.compile(r"(?u)\b\w+\b")
# Per-vectorizer memo of unit -> feature columns. Words repeat across articles
# (Zipf), so after a few hundred articles nearly every unit is a hit; the bound
# keeps a long-running process from growing without limit (cleared when full).
CACHE_UNITS = 200_000
# Memo key of the word n-gram index (not a string, so no token can collide with it).
_RUNS = ("runs",)


def _fold(token: str) -> str:
    """Accents off (NFKD, combining marks dropped), as strip_accents="unicode" does."""
    decomposed = unicodedata.normalize("NFKD", token)
    if decomposed == token:
        return token
    # A few compatibility forms decompose into several words: keep one token (no spaces) so that
    # a word n-gram's name always splits back into its n tokens.
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())


def _word_units(doc: str, ngram_range: tuple[int, int]) -> list[tuple[str, ...]]:
    """Runs of 1..n consecutive lower-cased tokens: the units word n-grams are counted over."""
    tokens = _TOKEN.findall(doc.lower())
    lo, hi = ngram_range
    units: list[tuple[str, ...]] = []
    for n in range(lo, hi + 1):
        units.extend(zip(*(tokens[i:] for i in range(n)), strict=False))
    return units


def _char_units(doc: str) -> list[str]:
    """Whitespace-separated lower-cased words: char_wb n-grams never cross them."""
    return doc.lower().split()


def _char_features(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of one word padded with spaces, exactly as scikit-learn's char_wb makes them."""
    lo, hi = ngram_range
    padded = f" {word} "
    grams: list[str] = []
    for n in range(lo, hi + 1):
        if len(padded) <= n:
            grams.append(padded)  # a short word counts once, as in scikit-learn
            break
        grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


def analyze(kind: str, ngram_range: tuple[int, int], doc: str) -> list[str]:
    """Every feature string of a document (the slow path, used to fit the vocabulary and IDF)."""
    if kind == "words":
        return [" ".join(_fold(t) for t in u) for u in _word_units(doc, ngram_range)]
    return [f for w in _char_units(doc) for f in _char_features(w, ngram_range)]


class UnitTfidf(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Sublinear TF-IDF over word n-grams ("words") or char_wb n-grams ("chars"), fast to apply.

    Fitting is plain scikit-learn (vocabulary, IDF). Applying it does not
    re-derive every n-gram of every article: an article is first counted as a
    bag of units (tokens and token runs, or whitespace words), each distinct
    unit's feature columns come from a memo, and the counts are one sparse
    product (documents x units) @ (units x features). The result equals
    TfidfVectorizer.transform with the same analyzer (tested), several times
    faster on long articles, where most words were seen before.
    """

    def __init__(self, kind: str = "chars", ngram_range: tuple[int, int] = (1, 4),
                 max_features: int | None = None) -> None:
        self.kind = kind
        self.ngram_range = ngram_range
        self.max_features = max_features

    def fit(self, docs: Iterable[str], y: Any = None) -> UnitTfidf:
        if self.kind == "words" and self.ngram_range[0] != 1:
            raise ValueError("word n-grams start at 1: longer ones are looked up through their tokens")
        self.vectorizer_ = TfidfVectorizer(analyzer=partial(analyze, self.kind, self._range()),
                                           sublinear_tf=True, max_features=self.max_features)
        self.vectorizer_.fit(list(docs))
        self._memo: dict[Hashable, Any] = {}
        return self

    def __getstate__(self) -> dict[str, Any]:
        # The memo is a cache: not saved in the model file.
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._memo = {}

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.vectorizer_.get_feature_names_out(), dtype=object)

    def _range(self) -> tuple[int, int]:
        lo, hi = self.ngram_range
        return int(lo), int(hi)

    def _runs(self) -> dict[tuple[int, ...], int]:
        """Word n-grams (n >= 2) by the columns of their tokens: looked up without building strings."""
        runs = self._memo.get(_RUNS)
        if runs is None:
            vocabulary = self.vectorizer_.vocabulary_
            runs = {}
            for name, col in vocabulary.items():
                parts = name.split(" ")
                if len(parts) > 1:
                    runs[tuple(vocabulary[p] for p in parts)] = col
            self._memo[_RUNS] = runs
        return runs

    def _word_counts(self, docs: Iterable[str]) -> tuple[list[int], list[float], list[int]]:
        vocabulary = self.vectorizer_.vocabulary_
        memo = self._memo
        runs = self._runs()
        cols: list[int] = []
        vals: list[float] = []
        ptr = [0]
        for doc in docs:
            tokens = _TOKEN.findall(doc.lower())
            ids: list[Any] = [memo.get(token) for token in tokens]
            if None in ids:  # words not seen before: fold and look up once, then remembered
                for i, token in enumerate(tokens):
                    if ids[i] is None:
                        col = memo.get(token)
                        if col is None:
                            col = memo[token] = vocabulary.get(_fold(token), -1)
                        ids[i] = col
            for col, count in Counter(ids).items():
                if col >= 0:
                    cols.append(col)
                    vals.append(count)
            # A run of n tokens can only be a feature if each token is one (every training
            # n-gram's tokens are in the vocabulary): look runs up by their token columns.
            for n in range(2, self.ngram_range[1] + 1):
                for run, count in Counter(zip(*(ids[i:] for i in range(n)), strict=False)).items():
                    col = runs.get(run)
                    if col is not None:
                        cols.append(col)
                        vals.append(count)
            ptr.append(len(cols))
        return cols, vals, ptr

    def _char_counts(self, docs: Iterable[str]) -> sp.csr_matrix:
        ngram_range = self._range()
        memo = self._memo
        batch: dict[str, int] = {}
        d_cols: list[int] = []
        d_counts: list[int] = []
        d_ptr = [0]
        for doc in docs:
            for unit, count in Counter(_char_units(doc)).items():
                d_cols.append(batch.setdefault(unit, len(batch)))
                d_counts.append(count)
            d_ptr.append(len(d_cols))
        rows: list[np.ndarray] = []
        for unit in batch:
            cols = memo.get(unit)
            if cols is None:
                cols = memo[unit] = self._columns(unit, ngram_range)
            rows.append(cols)
        width = len(self.vectorizer_.vocabulary_)
        w_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=w_ptr[1:])
        w_cols = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
        units_x_features = sp.csr_matrix((np.ones(len(w_cols)), w_cols, w_ptr), shape=(len(rows), width))
        docs_x_units = sp.csr_matrix((np.asarray(d_counts, dtype=np.float64), d_cols, d_ptr),
                                     shape=(len(d_ptr) - 1, len(rows)))
        return (docs_x_units @ units_x_features).tocsr()

    def _columns(self, word: str, ngram_range: tuple[int, int]) -> np.ndarray:
        vocabulary = self.vectorizer_.vocabulary_
        # A repeated n-gram within a word stays repeated: the product sums it.
        return np.fromiter((j for j in (vocabulary.get(n) for n in _char_features(word, ngram_range))
                            if j is not None), dtype=np.int32)

    def transform(self, docs: Iterable[str]) -> sp.csr_matrix:
        if len(self._memo) > CACHE_UNITS:
            self._memo.clear()
        width = len(self.vectorizer_.vocabulary_)
        if self.kind == "words":
            cols, vals, ptr = self._word_counts(docs)
            counts = sp.csr_matrix((np.asarray(vals, dtype=np.float64), cols, ptr), shape=(len(ptr) - 1, width))
        else:
            counts = self._char_counts(docs)
        # Two raw tokens may fold to one feature ("é", "e"): add them up first.
        counts.sum_duplicates()
        counts.eliminate_zeros()
        # Sublinear TF times IDF, rows L2-normalised: TfidfTransformer(sublinear_tf=True, norm="l2").
        np.log(counts.data, out=counts.data)
        counts.data += 1.0
        counts.data *= self.vectorizer_.idf_[counts.indices]
        return normalize(counts, norm="l2", copy=False)


def build_pipeline(smallest_label: int = CALIBRATION_FOLDS) -> Pipeline:
    """Word uni/bigrams and character 1-4-grams (sublinear TF-IDF) into a calibrated linear SVM."""
    features = FeatureUnion([
        ("words", UnitTfidf("words", (1, 2))),
        # char_wb covers Chinese (no spaces) and Russian inflection that words miss.
        ("chars", UnitTfidf("chars", (1, 4), max_features=300_000)),
    ])
    folds = min(CALIBRATION_FOLDS, smallest_label)
    # Too few examples of some label to cross-validate: a logistic regression
    # gives probabilities without calibration folds.
    # Fixed seeds: liblinear shuffles its coordinate order, and the same examples must give
    # the same model file and the same scores.
    clf: Any = (CalibratedClassifierCV(LinearSVC(C=SVM_C, random_state=0), cv=folds) if folds >= 2
                else LogisticRegression(C=20.0, max_iter=2000, random_state=0))
    return Pipeline([("features", features), ("clf", clf)])


def read_examples(path: Path) -> tuple[list[str], list[str], list[str], int]:
    """Labels, headlines and texts of a labelled TSV, and how many rows were skipped (no label or no text)."""
    if not path.is_file():
        raise ModelError(f"examples file not found: {path}")
    # Articles are long quoted fields; the default 128 kB cap rejects some.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    labels: list[str] = []
    titles: list[str] = []
    texts: list[str] = []
    skipped = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ModelError(f"{path}: missing column(s) {', '.join(missing)} in the header "
                                 f"(found: {', '.join(header) or 'nothing'})")
            for row in reader:
                label = (row.get("category") or "").strip()
                title = row.get("headline") or ""
                text = row.get("text") or ""
                if not label or not (title.strip() or text.strip()):
                    skipped += 1
                    continue
                labels.append(label)
                titles.append(title)
                texts.append(text)
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise ModelError(f"{path}: not a readable TSV ({exc})") from exc
    return labels, titles, texts, skipped


class TopicModel:
    """A trained classifier: probabilities over the labels it was trained on."""

    def __init__(self, pipeline: Pipeline, labels: list[str], meta: dict[str, Any] | None = None) -> None:
        self.pipeline = pipeline
        self.labels = labels
        self.meta = meta or {}
        classes = [str(c) for c in pipeline.classes_]
        self._order = [classes.index(label) for label in labels]
        self._explain: tuple[Any, list[str]] | None = None

    def predict_scores(self, title: str, text: str) -> dict[str, float]:
        """Probability of every label for one article."""
        return self.predict_scores_batch([(title, text)])[0]

    def predict_scores_batch(self, items: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        """Probabilities of every label for each (title, text)."""
        return self.predict_with_features(items, 0)[0]

    def predict_with_features(self, items: Sequence[tuple[str, str]], top: int = TOP_FEATURES
                              ) -> tuple[list[dict[str, float]], list[dict[str, list[str]]]]:
        """Probabilities of every label for each (title, text), and per label the features that pushed it up most.

        A feature's push is its TF-IDF value times the label's linear weight
        (averaged over the calibration folds); word features read as the word,
        character n-grams as the characters between quotes.
        """
        if not items:
            return [], []
        features = self.pipeline.named_steps["features"]
        clf = self.pipeline.named_steps["clf"]
        x = features.transform([document(t, x) for t, x in items])
        probs = np.asarray(clf.predict_proba(x))
        scores = [{label: float(row[i]) for label, i in zip(self.labels, self._order, strict=True)} for row in probs]
        if top <= 0:
            return scores, [{} for _ in items]
        coef, names = self._explainer()
        out: list[dict[str, list[str]]] = []
        x = x.tocsr()
        for n in range(x.shape[0]):
            cols, vals = x.indices[x.indptr[n]:x.indptr[n + 1]], x.data[x.indptr[n]:x.indptr[n + 1]]
            found: dict[str, list[str]] = {}
            for label, i in zip(self.labels, self._order, strict=True):
                # Two labels: one weight vector, positive toward the second class.
                weights = coef[i, cols] if coef.shape[0] > 1 else coef[0, cols] * (1.0 if i == 1 else -1.0)
                contrib = vals * weights
                best = np.argsort(-contrib)[:top]
                found[label] = [names[cols[j]] for j in best if contrib[j] > 0]
            out.append(found)
        return scores, out

    def _explainer(self) -> tuple[Any, list[str]]:
        if self._explain is None:
            clf = self.pipeline.named_steps["clf"]
            if hasattr(clf, "calibrated_classifiers_"):
                coef = np.mean([np.asarray(c.estimator.coef_) for c in clf.calibrated_classifiers_], axis=0)
            else:
                coef = np.asarray(clf.coef_)
            names = [_readable(str(n)) for n in self.pipeline.named_steps["features"].get_feature_names_out()]
            self._explain = (coef, names)
        return self._explain

    def save(self, out: Path) -> None:
        """Write the model as one file."""
        blob = {"format": FORMAT, "version": MODEL_VERSION, "labels": self.labels, "pipeline": self.pipeline,
                "sklearn": sklearn.__version__, **{k: v for k, v in self.meta.items() if k not in ("pipeline",)}}
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(blob, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(out)


def fit(labels: Sequence[str], titles: Sequence[str], texts: Sequence[str]) -> TopicModel:
    """Fit a model on parallel lists of labels, headlines and texts."""
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise ModelError(f"need examples of at least two labels, got {distinct or 'none'}")
    pipeline = build_pipeline(min(Counter(labels).values()))
    pipeline.fit([document(t, x) for t, x in zip(titles, texts, strict=True)], list(labels))
    return TopicModel(pipeline, distinct)


def train(examples: Path, out: Path) -> TrainReport:
    """Train on a labelled TSV and write the model to one file."""
    started = time.perf_counter()
    labels, titles, texts, skipped = read_examples(Path(examples))
    model = fit(labels, titles, texts)
    model.meta = {"examples": len(labels), "trained": datetime.now(UTC).isoformat(timespec="seconds"),
                  "source": str(examples)}
    model.save(Path(out))
    return TrainReport(examples=len(labels), labels=dict(sorted(Counter(labels).items())), skipped=skipped,
                       seconds=round(time.perf_counter() - started, 2), out=Path(out))


def load_model(path: Path) -> TopicModel:
    """Read a model file written by train()."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        with path.open("rb") as fh:
            blob = pickle.load(fh)  # noqa: S301 - model files are the user's own, see the module docstring
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
        raise ModelError(f"{path}: not a veille topic model ({exc})") from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ModelError(f"{path}: not a veille topic model")
    if blob.get("version") != MODEL_VERSION:
        raise ModelError(f"{path}: model format version {blob.get('version')}, this veille reads {MODEL_VERSION}; "
                         "train it again")
    meta = {k: v for k, v in blob.items() if k not in ("pipeline", "labels", "format", "version")}
    return TopicModel(blob["pipeline"], [str(x) for x in blob["labels"]], meta)
