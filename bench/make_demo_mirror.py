"""Build the bundled two-day demo mirror (src/pipeline/demo_mirror) from real text.

Dev script: reads the seed articles and SIB-200 sentences from the shared data
folder (or --shared DIR), recombines SIB-200 sentences of one topic into
distinct articles, places the seeds in the editions they come from, and writes
day1/ and day2/ HOST/PATH trees plus manifest.json.

    .venv/bin/python bench/make_demo_mirror.py [--shared /work/shared] [--out src/pipeline/demo_mirror]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.mirrorgen import MirrorArticle, url_to_path, write_mirror
from pipeline.sources import all_sources, get

DAY1 = date(2026, 1, 5)
DAY2 = date(2026, 1, 6)
PER_DAY = {1: 10, 2: 3}                    # articles per source: day 1, then new ones on day 2
LANG_DIR = {"fr": "fra_Latn", "en": "eng_Latn", "zh": "zho_Hans"}
SEED_SOURCES = {  # seed file prefix -> (source id, day) placements
    "001": [("xinhua-fr", 1)],
    "003": [("sputnik-fr", 1)],
    "000": [("prnewswire-fr", 1), ("xinhua-fr", 2)],
    "002": [("prnewswire-fr", 1), ("xinhua-fr", 2)],
    "004": [("people-fr", 2)],
}
# Titles for the seeds whose text carries none (written from the seeds' own first paragraphs).
SEED_TITLES = {
    "000": "Shenyang accueille la Conférence 2025 sur le développement intégré de l'Internet industriel mondial",
    "001": "Le 8e Sommet de la Chine numérique s'est tenu à Fuzhou",
    "002": "La première Smart China Expo s'ouvre à Chongqing",
}
# SIB-200 topic label -> section per source (what a rubric of that outlet would be called).
SECTIONS = {
    "xinhua-fr": {"politics": "Chine", "geography": "Monde", "travel": "Afrique", "entertainment": "Culture",
                  "science/technology": "Science", "health": "Europe", "sports": "Economie"},
    "xinhua-en": {"politics": "China", "geography": "World", "travel": "World", "entertainment": "China",
                  "science/technology": "Business", "health": "China", "sports": "World"},
    "sputnik-fr": {"politics": "International", "geography": "Afrique", "travel": "Afrique",
                   "science/technology": "Economie", "health": "International", "sports": "Afrique",
                   "entertainment": "International"},
    "people-fr": {"politics": "Chine", "geography": "International", "travel": "International",
                  "science/technology": "Sciences", "health": "Chine", "sports": "Economie",
                  "entertainment": "Culture"},
}
ZH_CHANNEL = {"politics": ("politics", "时政", 1001), "geography": ("world", "国际", 1002),
              "travel": ("world", "国际", 1002), "science/technology": ("tech", "科技", 1007),
              "health": ("society", "社会", 1008), "sports": ("sports", "体育", 1008),
              "entertainment": ("culture", "文化", 1013)}
EN_NODE = {"politics": 90000, "geography": 90777, "travel": 90777, "science/technology": 90778,
           "health": 90882, "sports": 90779, "entertainment": 90782}
FR_NODE = {"Chine": 31354, "Economie": 31355, "International": 31356, "Opinion": 31357, "Culture": 31358,
           "Sciences": 31359}
TAGS = {"politics": "Politique", "geography": "Monde", "travel": "Tourisme", "science/technology": "Technologie",
        "health": "Santé", "sports": "Sport", "entertainment": "Culture"}
# Stories told in several editions on the same day: SIB-200 rows share their index_id across languages,
# so these articles are real human translations of each other.
TRANSLATED = {1: [("xinhua-fr", "xinhua-en", "xinhua-zh")] * 3 + [("people-fr", "people-en", "people-zh")] * 2
              + [("sputnik-fr", "sputnik-en")] * 2,
              2: [("xinhua-fr", "xinhua-en", "xinhua-zh"), ("people-fr", "people-en", "people-zh")]}


@dataclass
class Group:
    category: str
    ids: list[int]


def load_sib(shared: Path) -> dict[str, dict[int, tuple[str, str]]]:
    """index_id -> (category, sentence) per edition language, train and dev splits."""
    out: dict[str, dict[int, tuple[str, str]]] = {}
    for lang, code in LANG_DIR.items():
        rows: dict[int, tuple[str, str]] = {}
        for split in ("train", "dev"):
            with (shared / "data/topics/sib200" / code / f"{split}.tsv").open(encoding="utf-8") as f:
                for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                    rows[int(row["index_id"])] = (row["category"], row["text"].strip())
        out[lang] = rows
    return out


def make_groups(sib: dict[str, dict[int, tuple[str, str]]], rng: random.Random) -> list[Group]:
    """Disjoint groups of 6-8 same-topic sentence ids present in every language."""
    common = sorted(set.intersection(*(set(rows) for rows in sib.values())))
    by_cat: dict[str, list[int]] = {}
    for i in common:
        by_cat.setdefault(sib["fr"][i][0], []).append(i)
    groups: list[Group] = []
    for cat, ids in sorted(by_cat.items()):
        rng.shuffle(ids)
        while len(ids) >= 8:
            size = rng.choice((6, 7, 8))
            groups.append(Group(cat, ids[:size]))
            del ids[:size]
    rng.shuffle(groups)
    return groups


def title_from(sentence: str, lang: str) -> str:
    """A headline cut from a sentence: at most ~100 characters, no final full stop."""
    text = " ".join(sentence.split()).rstrip(" .。!！")
    limit = 40 if lang == "zh" else 100
    if len(text) <= limit:
        return text
    if lang == "zh":
        cut = max(text.rfind(p, 0, limit) for p in "，、；")
        return text[:cut] if cut > 10 else text[:limit]
    # a clause reads better as a headline than a sentence cut at an arbitrary word
    cut = max(text.rfind(p, 0, limit) for p in (",", ";", ":"))
    if cut < 40:
        cut = text.rfind(" ", 0, limit)
    return text[:cut].rstrip(" ,;:") if cut > 30 else text[:limit]


def slug(title: str) -> str:
    """A Sputnik / PR Newswire style URL slug."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    return "-".join(words)[:80].strip("-") or "article"


