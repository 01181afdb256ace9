"""`veille extract` and `veille language` through the installed executable."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "target-site-pages"
VEILLE = str(Path(sys.executable).with_name("veille"))
FIELDS = {"id", "url", "title", "text", "published", "date_source", "authors", "language",
          "language_confidence", "is_article", "method"}


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEILLE, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False)


def test_extract_batch_shapes(tmp_path: Path) -> None:
    sputnik = gzip.decompress((PAGES / "sputniknews.com_2019-11-18_1077343476.html.gz").read_bytes())
    disguised = tmp_path / "sputnik.html"   # gzip without the .gz name
    disguised.write_bytes(gzip.compress(sputnik))
    items = [
        {"id": 1, "path": str(PAGES / "people.com.cn_politics_2024-04-24_c1001-40223222.html.gz"),
         "url": "http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html"},
        {"id": "zh", "path": str(PAGES / "xinhuanet.com_local_2020-02-19_c_1125597921.html"), "url": ""},
        {"id": "gone", "path": str(tmp_path / "missing.html"), "url": ""},
        {"id": "gz", "path": str(disguised), "url": ""},
    ]
    listing = tmp_path / "list.jsonl"
    listing.write_text("".join(json.dumps(i) + "\n" for i in items) + "not json\n", encoding="utf-8")
    done = _run("extract", "--batch", str(listing))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 5
    assert "\\u" not in done.stdout
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows[:4]] == [1, "zh", "gone", "gz"]
    assert FIELDS <= set(rows[0]) and FIELDS <= set(rows[1]) and FIELDS <= set(rows[3])
    assert rows[0]["language"] == "zh" and rows[0]["date_source"] in {"html", "meta", "url"}
    assert "武汉" in rows[1]["text"]
    assert "error" in rows[2] and set(rows[2]) == {"id", "error"}
    assert "Epstein" in rows[3]["text"] and rows[3]["language"] == "en"
    assert "error" in rows[4]


def test_extract_one_file() -> None:
    done = _run("extract", str(PAGES / "xinhuanet.com_local_2020-02-19_c_1125597921.html"),
                "--url", "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm")
    assert done.returncode == 0
    obj = json.loads(done.stdout)
    assert FIELDS - {"id"} <= set(obj)
    assert obj["published"] == "2020-02-19T20:29:58+08:00"


def test_extract_missing_file_is_bad_input(tmp_path: Path) -> None:
    done = _run("extract", str(tmp_path / "nope.html"))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "nope.html" in done.stderr


def test_language_lines() -> None:
    rows = [{"id": "fr", "text": "La coopération numérique entre la Chine et les pays de l'OCS progresse."},
            {"id": 7, "text": "数字经济是全球经济增长的重要引擎。"}, {"id": "empty", "text": ""}]
    done = _run("language", stdin="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    assert done.returncode == 0
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["id"], o["language"]) for o in out] == [("fr", "fr"), (7, "zh"), ("empty", "und")]
    assert out[2]["confidence"] == 0.0
