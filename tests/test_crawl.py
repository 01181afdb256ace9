"""End-to-end crawls: real Scrapy processes (`python -m spiders.crawl`, `scrapy crawl`) against loopback mirrors."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from pipeline import sources
from pipeline.archive import iter_records, read_record
from pipeline.mirror import serve_mirror
from pipeline.urls import canonical_url
from tests.loopback import serving

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
PYTHON = sys.executable
HOST = "french.news.cn"


def art(day: str, n: int) -> str:
    """A xinhua-fr article URL (32 hex digits, as the declared pattern wants)."""
    return f"https://{HOST}/{day}/{n:032x}/c.html"


A1, A2, A3, SEEN, BLOCKED = art("20260110", 1), art("20260110", 2), art("20260109", 3), art("20260110", 4), \
    art("20260111", 5)
REDIRECTED, OFFSITE, PRIVATE = art("20260110", 6), art("20260110", 7), art("20260110", 8)


def seed_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def article_html(title: str, text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.splitlines() if p.strip())
    return (f"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><div class=\"conTop\"><h1>{html.escape(title)}</h1></div><div class=\"time\">2026-01-10"
            f"</div><div id=\"detailContent\">{paragraphs}</div></body></html>")


def rss(items: list[tuple[str, str]]) -> str:
    body = "".join(f"<item><title>{html.escape(t)}</title><link>{u}</link>"
                   f"<pubDate>Sat, 10 Jan 2026 08:00:00 +0800</pubDate></item>" for u, t in items)
    return f"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Chine</title>{body}</channel></rss>"


def listing_html(selector: str | None, urls: list[str]) -> str:
    """A listing page whose links the declared selector picks (simple descendant selectors)."""
    links = "".join(f"<a href=\"{u}\">lien</a>" for u in urls)
    if not selector:
        return f"<html><body>{links}<a href=\"/europe/index.htm\">Europe</a></body></html>"
    tokens = selector.split()
    inner = ""
    for url in urls:
        node = f"<a href=\"{url.replace('https://' + HOST, '')}\">lien</a>"
        for token in reversed(tokens[:-1]):
            tag = re.match(r"[a-z0-9]*", token).group(0) or "div"  # type: ignore[union-attr]
            ident = re.findall(r"#([\w-]+)", token)
            classes = re.findall(r"\.([\w-]+)", token)
            attrs = (f" id=\"{ident[0]}\"" if ident else "") + (f" class=\"{' '.join(classes)}\"" if classes else "")
            if ident and token is tokens[0]:
                continue  # the container with the id is written once, around every item
            node = f"<{tag}{attrs}>{node}</{tag}>"
        inner += node
    first = tokens[0]
    if "#" in first and len(tokens) > 1:
        tag = re.match(r"[a-z0-9]*", first).group(0) or "div"  # type: ignore[union-attr]
        ident = re.findall(r"#([\w-]+)", first)[0]
        inner = f"<{tag} id=\"{ident}\">{inner}</{tag}>"
    return f"<html><body><a href=\"/europe/other.htm\">menu</a>{inner}</body></html>"


def write(root: Path, url: str, content: str) -> None:
    path = root / url.split("://", 1)[1]
    if url.endswith("/"):
        path = path / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def build_mirror(root: Path) -> dict[str, Any]:
    """A small xinhua-fr mirror: a feed, a listing, articles from two real seed texts, a robots.txt."""
    source = sources.get("xinhua-fr")
    text1, text2 = seed_text("seed_001_digital_china_summit.txt"), seed_text("seed_003_sputnik_afrique.txt")
    write(root, f"https://{HOST}/robots.txt", "User-agent: *\nDisallow: /20260111/\n")
    feed_items = [(A1, "Sommet de la Chine numérique"), (SEEN, "Déjà vu"), (BLOCKED, "Interdit"),
                  (REDIRECTED, "Déplacé"), (OFFSITE, "Ailleurs"), (PRIVATE, "Privé")]
    write(root, source.feeds[0], rss(feed_items))
    if source.listings:
        listing = source.listings[0]
        write(root, listing.url, listing_html(listing.link_selector, [A1, A2, A3]))
    for url, text in ((A1, text1), (A2, text2), (A3, text1), (SEEN, text2), (BLOCKED, text1)):
        write(root, url, article_html(text.splitlines()[0][:60], text))
    return {"source": source}


def run_crawl(out: Path, mirror: str, *extra: str, env: dict[str, str] | None = None,
              source: str = "xinhua-fr", as_of: str = "2026-01-10") -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "VEILLE_DOWNLOAD_DELAY": "0", "VEILLE_RETRY_TIMES": "0", **(env or {})}
    environ.pop("VEILLE_LOG_LEVEL", None)
    return subprocess.run([PYTHON, "-m", "spiders.crawl", "--source", source, "--out", str(out), "--mirror", mirror,
                           "--as-of", as_of, "--archive", str(out / "archive"), "--run-id", "t1", *extra],
                          env=environ, cwd=REPO, capture_output=True, text=True, timeout=120)


def pages(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def mirror_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("mirror")
    build_mirror(root)
    out = tmp_path_factory.mktemp("out")
    seen = out / "seen.txt"
    seen.write_text(canonical_url(SEEN) + "\n", encoding="utf-8")
    with serve_mirror(root) as server:
        done = run_crawl(out, server.url, "--seen", str(seen))
        requests = server.requests
    yield {"out": out, "done": done, "requests": requests, "pages": pages(out)}


def test_crawl_runs_and_writes_its_outputs(mirror_crawl: dict[str, Any]) -> None:
    done = mirror_crawl["done"]
    assert done.returncode == 0, done.stderr
    summary = json.loads((mirror_crawl["out"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["source_id"] == "xinhua-fr" and summary["run_id"] == "t1" and summary["error"] is None
    assert summary["articles"] == 3
    assert summary["requests"] >= len([p for p in mirror_crawl["pages"] if p["status"] is not None])
    assert re.search(r"xinhua-fr: \d+ requests, 3 articles, \d+ failures", done.stderr)
    for page in mirror_crawl["pages"]:
        assert set(page) >= {"url", "final_url", "kind", "status", "fetched_at", "warc_file", "warc_offset",
                             "content_hash", "bytes", "failure", "feed_date", "feed_title", "charset"}


def test_stored_urls_are_the_originals(mirror_crawl: dict[str, Any]) -> None:
    urls = {p["url"] for p in mirror_crawl["pages"]} | {p["final_url"] for p in mirror_crawl["pages"]}
    assert not any("127.0.0.1" in u for u in urls)
    assert {A1, A2, A3} <= urls
    article = next(p for p in mirror_crawl["pages"] if p["url"] == A1)
    assert article["status"] == 200 and article["kind"] == "article" and article["failure"] is None
    assert article["feed_date"] == "2026-01-10T08:00:00+08:00"
    record = read_record(article["warc_file"], article["warc_offset"])
    assert record.url == A1 and record.status == 200
    assert "Sommet de la Chine numérique" in record.body.decode("utf-8")
    assert all(r.url.startswith("https://") for r in iter_records(article["warc_file"]))


def test_robots_txt_is_read_from_the_mirror_and_obeyed(mirror_crawl: dict[str, Any]) -> None:
    assert f"/{HOST}/robots.txt" in mirror_crawl["requests"]
    assert not any("/20260111/" in path for path in mirror_crawl["requests"])
    blocked = next(p for p in mirror_crawl["pages"] if p["url"] == BLOCKED)
    assert blocked["status"] is None and "robots" in blocked["failure"]
    robots = [p for p in mirror_crawl["pages"] if p["kind"] == "robots"]
    assert [p["url"] for p in robots] == [f"https://{HOST}/robots.txt"]


def test_seen_urls_are_never_requested(mirror_crawl: dict[str, Any]) -> None:
    seen_path = "/" + SEEN.split("://", 1)[1]
    assert seen_path not in mirror_crawl["requests"]
    assert SEEN not in {p["url"] for p in mirror_crawl["pages"]}


def test_url_in_feed_and_listing_is_fetched_once(mirror_crawl: dict[str, Any]) -> None:
    path = "/" + A1.split("://", 1)[1]
    assert mirror_crawl["requests"].count(path) == 1
    assert [p["url"] for p in mirror_crawl["pages"]].count(A1) == 1


def test_unknown_source_exits_2(tmp_path: Path) -> None:
    done = subprocess.run([PYTHON, "-m", "spiders.crawl", "--source", "nope-xx", "--out", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "nope-xx" in done.stderr


class _ContractHandler(SimpleHTTPRequestHandler):
    """A plain static server plus the few answers a static server cannot give (redirects, 304)."""

    log: list[tuple[str, dict[str, str]]] = []
    redirects: dict[str, str] = {}
    etags: dict[str, str] = {}

    def do_GET(self) -> None:
        self.log.append((self.path, dict(self.headers.items())))
        path = self.path.split("?", 1)[0]
        if path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[path].replace("{base}", f"http://127.0.0.1:{self.server.server_address[1]}"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        tag = self.etags.get(path)
        if tag and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.end_headers()
            return
        super().do_GET()

    def end_headers(self) -> None:
        tag = self.etags.get(self.path.split("?", 1)[0])
        if tag:
            self.send_header("ETag", tag)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def test_contract_with_plain_static_server(tmp_path: Path) -> None:
    """Redirects inside the mirror map back, offsite and private redirects are refused, 304 ends a feed."""
    root = tmp_path / "mirror"
    ctx = build_mirror(root)
    feed = ctx["source"].feeds[0]
    feed_path = "/" + feed.split("://", 1)[1]
    moved = "https://french.xinhuanet.com/20260110/" + f"{6:032x}" + "/c.html"
    write(root, moved, article_html("Déplacé", seed_text("seed_003_sputnik_afrique.txt")))
    _ContractHandler.log = []
    _ContractHandler.redirects = {
        "/" + REDIRECTED.split("://", 1)[1]: "{base}" + "/" + moved.split("://", 1)[1],
        "/" + OFFSITE.split("://", 1)[1]: "{base}/www.example.org/page.html",
        "/" + PRIVATE.split("://", 1)[1]: "http://localhost:9/secret.html",
    }
    _ContractHandler.etags = {feed_path: '"v1"'}

    class Handler(_ContractHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

    with serving(Handler) as server:
        base = server.url
        out1 = tmp_path / "run1"
        done = run_crawl(out1, base + "/")
        assert done.returncode == 0, done.stderr
        first = {p["url"]: p for p in pages(out1)}
        # a redirect to another host inside the mirror comes back as https://HOST2/PATH2
        assert first[REDIRECTED]["final_url"] == moved and first[REDIRECTED]["status"] == 200
        assert first[OFFSITE]["failure"].startswith("offsite redirect")
        assert first[PRIVATE]["failure"] == "private address"
        assert not any(path.startswith("/www.example.org") for path, _ in _ContractHandler.log)
        assert first[feed]["etag"] == '"v1"'

        validators = tmp_path / "validators.json"
        validators.write_text(json.dumps({feed: {"etag": '"v1"', "last_modified": None}}), encoding="utf-8")
        out2 = tmp_path / "run2"
        _ContractHandler.log = []
        done = run_crawl(out2, base, "--validators", str(validators))
        assert done.returncode == 0, done.stderr
        second = {p["url"]: p for p in pages(out2)}
        assert second[feed]["status"] == 304 and second[feed]["failure"] is None
        sent = [h for path, h in _ContractHandler.log if path == feed_path]
        assert sent and sent[0].get("If-None-Match") == '"v1"'
        # the 304 ended the feed branch: articles only the feed announced are not fetched
        assert SEEN not in second and REDIRECTED not in second


def test_scrapy_crawl_command_uses_scrapy_cfg(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    build_mirror(root)
    out = tmp_path / "out"
    with serve_mirror(root) as server:
        env = {**os.environ, "VEILLE_MIRROR": server.url, "VEILLE_DOWNLOAD_DELAY": "0",
               "VEILLE_ARCHIVE_DIR": str(tmp_path / "archive"), "VEILLE_WORK_DIR": str(tmp_path / "work")}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        done = subprocess.run([str(Path(PYTHON).parent / "scrapy"), "crawl", "source", "-a", "source=xinhua-fr",
                               "-a", "as_of=2026-01-10", "-s", f"VEILLE_OUT={out}"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        requests = server.requests
    assert done.returncode == 0, done.stderr
    assert f"/{HOST}/robots.txt" in requests
    found = {p["url"] for p in pages(out)}
    assert A1 in found and A2 in found
    assert list((tmp_path / "archive").glob("*-xinhua-fr.warc.gz"))


# ---------------------------------------------------------------- multi-page articles (People's Daily English)

PEOPLE = "http://en.people.cn/n3/2026/0110"
LONG, SHORT, ONLY_PAGE2 = f"{PEOPLE}/c90000-20400001.html", f"{PEOPLE}/c90000-20400002.html", \
    f"{PEOPLE}/c90000-20400003.html"


def people_page(title: str, paragraphs: list[str], pager: list[str]) -> str:
    """A page modelled on the People's Daily template (.col-1 h1, div.col-1-1, div.rm_txt_con) with a pager."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    links = "".join(f'<a href="{u.rsplit("/", 1)[1]}">{n + 1}</a>' for n, u in enumerate(pager))
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"--People's Daily Online</title></head><body><div class=\"col-1\"><h1>{html.escape(title)}</h1>"
            f"<div class=\"col-1-1\">2026-01-10 09:12 | Source: Xinhua</div><div class=\"rm_txt_con\">{body}"
            f"<div class=\"page_n\">{links}</div></div><div class=\"edit\">(Web editor: A. B.)</div></div>"
            "</body></html>")


