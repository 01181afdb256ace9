"""Discovery parsing: feeds, sitemaps, listings, JSON data sources — and their safety against hostile XML."""

from __future__ import annotations

import gzip
import json

from pipeline.feeds import parse_feed, parse_json_source, parse_listing, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Chine</title>
<item><title>Sommet de la Chine num\xc3\xa9rique</title>
<link> https://french.news.cn/20260110/0123456789abcdef0123456789abcdef/c.html </link>
<pubDate>Sat, 10 Jan 2026 08:00:00 +0800</pubDate></item>
<item><title>Sans lien</title><guid isPermaLink="true">https://french.news.cn/g.html</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Un</title><link rel="self" href="https://x.cn/self"/><link href="https://x.cn/1.html"/>
<published>2026-01-10T10:00:00Z</published></entry></feed>"""


def test_rss_entries() -> None:
    entries = parse_feed(RSS)
    assert entries[0].url == "https://french.news.cn/20260110/0123456789abcdef0123456789abcdef/c.html"
    assert entries[0].title == "Sommet de la Chine numérique"
    assert entries[0].published == "2026-01-10T08:00:00+08:00"
    assert entries[1].url == "https://french.news.cn/g.html" and entries[1].published is None


def test_atom_entries() -> None:
    [entry] = parse_feed(ATOM)
    assert (entry.url, entry.title, entry.published) == ("https://x.cn/1.html", "Un", "2026-01-10T10:00:00+00:00")


def test_broken_input_gives_nothing() -> None:
    assert parse_feed(b"") == [] and parse_feed(b"<html><body>404</body></html>") == []
    assert parse_sitemap(b"not xml at all") == []
    assert parse_json_source(b"{oops") == []


def test_billion_laughs_and_external_entities_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">]>
<rss><channel><item><title>&lol6;</title><link>https://x.cn/a</link></item></channel></rss>"""
    entries = parse_feed(bomb)
    assert all(len(e.title or "") < 1000 for e in entries)
    xxe = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&x;</title><link>https://x.cn/b</link></item></channel></rss>"""
    assert all("root:" not in (e.title or "") for e in parse_feed(xxe))


def test_sitemap_news_and_index() -> None:
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    <url><loc>https://fr.sputniknews.africa/20260110/a-1.html</loc><lastmod>2026-01-10T09:00:00+03:00</lastmod>
    <news:news><news:title>Titre</news:title><news:publication_date>2026-01-10T08:00:00+03:00</news:publication_date></news:news></url>
    <url><loc>https://fr.sputniknews.africa/20260109/b-2.html</loc></url></urlset>"""
    entries = parse_sitemap(body)
    assert [e.url for e in entries] == ["https://fr.sputniknews.africa/20260110/a-1.html",
                                        "https://fr.sputniknews.africa/20260109/b-2.html"]
    assert entries[0].title == "Titre" and entries[0].published == "2026-01-10T08:00:00+03:00"
    assert entries[0].lastmod == "2026-01-10T09:00:00+03:00" and not entries[0].is_sitemap
    index = gzip.compress(b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://www.people.cn/s1.xml</loc><lastmod>2026-01-09</lastmod></sitemap></sitemapindex>""")
    [child] = parse_sitemap(index)
    assert child.is_sitemap and child.url == "https://www.people.cn/s1.xml" and (child.lastmod or "").startswith("2026-01-09")


def test_listing_selector_base_and_dedupe() -> None:
    page = """<html><head><base href="https://french.news.cn/europe/"></head><body>
    <a href="/menu.htm">menu</a>
    <div id="content-list"><div class="item"><div class="tit"><a href="../20260110/a/c.html#top">a</a></div></div>
    <div class="item"><div class="tit"><a href="https://french.news.cn/20260110/a/c.html">again</a></div></div>
    <div class="item"><div class="tit"><a href="javascript:void(0)">js</a></div></div></div></body></html>"""
    assert parse_listing(page, "https://french.news.cn/europe/index.htm", "#content-list .item .tit a") == \
        ["https://french.news.cn/20260110/a/c.html"]
    every = parse_listing(page.encode(), "https://french.news.cn/europe/index.htm", None)
    assert every == ["https://french.news.cn/menu.htm", "https://french.news.cn/20260110/a/c.html"]
    assert parse_listing("", "https://x.cn/", None) == []


def test_json_data_source() -> None:
    body = json.dumps({"status": 0, "data": {"list": [
        {"title": "标题", "publishUrl": "https://www.news.cn/politics/20260110/ab/c.html",
         "publishTime": "2026-01-10 08:30:00", "contentId": "1"},
        {"title": "no url"}]}}, ensure_ascii=False).encode()
    [entry] = parse_json_source(body)
    assert entry.url.endswith("/20260110/ab/c.html") and entry.title == "标题"
    assert entry.published == "2026-01-10T08:30:00"
