"""`veille eval topics` on a small labelled folder laid out like the evaluation data."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import VEILLE

FIXTURES = Path(__file__).parent / "fixtures" / "topics" / "masakhanews"


def test_eval_topics_prints_rules_model_and_baseline(tmp_path: Path) -> None:
    data = tmp_path / "topics"
    (data / "masakhanews" / "fewshot_50" / "fra").mkdir(parents=True)
    (data / "masakhanews" / "fra").mkdir(parents=True)
    shutil.copy(FIXTURES / "fra_fewshot_10.tsv", data / "masakhanews" / "fewshot_50" / "fra" / "train.tsv")
    # scored on the training rows themselves: the figures only need to exist and be in range here
    shutil.copy(FIXTURES / "fra_fewshot_10.tsv", data / "masakhanews" / "fra" / "dev.tsv")
    out = tmp_path / "eval.json"
    done = subprocess.run([VEILLE, "eval", "topics", "--data", str(data), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "masakhanews/fra" in done.stdout and "baseline" in done.stdout and "rules" in done.stdout
    result = json.loads(out.read_text(encoding="utf-8"))["datasets"]["masakhanews/fra"]
    for part in ("baseline", "model", "rules"):
        assert 0.0 <= result[part]["macro_f1"] <= 1.0
        assert set(result[part]["per_topic"]) == {"business", "health", "politics", "sports", "technology"}
    assert result["model"]["macro_f1"] > 0.8          # fitted on these very rows
    done = subprocess.run([VEILLE, "eval", "topics", "--data", str(tmp_path / "empty")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
