"""The replay mirror: URL mapping, the loopback static server, `veille mirror serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline.archive import WarcArchive, iter_records, read_record
from pipeline.mirror import from_mirror, mirror_file, serve_mirror, to_mirror
from tests.loopback import QuietHandler, serving

M = "http://127.0.0.1:8000"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://french.news.cn/20260110/ab/c.html", f"{M}/french.news.cn/20260110/ab/c.html"),
    ("http://example.org:8080/a?b=1&c=2", f"{M}/example.org:8080/a?b=1&c=2"),
    ("https://french.news.cn", f"{M}/french.news.cn/"),
])
def test_to_mirror(url: str, expected: str) -> None:
    assert to_mirror(url, M) == expected
    assert to_mirror(url, M + "/") == expected


def test_from_mirror_maps_back_with_the_original_scheme() -> None:
    assert from_mirror(f"{M}/french.xinhuanet.com/x/c.htm?q=1", M) == "https://french.xinhuanet.com/x/c.htm?q=1"
    assert from_mirror(f"{M}/en.people.cn/n3/", M, scheme="http") == "http://en.people.cn/n3/"
    assert from_mirror("http://127.0.0.1:9999/french.news.cn/", M) is None
    assert from_mirror("https://french.news.cn/a", M) is None
    assert from_mirror(f"{M}/", M) is None
    # a mirror under a path prefix
    assert from_mirror("http://h/m/host.cn/p", "http://h/m") == "https://host.cn/p"
    assert from_mirror("http://h/other/host.cn/p", "http://h/m") is None


def test_round_trip() -> None:
    url = "https://sputnikglobe.com/20260110/slug-123.html?amp=1"
    assert from_mirror(to_mirror(url, M), M) == url


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def test_serve_mirror_layout_and_request_log(tmp_path: Path) -> None:
    (tmp_path / "h.cn" / "rss").mkdir(parents=True)
    (tmp_path / "h.cn" / "index.html").write_text("<html>home</html>", encoding="utf-8")
    (tmp_path / "h.cn" / "rss" / "chine.xml").write_text("<rss/>", encoding="utf-8")
    (tmp_path / "h.cn" / "c.htm").write_text("<html>c</html>", encoding="utf-8")
    (tmp_path.parent / "outside.txt").write_text("no", encoding="utf-8")
    assert mirror_file(tmp_path, "/../outside.txt") is None
    assert mirror_file(tmp_path, "/h.cn/rss/chine.xml?q=2") == (tmp_path / "h.cn" / "rss" / "chine.xml").resolve()
    with serve_mirror(tmp_path) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert _get(server.url + "/h.cn/") == (200, "text/html", b"<html>home</html>")
        assert _get(server.url + "/h.cn/rss/chine.xml?x=1")[:2] == (200, "application/xml")
        assert _get(server.url + "/h.cn/c.htm")[1] == "text/html"
        assert _get(server.url + "/h.cn/missing.html")[0] == 404
        assert _get(server.url + "/h.cn/../../outside.txt")[0] == 404
        assert server.requests[:2] == ["/h.cn/", "/h.cn/rss/chine.xml?x=1"]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url + "/h.cn/", timeout=2)


def test_cli_mirror_serve_prints_its_url(tmp_path: Path) -> None:
    (tmp_path / "h.cn").mkdir()
    (tmp_path / "h.cn" / "index.html").write_text("ok", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "mirror", "serve", str(tmp_path)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split()[0]
        assert _get(url + "/h.cn/")[2] == b"ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_archive_round_trip(tmp_path: Path) -> None:
    with WarcArchive(tmp_path / "a.warc.gz") as archive:
        first = archive.write_response("https://h.cn/a", 200, "OK",
                                       [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], b"<p>un</p>")
        second = archive.write_response("https://h.cn/b", 404, "Not Found", [], "deux é".encode())
    record = read_record(tmp_path / "a.warc.gz", second)
    assert (record.url, record.status, record.body) == ("https://h.cn/b", 404, "deux é".encode())
    record = read_record(tmp_path / "a.warc.gz", first)
    assert record.headers["Content-Type"] == "text/html" and "Content-Encoding" not in record.headers
    assert [r.url for r in iter_records(tmp_path / "a.warc.gz")] == ["https://h.cn/a", "https://h.cn/b"]


class _LiveSite(QuietHandler):
    """A stand-in for a live site on 127.0.0.1: a feed, two articles, a section index, one 404; logs User-Agents."""

    agents: list[str] = []

    def do_GET(self) -> None:
        self.agents.append(self.headers.get("User-Agent", ""))
        base = f"http://{self.headers['Host']}"
        pages = {
            "/rss/90000.xml": ("application/xml", "<?xml version='1.0'?><rss version='2.0'><channel>"
                               f"<item><link>{base}/n3/a1.html</link></item>"
                               f"<item><link>{base}/n3/a2.html</link></item>"
                               "<item><link>http://elsewhere.example/x.html</link></item></channel></rss>"),
            "/n3/a1.html": ("text/html", "<html><body><p>Article one</p><a href='/world/'>World</a></body></html>"),
            "/n3/a2.html": ("text/html", "<html><body><p>Article two</p></body></html>"),
            "/world/": ("text/html", "<html><body><a href='/n3/a1.html'>one</a></body></html>"),
        }
        if self.path not in pages:
            self.send_error(404)
            return
        kind, text = pages[self.path]
        self.answer(200, {"Content-Type": kind}, text.encode("utf-8"))


def test_mirror_record_saves_the_mirror_layout(tmp_path: Path) -> None:
    from tests.conftest import VEILLE

    _LiveSite.agents = []
    with serving(_LiveSite) as server:
        host = server.url.split("://", 1)[1]
        out = tmp_path / "mirror"
        env = {**os.environ, "VEILLE_CONTACT": "desk@example.org"}
        done = subprocess.run([VEILLE, "mirror", "record", f"http://{host}/rss/90000.xml", f"http://{host}/world/",
                               f"http://{host}/missing.html", "--out", str(out), "--depth", "1"],
                              capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (out / host / "rss" / "90000.xml").read_bytes().startswith(b"<?xml")
        assert b"Article one" in (out / host / "n3" / "a1.html").read_bytes()
        assert b"Article two" in (out / host / "n3" / "a2.html").read_bytes(), "depth 1 follows feed items"
        assert (out / host / "world" / "index.html").is_file(), "a path ending in / is saved as index.html"
        assert not (out / "elsewhere.example").exists(), "links to other hosts are not followed"
        assert "missing.html: not saved (http 404)" in done.stderr and "saved 4 of 5" in done.stderr
        assert all(a.startswith("veille/") and a.endswith("desk@example.org") for a in _LiveSite.agents)
        # what was recorded replays through --mirror's layout
        with serve_mirror(out) as mirror, urllib.request.urlopen(f"{mirror.url}/{host}/n3/a1.html") as replay:
            assert b"Article one" in replay.read()
        shallow = subprocess.run([VEILLE, "mirror", "record", f"http://{host}/rss/90000.xml", "--out",
                                  str(tmp_path / "m0")], capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert shallow.returncode == 0 and not (tmp_path / "m0" / host / "n3").exists(), "depth 0: only the URLs"
        nothing = subprocess.run([VEILLE, "mirror", "record", f"http://{host}/missing.html", "--out",
                                  str(tmp_path / "m1")], capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert nothing.returncode == 1
