"""`veille eval extraction|language`: the table carries the baseline column, the JSON is written, errors are one line."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, ROOT, VEILLE


def veille(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_eval_extraction_quick(tmp_path: Path) -> None:
    out = tmp_path / "extraction.json"
    done = veille("eval", "extraction", "--quick", "--data", str(FIXTURES / "extraction"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = done.stdout
    for dataset in ("target-site-pages", "trafilatura-eval-subset", "fundus-parser-testdata",
                    "mozilla-readability-test-pages"):
        rows = [line for line in table.splitlines() if line.startswith(dataset)]
        # one row for plain trafilatura (the baseline), one for veille, same pages
        assert [r.split("|")[1].split()[0] for r in rows] == ["plain", "veille"], table
    assert "F1" in table and "title" in table and "date" in table and "ms/pg" in table
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["quick"] is True and results["date"] and results["machine"]
    scores = results["folders"]["fundus-parser-testdata"]
    assert set(scores) == {"plain", "veille"}
    assert 0 < scores["plain"]["pages"] <= 3 and scores["plain"]["pages"] == scores["veille"]["pages"]
    assert 0.0 <= scores["veille"]["f1"] <= 1.0 and 0.0 <= scores["plain"]["f1"] <= 1.0
    assert results["folders"]["trafilatura-eval-subset"]["plain"]["with_found"] is not None


def _tiny_language_data(root: Path) -> Path:
    """SIB-200 rows and MasakhaNEWS articles from the test fixtures, in the shared data's layout."""
    for tsv in sorted((FIXTURES / "extraction" / "sib200").glob("*.tsv")):
        (root / "sib200" / tsv.stem).mkdir(parents=True)
        shutil.copyfile(tsv, root / "sib200" / tsv.stem / "dev.tsv")
    csv.field_size_limit(sys.maxsize)
    with (FIXTURES / "topics" / "masakhanews" / "unrelated_dev.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for folder, french in (("fra", True), ("eng", False)):
        (root / "masakhanews" / folder).mkdir(parents=True)
        with (root / "masakhanews" / folder / "dev.tsv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t")
            writer.writeheader()
            writer.writerows(r for r in rows if ("/afrique/" in r["url"]) == french)
    return root


def test_eval_language_quick(tmp_path: Path) -> None:
    data = _tiny_language_data(tmp_path / "topics")
    out = tmp_path / "language.json"
    done = veille("eval", "language", "--quick", "--data", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    head = done.stdout.splitlines()[0].split()
    assert head[-2:] == ["langdetect", "veille"], done.stdout
    buckets = {line.split()[2] for line in done.stdout.splitlines() if line.startswith(("sib200", "masakhanews"))}
    assert buckets == {"headline", "sentence", "article", "snippet15"}
    results = json.loads(out.read_text(encoding="utf-8"))
    langs = {(r["dataset"], r["language"]) for r in results["rows"]}
    assert {("sib200", "fr"), ("sib200", "zh"), ("sib200", "ru"), ("masakhanews", "en"), ("masakhanews", "fr")} <= langs
    for row in results["rows"]:
        assert 0.0 <= row["langdetect"] <= 1.0 and 0.0 <= row["veille"] <= 1.0 and row["n"] > 0
    sentences = next(s for s in results["summaries"] if s["dataset"] == "ALL" and s["bucket"] == "sentence")
    assert sentences["veille"] >= 0.9


def test_eval_without_data_is_one_line_exit_1(tmp_path: Path) -> None:
    done = veille("eval", "extraction", "--data", str(tmp_path / "nowhere"))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    done = veille("eval", "language", "--quick", "--data", str(empty))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
