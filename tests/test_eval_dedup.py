"""`veille eval dedup --quick` through the installed executable, on a tiny copy of the story fixtures."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

from pipeline.evaluation import dedup as dedup_eval
from tests.conftest import VEILLE

FIXTURES = Path(__file__).parent / "fixtures" / "stories"


def _shared_layout(root: Path) -> Path:
    """The story fixtures laid out like the shared folder: seeds/, data/topics/{masakhanews,sib200}/."""
    shutil.copytree(FIXTURES / "seeds", root / "seeds")
    topics = root / "data" / "topics"
    (topics / "masakhanews" / "fra").mkdir(parents=True)
    shutil.copy(FIXTURES / "masakhanews" / "fra_dev_sample.tsv", topics / "masakhanews" / "fra" / "dev.tsv")
    with (FIXTURES / "sib200" / "dev_fra_eng_zho.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for code in ("fra_Latn", "eng_Latn", "zho_Hans"):
        (topics / "sib200" / code).mkdir(parents=True)
        with (topics / "sib200" / code / "dev.tsv").open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, delimiter="\t")
            out.writerow(["index_id", "category", "text"])
            out.writerows([r["index_id"], r["category"], r[code]] for r in rows)
    return root


def test_cases_are_built_from_every_kind(tmp_path: Path) -> None:
    cases = dedup_eval.build_cases(_shared_layout(tmp_path / "d"), random.Random(1), 12, 8)
    kinds = {dedup_eval.KINDS[op] for op in cases.op_of.values()}
    assert kinds == set(dedup_eval.KIND_ORDER)
    # every variant's group has its original
    originals = {cases.truth[d.id] for d in cases.docs if d.id not in cases.op_of}
    assert {cases.truth[d] for d in cases.op_of} <= originals
    # exact hashing only ever finds reformatted copies among the variants
    base = dedup_eval.score(cases, dedup_eval.exact_hashing(cases.docs))
    assert base["translation"].recall == 0.0 and base["near-duplicate"].precision == 1.0


def test_scores_fall_when_the_grouping_is_wrong(tmp_path: Path) -> None:
    cases = dedup_eval.build_cases(_shared_layout(tmp_path / "d"), random.Random(1), 12, 8)
    perfect = dedup_eval.score(cases, dict(cases.truth))
    assert perfect["all"].precision == 1.0 and perfect["all"].recall == 1.0
    one_story = dedup_eval.score(cases, {d.id: "x" for d in cases.docs})
    assert one_story["all"].recall == 1.0 and (one_story["all"].precision or 0) < 0.2


def test_cli_quick(tmp_path: Path) -> None:
    data = _shared_layout(tmp_path / "d")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    done = subprocess.run([VEILLE, "eval", "dedup", "--data", str(data), "--quick", "--out", str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    for kind in (*dedup_eval.KIND_ORDER, "all"):
        assert kind in done.stdout
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    rows = {r["kind"]: r for r in result["rows"]}
    assert result["quick"] is True and rows["all"]["pairs"] > 0
    assert rows["near-duplicate"]["veille"]["precision"] >= rows["near-duplicate"]["baseline"]["precision"] - 1e-9
    assert rows["near-duplicate"]["veille"]["recall"] > rows["near-duplicate"]["baseline"]["recall"]
    missing = subprocess.run([VEILLE, "eval", "dedup", "--data", str(tmp_path / "nowhere")], capture_output=True,
                             text=True, timeout=120, env=env)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