def build_people_mirror(root: Path) -> dict[str, list[str]]:
    """people-en: a three-page article, a one-page article, and a two-page one whose page 2 alone is in the feed."""
    text = [p for p in seed_text("seed_001_digital_china_summit.txt").splitlines() if p.strip()]
    # the seed's first lines are its date/URL header and title, not prose
    other = [p for p in seed_text("seed_003_sputnik_afrique.txt").splitlines() if len(p) > 100 and "://" not in p]
    source = sources.get("people-en")
    long_pages = [LONG, LONG.replace(".html", "-2.html"), LONG.replace(".html", "-3.html")]
    only = [ONLY_PAGE2, ONLY_PAGE2.replace(".html", "-2.html")]
    thirds = [text[:5], text[5:10], text[10:]]
    for url, part in zip(long_pages, thirds, strict=True):
        write(root, url, people_page("Digital China Summit opens in Fuzhou", part, long_pages))
    write(root, SHORT, people_page("Cloud cities forum", other, []))
    write(root, only[0], people_page("Industrial internet", text[:4], only))
    write(root, only[1], people_page("Industrial internet", other[:3], only))
    write(root, "http://en.people.cn/robots.txt", "User-agent: *\nAllow: /\n")
    write(root, source.feeds[0], rss([(LONG, "Digital China Summit"), (SHORT, "Cloud cities"),
                                      (only[1], "Industrial internet, page 2")]))
    return {"long": long_pages, "only": only, "thirds": [p[0] for p in thirds], "other": other[:3]}


