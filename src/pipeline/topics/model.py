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
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
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


def build_pipeline(smallest_label: int = CALIBRATION_FOLDS) -> Pipeline:
    """Word uni/bigrams and character 1-4-grams (sublinear TF-IDF) into a calibrated linear SVM."""
    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                  strip_accents="unicode", lowercase=True, token_pattern=r"(?u)\b\w+\b")),
        # char_wb covers Chinese (no spaces) and Russian inflection that words miss.
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1,
                                  lowercase=True, max_features=300_000)),
    ])
    folds = min(CALIBRATION_FOLDS, smallest_label)
    # Too few examples of some label to cross-validate: a logistic regression
    # gives probabilities without calibration folds.
    clf: Any = (CalibratedClassifierCV(LinearSVC(C=SVM_C), cv=folds) if folds >= 2
                else LogisticRegression(C=20.0, max_iter=2000))
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
