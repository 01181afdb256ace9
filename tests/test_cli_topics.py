"""`veille topics train` and `veille classify` through the installed executable."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VEILLE

FIXTURES = Path(__file__).parent / "fixtures" / "topics"
FEWSHOT = FIXTURES / "masakhanews" / "fra_fewshot_10.tsv"


def veille(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd)


def lines(*items: dict[str, object]) -> str:
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "topics.model"
    done = veille("topics", "train", "--examples", str(FEWSHOT), "--out", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["examples"] == 50 and out.is_file()
    return out


def test_classify_with_model_lists_every_label_best_first(model: Path) -> None:
    done = veille("classify", "--model", str(model), stdin=lines(
        {"id": "a", "title": "Le match de football", "text": "L'équipe a gagné le match de la coupe.", "language": "fr"},
        {"id": "b", "title": "", "text": "Le gouvernement annonce une réforme des impôts."}))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(x) for x in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    for row in rows:
        got = [t["topic"] for t in row["topics"]]
        scores = [t["score"] for t in row["topics"]]
        assert sorted(got) == ["business", "health", "politics", "sports", "technology"]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert rows[0]["topics"][0]["topic"] == "sports"


def test_classify_default_topics_one_line_per_input_and_errors() -> None:
    seed = next((FIXTURES / "seeds").glob("001_*.txt")).read_text(encoding="utf-8")
    done = veille("classify", stdin=lines(
        {"id": 1, "title": "Sommet de la Chine numérique", "text": seed, "language": "fr"},
        {"id": 2, "title": "x"},
        {"id": 3, "title": "Football", "text": "Le club a gagné la finale."}) + "not json\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(rows) == 4 and "\\u" not in done.stdout
    assert rows[0]["id"] == 1 and rows[0]["topics"][0]["topic"] == "digital-economy"
    assert "Chine numérique" in rows[0]["topics"][0]["evidence"]
    assert rows[1] == {"id": 2, "error": "missing 'text'"}
    assert rows[2] == {"id": 3, "topics": []}
    assert "error" in rows[3]


def test_classify_with_a_topics_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text('version: "v9"\ntopics:\n  ports:\n    languages:\n      en: {terms: [port]}\n', encoding="utf-8")
    done = veille("classify", "--topics", str(path), stdin=lines({"id": "p", "title": "", "text": "Ports grow."}))
    assert json.loads(done.stdout) == {"id": "p", "topics": [{"topic": "ports", "score": 1.0, "evidence": ["Ports"]}]}


def test_bad_input_exits_1_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\ntopics:\n  a:\n    languages:\n      fr: {terms: {x: heavy}}\n", encoding="utf-8")
    for args in (["topics", "train", "--examples", str(tmp_path / "nope.tsv"), "--out", str(tmp_path / "m")],
                 ["classify", "--topics", str(bad)],
                 ["classify", "--model", str(tmp_path / "nope.model")]):
        done = veille(*args)
        assert done.returncode == 1, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    done = veille("classify", "--topics", str(bad))
    assert "line 5" in done.stderr and "'a'" in done.stderr
    nohead = tmp_path / "x.tsv"
    nohead.write_text("label\ttext\nsports\tx\n", encoding="utf-8")
    done = veille("topics", "train", "--examples", str(nohead), "--out", str(tmp_path / "m"))
    assert done.returncode == 1 and "category" in done.stderr
