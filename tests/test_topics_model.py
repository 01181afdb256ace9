"""Learned topics: train on a few real labelled articles, save one file, load it, score."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pipeline.topics import ModelError, Tagger, load_model, parse_rules, read_examples, train
from pipeline.topics.model import document

FEWSHOT = Path(__file__).parent / "fixtures" / "topics" / "masakhanews" / "fra_fewshot_10.tsv"
LABELS = ["business", "health", "politics", "sports", "technology"]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "topics.model"
    report = train(FEWSHOT, out)
    assert report.examples == 50 and report.labels == dict.fromkeys(LABELS, 10)
    return out


def test_train_writes_one_loadable_file(model_path: Path) -> None:
    assert [p.name for p in model_path.parent.iterdir()] == ["topics.model"]
    model = load_model(model_path)
    assert model.labels == LABELS


def test_scores_are_probabilities_over_every_label(model_path: Path) -> None:
    scores = load_model(model_path).predict_scores("Le match de football",
                                                   "L'équipe a gagné le match de la coupe face à ses rivaux.")
    assert set(scores) == set(LABELS)
    assert abs(sum(scores.values()) - 1.0) < 1e-6
    assert max(scores, key=lambda k: scores[k]) == "sports"


def test_batch_matches_single(model_path: Path) -> None:
    model = load_model(model_path)
    items = [("Élection présidentielle", "Le parti au pouvoir et l'opposition votent au parlement."),
             ("Paludisme", "Les médecins et l'hôpital luttent contre la maladie et le vaccin.")]
    batch = model.predict_scores_batch(items)
    assert batch[1] == pytest.approx(model.predict_scores(*items[1]))
    assert max(batch[0], key=lambda k: batch[0][k]) == "politics"
    assert max(batch[1], key=lambda k: batch[1][k]) == "health"


def test_bad_examples_and_bad_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        read_examples(tmp_path / "nope.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("category\ttext\nsports\tun match\n", encoding="utf-8")
    with pytest.raises(ModelError, match="missing column.*headline"):
        read_examples(bad)
    one = tmp_path / "one.tsv"
    one.write_text("category\theadline\ttext\nsports\tx\ty\n", encoding="utf-8")
    with pytest.raises(ModelError, match="two labels"):
        train(one, tmp_path / "m")
    junk = tmp_path / "junk.model"
    junk.write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(ModelError, match="not a veille topic model"):
        load_model(junk)


def test_quoted_multiline_fields_are_one_example(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_text('category\theadline\ttext\nsports\t"Un ""match"""\t"ligne 1\nligne 2"\nhealth\th\tt\n',
                    encoding="utf-8")
    labels, titles, texts, skipped = read_examples(path)
    assert labels == ["sports", "health"] and titles[0] == 'Un "match"' and texts[0] == "ligne 1\nligne 2"
    assert skipped == 0


def test_rules_and_model_combine_per_topic(model_path: Path) -> None:
    rules = parse_rules("""
version: "c1"
topics:
  foot:
    model: sports
    combine: both
    languages: {fr: {terms: [coupe]}}
  sport-any:
    model: sports
    combine: either
    languages: {fr: {terms: [tennis]}}
  sport-model:
    model: sports
    combine: model
  only-rules:
    languages: {fr: {terms: [coupe]}}
""")
    tagger = Tagger(rules, load_model(model_path))
    text = "L'équipe a gagné le match de football de la coupe face à ses rivaux, le but en finale."
    got = {m.topic: m for m in tagger.tag("Football", text, "fr")}
    assert set(got) == {"foot", "sport-any", "sport-model", "only-rules"}
    assert got["foot"].evidence == ["coupe"]
    other = {m.topic for m in tagger.tag("Budget", "La banque centrale relève ses taux; la coupe budgétaire.", "fr")}
    assert "foot" not in other and "sport-model" not in other and "only-rules" in other
    with pytest.raises(ValueError, match="not in the model"):
        Tagger(parse_rules("version: '1'\ntopics:\n  x:\n    model: nope\n    combine: model\n"),
               load_model(model_path))


def test_training_is_deterministic(tmp_path: Path) -> None:
    # Same examples file -> same model -> the same scores, run after run.
    items = [("Football", "L'équipe a gagné le match de la coupe."), ("Banque", "La banque centrale relève ses taux.")]
    scores = []
    for n in range(2):
        out = tmp_path / f"m{n}.model"
        train(FEWSHOT, out)
        scores.append(load_model(out).predict_scores_batch(items))
    assert scores[0] == scores[1]


def test_fast_features_equal_scikit_learn(model_path: Path) -> None:
    # The memoised per-word counting must give exactly what TfidfVectorizer gives with the same analyzer.
    _, titles, texts, _ = read_examples(FEWSHOT)
    docs = [document(t, x) for t, x in zip(titles, texts, strict=True)] + ["", "  \n ", "Œuvre ﬁnale: café, CAFÉ; 5G"]
    features = load_model(model_path).pipeline.named_steps["features"]
    for _, part in features.transformer_list:
        fast = part.transform(docs)
        assert abs(fast - part.vectorizer_.transform(docs)).max() < 1e-12
        assert abs(part.transform(docs) - fast).max() == 0  # second pass from the memo
