"""Revisions and deletions: the decisions on their own, then a real revisit (Scrapy process, Prefect flow)
against a loopback server where one known article was edited, one answers 404, one redirects home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from pipeline import daily, revisions, warehouse
from pipeline import settings as settings_mod
from pipeline import sources as sources_mod
from pipeline.mirror import content_type, mirror_file
from pipeline.stories import content_hash
from tests.conftest import VEILLE
from tests.loopback import QuietHandler, serving

DEMO = Path(str(resources.files("pipeline"))) / "demo_mirror"
HOST = "french.news.cn"
EDITED = f"https://{HOST}/20260105/78cf82ea05cced4217f31ccb4b4c53ac/c.html"
REMOVED = f"https://{HOST}/20260105/363fe9913c4155640b1172c1943e79e3/c.html"
SENT_HOME = f"https://{HOST}/20260105/af7ee95c7db9c039d1845dfb01ea5d9e/c.html"


def _known(text: str = "Premier paragraphe.\nDeuxième paragraphe avec 360 000 personnes.", revision: int = 0
           ) -> revisions.Known:
    return revisions.Known(id="a1", url=EDITED, canonical_url=EDITED, source_id="xinhua-fr", title="T", text=text,
                           content_hash=content_hash(text), story_id="st-a1", revision=revision)


# ---- decisions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "home"), [
    ("https://french.news.cn/", True), ("https://french.news.cn", True), ("https://www.news.cn/index.htm", True),
    ("https://www.prnewswire.com/fr/", True), ("https://www.prnewswire.com/fr/index.html", True),
    ("https://french.news.cn/chine/index.htm", False), ("https://www.prnewswire.com/fr/news/x.html", False),
    ("https://french.news.cn/20260105/abc/c.html", False), ("not a url", False),
])
def test_home_pages(url: str, home: bool) -> None:
    homes = [s.home_url for s in sources_mod.all_sources()]
    assert revisions.is_home_page(url, homes) is home


def test_gone_reasons() -> None:
    assert revisions.gone_reason({"url": EDITED, "final_url": EDITED, "status": 404}) == "http 404"
    assert revisions.gone_reason({"url": EDITED, "final_url": EDITED, "status": 410}) == "http 410"
    home = {"url": EDITED, "final_url": "https://french.news.cn/", "status": 302}
    assert revisions.gone_reason(home) == "redirects to the home page"
    # a page moved to another article URL, a server error or a timeout is not a removal
    moved = {"url": EDITED, "final_url": "https://french.news.cn/20260106/x/c.html", "status": 200}
    assert revisions.gone_reason(moved) is None
    assert revisions.gone_reason({"url": EDITED, "final_url": EDITED, "status": 503}) is None
    assert revisions.gone_reason({"url": EDITED, "final_url": EDITED, "status": None, "failure": "timeout"}) is None


def test_unchanged_or_reformatted_text_is_no_revision() -> None:
    known = _known()
    assert revisions.compare(known, "T", known.text, "2026-01-08T00:00:00+00:00") is None
    reflowed = "  PREMIER paragraphe !\n\nDeuxième   paragraphe avec 360 000 personnes "
    assert revisions.compare(known, "T", reflowed, "2026-01-08T00:00:00+00:00") is None


def test_an_edit_is_the_next_revision_with_a_diff() -> None:
    known = _known(revision=2)
    new = "Premier paragraphe.\nDeuxième paragraphe avec 380 000 personnes.\nUn ajout."
    change = revisions.compare(known, "T2", new, "2026-01-08T00:00:00+00:00")
    assert change is not None and change.kind == "edited" and change.revision == 3
    assert change.text == new and change.title == "T2" and change.content_hash == content_hash(new)
    assert "-Deuxième paragraphe avec 360 000 personnes." in (change.diff or "")
    assert "+Deuxième paragraphe avec 380 000 personnes." in (change.diff or "")
    assert revisions.diff_counts(change.diff) == (2, 1)
    gone = revisions.deletion(known, "http 404", "2026-01-09T00:00:00+00:00")
    assert (gone.kind, gone.revision, gone.text) == ("deleted", 3, None)


# ---- a real revisit -------------------------------------------------------------------------------------------


class _Site(QuietHandler):
    """The demo mirror of one day, plus the redirects a test adds (a removed article sent to the home page)."""

    protocol_version = "HTTP/1.1"
    root: Path
    redirects: dict[str, str] = {}

    def do_GET(self) -> None:
        target = self.redirects.get(self.path)
        found = None if target else mirror_file(self.root, self.path)
        if target:
            self.answer(HTTPStatus.FOUND, {"Location": target}, b"")
        elif found is None:
            self.answer(HTTPStatus.NOT_FOUND, {"Content-Type": "text/plain"}, b"not found\n")
        else:
            self.answer(HTTPStatus.OK, {"Content-Type": content_type(found)}, found.read_bytes())


@dataclass
class Revisited:
    db: Path
    env: dict[str, str]
    before: dict[str, dict[str, Any]]
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    revisions_after_first: list[tuple[Any, ...]]


def _articles(db: Path) -> dict[str, dict[str, Any]]:
    with warehouse.read(db, 30) as con:
        cur = con.execute("SELECT id, url, text, content_hash, story_id, deleted_at FROM articles")
        cols = [d[0] for d in cur.description or []]
        return {r[1]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def _revision_rows(db: Path) -> list[tuple[Any, ...]]:
    with warehouse.read(db, 30) as con:
        return con.execute("SELECT r.article_id, a.url, r.revision, r.kind, r.content_hash, r.text, r.diff "
                           "FROM revisions r JOIN articles a ON a.id = r.article_id ORDER BY a.url").fetchall()


@pytest.fixture(scope="module")
def revisited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Revisited]:
    tmp = tmp_path_factory.mktemp("revisit")
    root = tmp / "mirror"
    shutil.copytree(DEMO / "day1" / HOST, root / HOST)
    _Site.root, _Site.redirects = root, {}
    with serving(_Site) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
        env.update({"VEILLE_DB": str(tmp / "w.duckdb"), "VEILLE_WORK_DIR": str(tmp / "work"),
                    "VEILLE_ARCHIVE_DIR": str(tmp / "archive"), "VEILLE_REPORTS_DIR": str(tmp / "reports"),
                    "VEILLE_DOWNLOAD_DELAY": "0", "VEILLE_REVISIT_DELAY": "0", "VEILLE_MIRROR": server.url,
                    "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
        cfg = settings_mod.load(environ=env)
        # day 1: the ordinary crawl and load (real Scrapy process, real warehouse), without the flow
        source = sources_mod.get("xinhua-fr")
        daily.ensure_schema(cfg)
        out = daily.run_dir(cfg, "day1", source.id)
        daily.prepare_crawl(cfg, source, out)
        assert daily.crawl(cfg, source, out, "day1", date(2026, 1, 5)) == 0
        daily.load(cfg, source, out, "day1", date(2026, 1, 5))
        before = _articles(tmp / "w.duckdb")

        # then the site edits one article silently, removes one, and sends one to its home page
        page = root / HOST / EDITED.split(HOST + "/", 1)[1]
        page.write_text(page.read_text(encoding="utf-8").replace("360 000", "380 000"), encoding="utf-8")
        (root / HOST / REMOVED.split(HOST + "/", 1)[1]).unlink()
        _Site.redirects["/" + HOST + SENT_HOME.split(HOST, 1)[1]] = f"{server.url}/{HOST}/"

        first = subprocess.run([VEILLE, "revisit", "--sources", "xinhua-fr", "--mirror", server.url],
                               capture_output=True, text=True, env=env, timeout=600)
        after_first = _revision_rows(tmp / "w.duckdb")
        second = subprocess.run([VEILLE, "revisit", "--sources", "xinhua-fr"], capture_output=True, text=True,
                                env=env, timeout=600)
        yield Revisited(tmp / "w.duckdb", env, before, first, second, after_first)


@pytest.mark.slow
def test_revisit_records_the_edit_and_both_removals(revisited: Revisited) -> None:
    assert revisited.first.returncode == 0, revisited.first.stdout[-2000:] + revisited.first.stderr[-2000:]
    assert len(revisited.before) == 10
    assert "xinhua-fr: 10 articles re-fetched, 1 edited, 2 deleted, 7 unchanged" in revisited.first.stdout
    rows = {r[1]: r for r in revisited.revisions_after_first}
    assert set(rows) == {EDITED, REMOVED, SENT_HOME}
    _, _, revision, kind, digest, text, diff = rows[EDITED]
    assert (revision, kind) == (1, "edited")
    assert "380 000" in text and "360 000" not in text and digest == content_hash(text)
    assert "-Plus de 360 000 personnes" in diff and "+Plus de 380 000 personnes" in diff
    assert revisions.diff_counts(diff) == (1, 1)
    for url in (REMOVED, SENT_HOME):
        assert rows[url][2:4] == (1, "deleted") and rows[url][5] is None


@pytest.mark.slow
def test_articles_keep_one_row_each_with_the_new_text(revisited: Revisited) -> None:
    after = _articles(revisited.db)
    assert set(after) == set(revisited.before)
    with warehouse.read(revisited.db, 30) as con:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM articles").fetchone() == (10, 10)
        redirect = con.execute("SELECT status, final_url, failure FROM pages WHERE url = ? AND status <> 200",
                               [SENT_HOME]).fetchone()
    assert after[EDITED]["text"] != revisited.before[EDITED]["text"] and "380 000" in after[EDITED]["text"]
    assert after[EDITED]["story_id"] == revisited.before[EDITED]["story_id"]
    assert after[REMOVED]["deleted_at"] is not None and after[SENT_HOME]["deleted_at"] is not None
    assert redirect == (302, f"https://{HOST}/", "deleted: redirects to the home page")
    unchanged = set(after) - {EDITED, REMOVED, SENT_HOME}
    assert all(after[u]["deleted_at"] is None and after[u]["text"] == revisited.before[u]["text"] for u in unchanged)


@pytest.mark.slow
def test_a_second_revisit_records_nothing_new(revisited: Revisited) -> None:
    assert revisited.second.returncode == 0, revisited.second.stderr[-2000:]
    assert "xinhua-fr: 8 articles re-fetched, 0 edited, 0 deleted, 8 unchanged" in revisited.second.stdout
    assert _revision_rows(revisited.db) == revisited.revisions_after_first


@pytest.mark.slow
def test_veille_revisions_lists_both_kinds(revisited: Revisited) -> None:
    done = subprocess.run([VEILLE, "revisions", "--format", "json"], capture_output=True, text=True,
                          env=revisited.env, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = [json.loads(line) for line in done.stdout.splitlines()]
    by_url = {r["url"]: r for r in listed}
    assert set(by_url) == {EDITED, REMOVED, SENT_HOME}
    assert by_url[EDITED]["kind"] == "edited" and by_url[EDITED]["changes"] == "+1/-1 lines"
    assert {by_url[REMOVED]["kind"], by_url[SENT_HOME]["kind"]} == {"deleted"}
    assert all(r["source_id"] == "xinhua-fr" and r["revision"] == 1 for r in listed)
    later = subprocess.run([VEILLE, "revisions", "--since", "2999-01-01", "--format", "csv"], capture_output=True,
                           text=True, env=revisited.env, timeout=120)
    assert later.returncode == 0 and later.stdout.strip() == ",".join(revisions.LIST_COLUMNS)
    bad = subprocess.run([VEILLE, "revisions", "--since", "yesterday"], capture_output=True, text=True,
                         env=revisited.env, timeout=120)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