def test_multi_page_article_is_stitched_and_later_pages_are_not_articles(tmp_path: Path) -> None:
    from pipeline import daily, settings
    from pipeline.process import build_batch

    root = tmp_path / "mirror"
    built = build_people_mirror(root)
    out = tmp_path / "out"
    with serve_mirror(root) as server:
        done = run_crawl(out, server.url, source="people-en")
        requests = server.requests
    assert done.returncode == 0, done.stderr
    found = pages(out)
    kinds = {p["url"]: p["kind"] for p in found}
    assert kinds[LONG] == "article" and kinds[SHORT] == "article" and kinds[ONLY_PAGE2] == "article"
    for url in built["long"][1:] + built["only"][1:]:
        assert kinds[url] == "article-page", url
        assert requests.count("/" + url.split("://", 1)[1]) == 1, f"{url} fetched more than once"
    assert kinds[LONG + "#page-1"] == "article-page", "page 1 as fetched is archived beside the stitched text"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["articles"] == 3
    stitched = next(p for p in found if p["url"] == LONG)
    record = read_record(stitched["warc_file"], stitched["warc_offset"])
    assert record.headers.get("X-Veille-Stitched") == " ".join(built["long"][1:])

    cfg = settings.load(environ={})
    batch = build_batch(out, sources.get("people-en"), "t1", "2026-01-10", daily.tagger(cfg), [])
    articles = {a["url"]: a for a in batch.rows.get("articles", [])}
    assert set(articles) == {LONG, SHORT, ONLY_PAGE2}, "pages 2+ are never articles of their own"
    long_text = articles[LONG]["text"]
    for first_paragraph in built["thirds"]:
        assert first_paragraph[:80] in long_text, "every page's text is in the one article"
    assert long_text.index(built["thirds"][0][:40]) < long_text.index(built["thirds"][2][:40])
    assert built["other"][0][:60] in articles[ONLY_PAGE2]["text"]
    assert articles[SHORT]["title"] == "Cloud cities forum"