def digits(key: str, n: int) -> str:
    """n stable pseudo-random digits (first one non-zero) from a key."""
    value = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    return str(10 ** (n - 1) + value % (9 * 10 ** (n - 1)))


def hex32(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def article_url(source_id: str, day: date, title: str, category: str, section: str, key: str) -> str:
    """The URL an article of this source would have, in the outlet's documented shape."""
    d, y, md = day.strftime("%Y%m%d"), day.year, day.strftime("%m%d")
    if source_id == "xinhua-fr":
        return f"https://french.news.cn/{d}/{hex32(key)}/c.html"
    if source_id == "xinhua-en":
        return f"https://english.news.cn/{d}/{hex32(key)}/c.html"
    if source_id == "xinhua-zh":
        return f"https://www.news.cn/{ZH_CHANNEL[category][0]}/{d}/{hex32(key)}/c.html"
    if source_id == "sputnik-fr":
        return f"https://fr.sputniknews.africa/{d}/{slug(title)}-{digits(key, 10)}.html"
    if source_id == "sputnik-en":
        return f"https://sputnikglobe.com/{d}/{slug(title)}-{digits(key, 10)}.html"
    if source_id == "people-fr":
        return f"http://french.peopledaily.com.cn/{section}/n3/{y}/{md}/c{FR_NODE[section]}-{digits(key, 8)}.html"
    if source_id == "people-en":
        return f"http://en.people.cn/n3/{y}/{md}/c{EN_NODE[category]}-{digits(key, 8)}.html"
    if source_id == "people-zh":
        host = {"tech": "scitech"}.get(ZH_CHANNEL[category][0], ZH_CHANNEL[category][0])
        return f"http://{host}.people.com.cn/n1/{y}/{md}/c{ZH_CHANNEL[category][2]}-{digits(key, 8)}.html"
    if source_id == "prnewswire-fr":
        return f"https://www.prnewswire.com/fr/communiques-de-presse/{slug(title)}-{digits(key, 9)}.html"
    raise ValueError(source_id)


def section_for(source_id: str, category: str) -> str:
    if source_id in SECTIONS:
        return SECTIONS[source_id][category]
    if source_id.endswith("-zh"):
        return ZH_CHANNEL[category][1]
    if source_id == "prnewswire-fr":
        return "Technologie"
    return {"science/technology": "Sci-Tech", "politics": "China", "health": "Society"}.get(category, "World")


def published_at(source_id: str, day: date, slot: int) -> datetime:
    """A publication time on the day, in the outlet's time zone: slots spread from 06:10 onwards."""
    tz = ZoneInfo(get(source_id).timezone)
    start = datetime(day.year, day.month, day.day, 6, 10, tzinfo=tz)
    return start + timedelta(minutes=47 * slot + (int(digits(source_id + str(slot), 2)) % 13))


def paragraphs_from(sentences: list[str], lang: str) -> tuple[str, ...]:
    """Sentences joined two by two into paragraphs (one alone when odd)."""
    joiner = "" if lang == "zh" else " "
    return tuple(joiner.join(sentences[i:i + 2]) for i in range(0, len(sentences), 2))


def read_seed(path: Path) -> tuple[str | None, list[str]]:
    """(title or None, paragraphs) of a seed file, without its date line, URL and web-editor tail."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    title: str | None = None
    if lines and lines[0].startswith("date "):
        first = re.sub(r"^date \S+ ", "", lines[0])
        lines[0] = first
        if first.startswith("http"):
            lines.pop(0)
            title = lines.pop(0)
    if lines and ">>" in lines[0]:               # People's Daily breadcrumb, title, date line
        lines.pop(0)
        title = lines.pop(0)
        lines.pop(0)
    out: list[str] = []
    for ln in lines:
        if ln.startswith(("(Web editor", "À lire aussi", "Image de Une")):
            break
        out.append(re.sub(r"\s*\d{2}\.\d{2}\.\d{4}, Sputnik Afrique$", "", ln))
    return title, out


def build(shared: Path) -> dict[int, list[MirrorArticle]]:
    """The articles of each day (day 2 holds day 1's too)."""
    rng = random.Random(20260105)
    sib = load_sib(shared)
    groups = make_groups(sib, rng)
    ids = [s.id for s in all_sources()]
    new: dict[int, list[MirrorArticle]] = {1: [], 2: []}
    seeds = {p.name[:3]: read_seed(p) for p in sorted((shared / "seeds").glob("*.txt"))}
    for prefix, places in SEED_SOURCES.items():
        title, paras = seeds[prefix]
        for source_id, day in places:
            when = published_at(source_id, DAY1 if day == 1 else DAY2, 0)
            t = title or SEED_TITLES[prefix]
            section = {"people-fr": "Opinion", "sputnik-fr": "International"}.get(source_id, "Science")
            if source_id == "prnewswire-fr":
                section = "Technologie"
            url = article_url(source_id, when.date(), t, "science/technology",
                              section if source_id != "people-fr" else "Opinion", f"seed{prefix}{source_id}")
            new[day].append(MirrorArticle(source_id, url, t, tuple(paras), when, section,
                                          ("BRICS", "Economie numérique") if "sputnik" in source_id else ()))
    for day in (1, 2):
        the_day = DAY1 if day == 1 else DAY2
        counts = {sid: sum(1 for a in new[day] if a.source_id == sid) for sid in ids}
        plan: list[tuple[str, ...]] = list(TRANSLATED[day])
        for sid in ids:
            shared_n = sum(sid in p for p in plan)
            plan += [(sid,)] * max(0, PER_DAY[day] - counts[sid] - shared_n)
        for editions in plan:
            group = groups.pop()
            title_id = min(group.ids, key=lambda i: len(sib["fr"][i][1]))
            for sid in editions:
                lang = get(sid).language
                sentences = [sib[lang][i][1] for i in group.ids]
                title = title_from(sib[lang][title_id][1], lang)
                counts[sid] += 1
                when = published_at(sid, the_day, counts[sid])
                section = section_for(sid, group.category)
                url = article_url(sid, the_day, title, group.category, section,
                                  f"{sid}{day}{group.ids[0]}")
                new[day].append(MirrorArticle(sid, url, title, paragraphs_from(sentences, lang), when,
                                              section, (TAGS[group.category],)))
    return {1: new[1], 2: new[1] + new[2]}


def check(articles: list[MirrorArticle]) -> None:
    """Fail early on anything the declarations would not accept."""
    seen: set[str] = set()
    for a in articles:
        if not get(a.source_id).is_article_url(a.url):
            sys.exit(f"{a.url} does not match the article pattern of {a.source_id}")
        if a.url in seen:
            sys.exit(f"duplicate URL {a.url}")
        seen.add(a.url)


def write_attribution(out: Path) -> None:
    (out / "ATTRIBUTION.md").write_text(ATTRIBUTION, encoding="utf-8")


ATTRIBUTION = """# Demo mirror: where the text comes from

The pages under `day1/` and `day2/` are modelled on the documented page
structure of each outlet (see the project's source notes); they were not
captured from the sites. Each page says so in a leading HTML comment. The
trees are generated by `bench/make_demo_mirror.py`.

## Article text

- **SIB-200** sentences (French `fra_Latn`, English `eng_Latn`, Chinese
  `zho_Hans`; train and dev splits), recombined: each demo article is 6 to 8
  sentences sharing one SIB-200 topic label, its title cut from one of them.
  Articles in several editions on the same day use the same `index_id`s, so
  they are human translations of each other.
  License: CC BY-SA 4.0 (the sentences come from FLORES-200).
  Source: https://github.com/dadelani/sib-200 (commit 593cea88519930f776c1a4a1980b6a35b39dca57).
  Citation: David Ifeoluwa Adelani et al. 2023. "SIB-200: A Simple, Inclusive,
  and Big Evaluation Dataset for Topic Classification in 200+ Languages and
  Dialects". arXiv:2309.07445.
  The recombined demo articles are shared under the same license (CC BY-SA 4.0).

- **Five real French articles** ("seeds"), reproduced as examples of what
  the monitoring tracks, placed in the edition they come from:
  - 000: PR Newswire/CNW release by Xinhua Silk Road (2025-09-10), in
    `prnewswire-fr` and republished in `xinhua-fr`;
  - 001: French-language report on the Digital China Summit (Fuzhou, 2025), in `xinhua-fr`;
  - 002: PR Newswire release, Smart China Expo (2018-08-24), in `prnewswire-fr` and `xinhua-fr`;
  - 003: Sputnik Afrique (fr.sputniknews.africa, 2025-09-19), in `sputnik-fr`;
  - 004: People's Daily French edition, Opinion (2025-08-29), in `people-fr`.
  Their rights stay with their publishers. The titles of 000, 001 and 002
  (which carry none in the seed files) were written for the demo from their
  first paragraphs. On the mirror they carry the demo dates (2026-01-05/06).
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path("/work/shared"))
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "src/pipeline/demo_mirror")
    args = ap.parse_args()
    days = build(args.shared)
    check(days[2])
    sources = all_sources()
    manifest: dict[str, dict[str, object]] = {"days": {}}
    for day, as_of in ((1, DAY1), (2, DAY2)):
        tree = args.out / f"day{day}"
        if tree.exists():
            shutil.rmtree(tree)
        write_mirror(tree, days[day], sources, as_of)
        per_source: dict[str, list[dict[str, str]]] = {s.id: [] for s in sources}
        for a in sorted(days[day], key=lambda a: (a.source_id, a.published)):
            assert url_to_path(tree, a.url).is_file()
            per_source[a.source_id].append({"url": a.url, "title": a.title, "published": a.published.isoformat()})
        manifest["days"][str(day)] = {"as_of": as_of.isoformat(), "sources": per_source}
    (args.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    write_attribution(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    counts = {sid: len(v) for sid, v in manifest["days"]["2"]["sources"].items()}  # type: ignore[index]
    print(f"wrote {args.out} ({size / 1e6:.2f} MB); day-2 articles per source: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

