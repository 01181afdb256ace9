"""`veille dedup` through the installed executable: one line out per line in, ids copied, errors as lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "stories"
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
VEILLE = str(Path(sys.executable).with_name("veille"))


def run(lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    return subprocess.run([VEILLE, "dedup", *args], input="".join(line + "\n" for line in lines),
                          capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)


def objects(items: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(i, ensure_ascii=False) for i in items]


def test_dedup_shape_and_grouping() -> None:
    items = [
        {"id": "s0", "title": "", "text": SEEDS[0]},
        {"id": 17, "title": "Autre titre", "text": SEEDS[0].replace("\n\n", "\n") + "\nLire aussi : autres articles"},
        {"id": "s3", "title": "", "text": SEEDS[3], "url": "https://fr.sputniknews.africa/20250919/x-1078434722.html",
         "source": "sputnik-fr", "published": "2025-09-19T10:00:00+03:00", "language": "fr"},
        {"id": "zh-é", "title": "武汉", "text": "北京时间2020年2月19日，武汉市新增确诊病例，医疗队抵达。"},
    ]
    result = run(objects(items))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(items)
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [i["id"] for i in items]
    assert all(set(r) == {"id", "story_id"} for r in rows)
    by = {r["id"]: r["story_id"] for r in rows}
    assert by["s0"] == by[17] == "st-17"  # both undated: the smaller id names the story
    assert by["s3"] not in {by["s0"], by["zh-é"]}
    # Non-ASCII written as itself.
    assert '"zh-é"' in result.stdout and "\\u" not in result.stdout


def test_dedup_error_lines_keep_the_count() -> None:
    lines = objects([{"id": "ok", "title": "Titre", "text": SEEDS[1]}, {"id": "no-text", "title": ""},
                     {"title": "sans id", "text": "texte"}, {"id": "bad", "title": 3, "text": "x"}])
    lines.insert(2, "{not json")
    result = run(lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5
    assert rows[0] == {"id": "ok", "story_id": "st-ok"}
    assert [r.get("id") for r in rows[1:]] == ["no-text", None, None, "bad"]
    assert all("error" in r and "story_id" not in r for r in rows[1:])


def test_dedup_window_flag() -> None:
    paras = [p for p in SEEDS[1].split("\n") if p.strip()]
    items = [{"id": "a", "title": "", "text": SEEDS[1], "published": "2025-05-01"},
             {"id": "b", "title": "", "text": "\n".join(paras[:-1]), "published": "2025-05-09"}]
    narrow = {json.loads(x)["id"]: json.loads(x)["story_id"] for x in run(objects(items)).stdout.splitlines()}
    wide = {json.loads(x)["id"]: json.loads(x)["story_id"]
            for x in run(objects(items), "--window-days", "10").stdout.splitlines()}
    assert narrow["a"] != narrow["b"]
    assert wide["a"] == wide["b"] == "st-a"


def test_dedup_does_not_load_prefect_or_scrapy() -> None:
    code = ("import sys, io; from pipeline.cli import main; sys.stdin = io.StringIO(''); main(['dedup']); "
            "print(any(m.split('.')[0] in {'prefect', 'scrapy'} for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1:] == ["False"], out.stderr
    lib = ("import sys, pipeline.stories, pipeline.cli.story_cmds; "
           "print(any(m.split('.')[0] in {'prefect', 'scrapy'} for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", lib], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1:] == ["False"], out.stderr