# ---------------------------------------------------------------- reachability: challenge pages and proxies

CHALLENGE_HTML = ("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
                  "<div id=\"cf-browser-verification\">Checking your browser before accessing en.people.cn."
                  "</div><script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1\"></script></body></html>")
CONSENT_HTML = ("<html><head><title>People's Daily Online</title></head><body><div class=\"consent\">"
                "<h2>We value your privacy</h2><p>We and our partners use cookies.</p>"
                "<button>Accept all cookies</button></div></body></html>")


def test_challenge_and_consent_pages_are_recorded_not_stored(tmp_path: Path) -> None:
    from pipeline import daily, settings
    from pipeline.process import build_batch

    root = tmp_path / "mirror"
    build_people_mirror(root)
    write(root, SHORT, CHALLENGE_HTML)
    write(root, ONLY_PAGE2, CONSENT_HTML)
    out = tmp_path / "out"
    with serve_mirror(root) as server:
        done = run_crawl(out, server.url, source="people-en")
    assert done.returncode == 0, done.stderr
    found = {p["url"]: p for p in pages(out)}
    assert found[SHORT]["failure"] == "challenge page" and found[ONLY_PAGE2]["failure"] == "challenge page"
    assert found[LONG]["failure"] is None
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["challenge_pages"] == 2 and summary["articles"] == 1 and summary["failures"] >= 2
    batch = build_batch(out, sources.get("people-en"), "t1", "2026-01-10", daily.tagger(settings.load(environ={})),
                        [])
    assert {a["url"] for a in batch.rows["articles"]} == {LONG}
    rows = {r["url"]: r for r in batch.rows["pages"]}
    assert rows[SHORT]["failure"] == "challenge page", "the reason reaches the pages table (and source health)"


@pytest.mark.parametrize(("body", "expected"), [
    (CHALLENGE_HTML, "challenge page"),
    (CONSENT_HTML, "challenge page"),
    ("<html><body><div class=\"g-recaptcha\" data-sitekey=\"x\"></div></body></html>", "challenge page"),
    # an article that talks about captchas is still an article
    ("<html><head><title>Bots and captcha farms</title></head><body>"
     + "<p>Researchers said captcha farms keep growing as platforms add checks. " * 60 + "</p></body></html>", None),
])
def test_challenge_detector(body: str, expected: str | None) -> None:
    from pipeline.sources.reach import challenge_reason

    assert challenge_reason({}, body.encode("utf-8")) == expected
    assert challenge_reason({"cf-mitigated": "challenge"}, b"<html></html>") == "challenge page"


class _ProxyHandler(SimpleHTTPRequestHandler):
    """A forward HTTP proxy standing in for the network: answers absolute-URI requests from a HOST/PATH tree."""

    root: Path = Path()
    log: list[str] = []

    def do_GET(self) -> None:
        from pipeline.mirror import mirror_file

        self.log.append(self.path)
        if "://" not in self.path:
            self.send_error(400, "a proxy wants absolute URIs")
            return
        found = mirror_file(self.root, "/" + self.path.split("://", 1)[1])
        if found is None:
            self.send_error(404)
            return
        body = found.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml" if found.suffix == ".xml" else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def test_per_source_proxy_carries_every_request(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    build_people_mirror(root)
    _ProxyHandler.root, _ProxyHandler.log = root, []
    with serving(_ProxyHandler) as server:
        proxy = server.url
        out = tmp_path / "out"
        # no mirror: without the proxy en.people.cn would not even resolve here
        environ = {**os.environ, "VEILLE_DOWNLOAD_DELAY": "0", "VEILLE_RETRY_TIMES": "0",
                   "VEILLE_PROXIES": f"xinhua-fr=http://127.0.0.1:9,people-en={proxy}"}
        done = subprocess.run([PYTHON, "-m", "spiders.crawl", "--source", "people-en", "--out", str(out),
                               "--as-of", "2026-01-10", "--archive", str(out / "archive"), "--run-id", "p1"],
                              env=environ, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "http://en.people.cn/robots.txt" in _ProxyHandler.log, "robots.txt goes through the proxy too"
    assert LONG in _ProxyHandler.log and SHORT in _ProxyHandler.log
    found = {p["url"]: p for p in pages(out)}
    assert found[LONG]["status"] == 200 and found[LONG]["kind"] == "article"
    assert not any("127.0.0.1" in p["url"] for p in found.values()), "stored URLs are the originals"
