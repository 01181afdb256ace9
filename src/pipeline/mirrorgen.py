"""Render replay mirrors (HOST/PATH trees) of the monitored outlets from article texts.

The page shapes follow the structures documented per outlet in the design notes
(Xinhua's current template, Sputnik's article__* platform, People's Daily's
rm_txt_con template, PR Newswire releases). They are models, not captures: every
page says so in a leading comment, so a recorded crawl can replace them later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pipeline.sources.model import Source

DEFAULT_NOTE = ("modelled on the documented page structure of the outlet (design notes, SOURCES.md); "
                "not captured from the site")

_FR_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


@dataclass(frozen=True)
class MirrorArticle:
    """One article to place on a mirror: where it lives and what it says."""

    source_id: str
    url: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime                 # timezone-aware, in the outlet's local offset
    section: str = ""                   # rubric shown in breadcrumbs and feeds
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Edition:
    site: str                           # site name shown in <title> and footers
    lang: str
    section_url: str                    # a section/tag page (not an article)
    video_url: str                      # a video page (not an article); {d} = YYYYMMDD, {h} = hex
    nav: tuple[str, ...]


_EDITIONS: dict[str, _Edition] = {
    "xinhua-fr": _Edition("French.news.cn", "fr", "https://french.news.cn/chine/index.htm",
                          "https://french.news.cn/video/{d}/{h}/c.html",
                          ("Chine", "Monde", "Afrique", "Europe", "Economie", "Culture", "Science")),
    "xinhua-en": _Edition("Xinhua", "en", "https://english.news.cn/world/index.htm",
                          "https://english.news.cn/video/{d}/{h}/c.html",
                          ("China", "World", "Business", "Sci-Tech", "Culture", "Photos", "Video")),
    "xinhua-zh": _Edition("新华网", "zh", "https://www.news.cn/world/",
                          "https://www.news.cn/video/{d}/{h}/c.html",
                          ("首页", "时政", "国际", "财经", "科技", "文化", "视频")),
    "sputnik-fr": _Edition("Sputnik Afrique", "fr", "https://fr.sputniknews.africa/keyword_brics/",
                           "https://fr.sputniknews.africa/video/{d}/{h}.html",
                           ("Afrique", "International", "Economie", "Défense", "Vidéo")),
    "sputnik-en": _Edition("Sputnik International", "en", "https://sputnikglobe.com/world/",
                           "https://sputnikglobe.com/video/{d}/{h}.html",
                           ("World", "Russia", "Africa", "Economy", "Military", "Video")),
    "people-fr": _Edition("le Quotidien du Peuple en ligne", "fr",
                          "http://french.peopledaily.com.cn/Dossiers/index.html",
                          "http://french.peopledaily.com.cn/Video/n3/{y}/{md}/c96851-{n}.html",
                          ("Chine", "Economie", "International", "Opinion", "Culture", "Sciences")),
    "people-en": _Edition("People's Daily Online", "en", "http://en.people.cn/90777/index.html",
                          "http://en.people.cn/video/{y}/{md}/v{n}.html",
                          ("China", "World", "Business", "Society", "Culture", "Sci-Tech", "Video")),
    "people-zh": _Edition("人民网", "zh", "http://politics.people.com.cn/GB/1024/index.html",
                          "http://tv.people.com.cn/n1/{y}/{md}/c141029-{n}.html",
                          ("首页", "时政", "国际", "财经", "社会", "文化", "视频")),
    "prnewswire-fr": _Edition("PR Newswire", "fr", "https://www.prnewswire.com/fr/news/xinhua-silk-road/",
                              "https://www.prnewswire.com/fr/multimedia/{h}.html",
                              ("Communiqués de presse", "Multimédia", "Journalistes", "Contact")),
}


def _stable_hex(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def side_pages(source_id: str, day: date) -> dict[str, str]:
    """The section page and the video page of a source's mirror on a day (neither is an article)."""
    ed = _EDITIONS[source_id]
    h = _stable_hex(source_id, day.isoformat(), "video")
    video = ed.video_url.format(d=day.strftime("%Y%m%d"), h=h[:32], y=day.year, md=day.strftime("%m%d"),
                                n=str(int(h[:8], 16) % 9_000_000 + 1_000_000))
    return {"section": ed.section_url, "video": video}


def url_to_path(root: Path, url: str) -> Path:
    """Where a URL's response lives in a HOST/PATH mirror (query dropped, index.html for '/')."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    return root / parts.netloc / path.lstrip("/")


def _comment(note: str) -> str:
    return f"<!-- {escape(note)} -->\n"


def _time_text(source_id: str, when: datetime) -> str:
    outlet, _, lang = source_id.partition("-")
    if outlet == "sputnik":
        return when.strftime("%H:%M %d.%m.%Y")
    if outlet == "people":
        if lang == "fr":
            return when.strftime("%d.%m.%Y %Hh%M")
        if lang == "en":
            return when.strftime("%H:%M, %B %d, %Y")
        return when.strftime("%Y年%m月%d日%H:%M")
    if outlet == "prnewswire":
        return f"{when.day:02d} {_FR_MONTHS[when.month - 1]}, {when.year}, {when:%H:%M} ET"
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _nav(source_id: str) -> str:
    ed = _EDITIONS[source_id]
    items = "".join(f'<li><a href="{escape(ed.section_url)}">{escape(n)}</a></li>' for n in ed.nav)
    return f'<div class="nav-bar"><ul class="nav-list">{items}</ul></div>\n'


def _related(articles: Sequence[MirrorArticle], heading: str) -> str:
    links = "".join(f'<li><a href="{escape(a.url)}">{escape(a.title)}</a></li>' for a in articles)
    return f'<div class="related"><h3>{escape(heading)}</h3><ul>{links}</ul></div>\n'


def _paras(paragraphs: Iterable[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<p{attr}>{escape(p)}</p>\n" for p in paragraphs)


def _head(lang: str, title: str, extra: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n{extra}</head>\n")


def _xinhua_article(a: MirrorArticle, related: Sequence[MirrorArticle], note: str) -> str:
    ed = _EDITIONS[a.source_id]
    suffix = {"fr": "-French.news.cn", "en": "-Xinhua", "zh": "-新华网"}[ed.lang]
    source_line = {"fr": "Source: Xinhua", "en": "Source: Xinhua", "zh": "来源：新华网"}[ed.lang]
    more = {"fr": "À lire aussi", "en": "Related", "zh": "相关新闻"}[ed.lang]
    meta = (f'<meta name="description" content="{escape(a.paragraphs[0][:160])}">\n'
            f'<meta name="section" content="{escape(a.section)}">\n')
    return (_comment(note) + _head(ed.lang, a.title + suffix, meta) + "<body>\n"
            f'<div class="header"><a class="logo" href="{escape(_home(a.url))}">{escape(ed.site)}</a></div>\n'
            + _nav(a.source_id)
            + '<div class="main clearfix">\n<div class="conTop">\n'
            f'<div class="curpos"><a href="{escape(_home(a.url))}">{escape(ed.site)}</a> &gt; '
            f"{escape(a.section)}</div>\n"
            f"<h1>{escape(a.title)}</h1>\n"
            f'<div class="infoBox"><span class="time">{_time_text(a.source_id, a.published)}</span> '
            f'<span class="source">{source_line}</span></div>\n</div>\n'
            '<div class="mainCon">\n<div id="detailContent">\n' + _paras(a.paragraphs) + "</div>\n"
            f'<div class="editor">[{"Rédacteur" if ed.lang == "fr" else "Editor" if ed.lang == "en" else "责任编辑"}: '
            "Xinhua]</div>\n</div>\n" + _related(related, more)
            + '</div>\n<div class="foot"><p>Copyright © Xinhua News Agency. All rights reserved.</p>'
            '<p><a href="/about.htm">About</a> | <a href="/contact.htm">Contact</a></p></div>\n'
            "</body>\n</html>\n")


def _sputnik_article(a: MirrorArticle, related: Sequence[MirrorArticle], note: str) -> str:
    ed = _EDITIONS[a.source_id]
    lead, body = a.paragraphs[0], a.paragraphs[1:]
    tags = "".join(f'<li class="tag"><a class="tag__text" href="{escape(_home(a.url))}keyword_'
                   f'{escape(t.lower().replace(" ", "_"))}/">{escape(t)}</a></li>' for t in a.tags)
    blocks = "".join(f'<div class="article__block" data-type="text"><div class="article__text">{escape(p)}'
                     "</div></div>\n" for p in body)
    meta = (f'<meta property="og:title" content="{escape(a.title)}">\n'
            f'<meta property="article:published_time" content="{a.published.isoformat()}">\n')
    more = "À lire aussi" if ed.lang == "fr" else "Read more"
    return (_comment(note) + _head(ed.lang, f"{a.title} - {a.published:%d.%m.%Y}, {ed.site}", meta)
            + "<body>\n" f'<header class="page__header"><a class="logo" href="{escape(_home(a.url))}">'
            f"{escape(ed.site)}</a></header>\n" + _nav(a.source_id)
            + f'<div class="article" data-published="{a.published.isoformat()}">\n'
            '<div class="article__meta"><span class="article__views">1234</span></div>\n'
            '<div class="article__header">\n'
            f'<h1 class="article__title">{escape(a.title)}</h1>\n'
            f'<div class="article__announce-text">{escape(lead)}</div>\n'
            '<div class="article__info"><div class="article__info-date">'
            f'<a href="#" data-unixtime="{int(a.published.timestamp())}">'
            f"{_time_text(a.source_id, a.published)}</a></div></div>\n</div>\n"
            f'<div class="article__body">\n{blocks}</div>\n'
            f'<div class="article__tags"><ul class="tags">{tags}</ul></div>\n'
            '<div class="article__google-news"><a href="#">Suivez-nous sur Google News</a></div>\n'
            f'<div class="article__footer">{escape(ed.site)} — abonnez-vous à nos canaux</div>\n</div>\n'
            + _related(related, more)
            + f'<footer class="footer"><p>© {a.published.year} {escape(ed.site)}</p></footer>\n'
            "</body>\n</html>\n")


def _people_article(a: MirrorArticle, related: Sequence[MirrorArticle], note: str) -> str:
    ed = _EDITIONS[a.source_id]
    home = {"fr": "Français", "en": "English", "zh": "人民网"}[ed.lang]
    suffix = {"fr": "--French.peopledaily.com.cn", "en": "--People's Daily Online", "zh": "--人民网"}[ed.lang]
    date_line = {"fr": f"{ed.site} {_time_text(a.source_id, a.published)}",
                 "en": f"By Xinhua | (People's Daily Online) {_time_text(a.source_id, a.published)}",
                 "zh": f"{_time_text(a.source_id, a.published)} | 来源：人民网－人民日报"}[ed.lang]
    meta = (f'<meta name="publishdate" content="{a.published:%Y-%m-%d}">\n'
            f'<meta name="keywords" content="{escape(" ".join(a.tags))}">\n'
            f'<meta name="source" content="{escape(ed.site)}">\n')
    more = {"fr": "Articles liés", "en": "Related", "zh": "相关新闻"}[ed.lang]
    return (_comment(note) + _head(ed.lang, a.title + suffix, meta) + "<body>\n"
            f'<div class="header cf"><a href="{escape(_home(a.url))}">{escape(ed.site)}</a></div>\n'
            + _nav(a.source_id)
            + f'<div class="route"><a href="{escape(_home(a.url))}">{escape(home)}</a>&gt;&gt;'
            f'<a href="{escape(ed.section_url)}">{escape(a.section)}</a></div>\n'
            '<div class="main rm_txt cf"><div class="col col-1 fl">\n'
            f"<h1>{escape(a.title)}</h1>\n"
            f'<div class="col-1-1">{escape(date_line)}</div>\n'
            '<div class="rm_txt_con cf">\n' + _paras(a.paragraphs)
            + f'<p class="paper_num">{escape(ed.site)}</p>\n</div>\n'
            f'<div class="edit cf">({"Rédacteur" if ed.lang == "fr" else "Web editor" if ed.lang == "en" else "责编"}'
            ": Li Wei)</div>\n</div></div>\n" + _related(related, more)
            + f'<div class="foot"><p>Copyright © {escape(ed.site)}</p></div>\n</body>\n</html>\n')


def _prnewswire_article(a: MirrorArticle, related: Sequence[MirrorArticle], note: str) -> str:
    meta = f'<meta name="date" content="{a.published.isoformat()}">\n'
    return (_comment(note) + _head("fr", f"{a.title}", meta) + "<body>\n"
            '<header class="site-header"><a href="https://www.prnewswire.com/fr/">PR Newswire</a></header>\n'
            + _nav(a.source_id)
            + '<main><header class="container release-header">\n'
            f"<h1>{escape(a.title)}</h1>\n"
            '<p class="mb-no">Nouvelles fournies par<br><strong>Xinhua Silk Road</strong></p>\n'
            f'<p class="mb-no"><time datetime="{a.published.isoformat()}">'
            f"{_time_text(a.source_id, a.published)}</time></p>\n</header>\n"
            '<section class="release-body container"><div class="row"><div class="col-lg-10">\n'
            + _paras(a.paragraphs) + "</div></div></section>\n"
            '<section class="release-more"><p>SOURCE Xinhua Silk Road</p></section>\n'
            + _related(related, "Autres communiqués de Xinhua Silk Road")
            + '</main>\n<footer><p>© 2026 Cision US Inc.</p></footer>\n</body>\n</html>\n')


def _home(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def render_article(article: MirrorArticle, related: Sequence[MirrorArticle] = (),
                   note: str = DEFAULT_NOTE) -> str:
    """The HTML page of one article, in its outlet's documented structure."""
    outlet = article.source_id.partition("-")[0]
    render = {"xinhua": _xinhua_article, "sputnik": _sputnik_article, "people": _people_article,
              "prnewswire": _prnewswire_article}[outlet]
    return render(article, related, note)


def render_video_page(source_id: str, url: str, title: str, note: str = DEFAULT_NOTE) -> str:
    """A video page: a player and a caption, no article text."""
    ed = _EDITIONS[source_id]
    return (_comment(note) + _head(ed.lang, f"{title} | {ed.site}") + "<body>\n" + _nav(source_id)
            + f'<div class="video-page"><h1 class="video-title">{escape(title)}</h1>\n'
            f'<div class="player"><video controls src="{escape(url)}.mp4"></video></div></div>\n'
            f"<footer><p>{escape(ed.site)}</p></footer>\n</body>\n</html>\n")


def _listing_item(outlet: str, url: str, title: str, when: datetime | None) -> str:
    day = when.strftime("%Y-%m-%d") if when else ""
    if outlet == "xinhua":
        return (f'<div class="item"><div class="txt"><div class="tit"><a href="{escape(url)}">{escape(title)}</a>'
                f'</div><div class="info"><div class="time">{day}</div></div></div></div>')
    if outlet == "prnewswire":
        return (f'<div class="card"><a class="newsreleaseconsolidatelink" href="{escape(url)}">'
                f"<h3>{escape(title)}</h3></a><small>{day}</small></div>")
    if outlet == "sputnik":
        stamp = f' data-unixtime="{int(when.timestamp())}"' if when else ""
        return (f'<div class="list__item"><a class="list__title" href="{escape(url)}">{escape(title)}</a>'
                f'<span class="date"{stamp}></span></div>')
    return f'<li><a href="{escape(url)}">{escape(title)}</a> <span>[{day}]</span></li>'


def render_listing(source_id: str, url: str, title: str, articles: Sequence[MirrorArticle],
                   extra_links: Sequence[tuple[str, str]] = (), note: str = DEFAULT_NOTE) -> str:
    """A listing (section, tag or rubric) page linking to articles newest first, then extra items (videos)."""
    ed = _EDITIONS[source_id]
    outlet = source_id.partition("-")[0]
    items = [_listing_item(outlet, a.url, a.title, a.published) for a in articles]
    items += [_listing_item(outlet, u, t, None) for u, t in extra_links]
    body = "\n".join(items)
    container = {"xinhua": f'<div id="content-list">\n{body}\n</div>',
                 "prnewswire": f'<div class="row newsCards">\n{body}\n</div>',
                 "sputnik": f'<div class="list">\n{body}\n</div>'}.get(outlet, f'<ul class="list_14">\n{body}\n</ul>')
    return (_comment(note) + _head(ed.lang, f"{title} | {ed.site}") + "<body>\n" + _nav(source_id)
            + f"<h1>{escape(title)}</h1>\n{container}\n"
            f"<footer><p>{escape(ed.site)}</p></footer>\n</body>\n</html>\n")


def render_rss(title: str, link: str, articles: Sequence[MirrorArticle],
               extra_items: Sequence[tuple[str, str, datetime]] = ()) -> str:
    """An RSS 2.0 feed of articles (and extra url/title/date items), newest first, with pubDate."""
    entries = [(a.url, a.title, a.published, a.paragraphs[0][:200]) for a in articles]
    entries += [(u, t, d, "") for u, t, d in extra_items]
    entries.sort(key=lambda e: e[2], reverse=True)
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
        f'<guid isPermaLink="true">{escape(u)}</guid><pubDate>{format_datetime(d)}</pubDate>'
        f"<description>{escape(s)}</description></item>\n" for u, t, d, s in entries)
    built = format_datetime(entries[0][2]) if entries else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            f"<title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<description>{escape(title)}</description><lastBuildDate>{built}</lastBuildDate>\n"
            f"{items}</channel>\n</rss>\n")


def render_sitemap(articles: Sequence[MirrorArticle]) -> str:
    """A sitemap <urlset> with one <url> and <lastmod> per article."""
    rows = "".join(f"<url><loc>{escape(a.url)}</loc><lastmod>{a.published.isoformat()}</lastmod></url>\n"
                   for a in sorted(articles, key=lambda a: a.published, reverse=True))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n')


def render_sitemap_index(children: Sequence[tuple[str, datetime]]) -> str:
    """A <sitemapindex> pointing at child sitemaps."""
    rows = "".join(f"<sitemap><loc>{escape(u)}</loc><lastmod>{d.isoformat()}</lastmod></sitemap>\n"
                   for u, d in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</sitemapindex>\n')


def render_news_json(articles: Sequence[MirrorArticle]) -> str:
    """A news.cn ds_*.json data source: items with title, publishUrl, publishTime, summary, ..."""
    items = [{"title": a.title, "publishUrl": a.url, "publishTime": a.published.strftime("%Y-%m-%d %H:%M:%S"),
              "summary": a.paragraphs[0][:120], "author": "新华网", "keywords": ",".join(a.tags),
              "contentId": _stable_hex(a.url)[:32]}
             for a in sorted(articles, key=lambda a: a.published, reverse=True)]
    return json.dumps({"status": "success", "totalnum": len(items), "datasource": items},
                      ensure_ascii=False, indent=1) + "\n"


def render_robots() -> str:
    """A robots.txt that allows everything."""
    return "User-agent: *\nAllow: /\n"


def _write(root: Path, url: str, text: str, written: list[Path]) -> None:
    path = url_to_path(root, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written.append(path)


def _share(items: Sequence[MirrorArticle], n: int, k: int) -> list[MirrorArticle]:
    """Slot k of n: the articles a secondary feed or listing carries (stable by URL)."""
    return [a for a in items if int(_stable_hex(a.url)[:8], 16) % n == k]


def _carried(items: Sequence[MirrorArticle], url: str, k: int, n: int) -> list[MirrorArticle]:
    """What feed or listing k of n carries: its section's articles when its URL names a section, else
    everything (the first one: archive, latest) or a stable share."""
    path = urlsplit(url).path.lower()
    named = [a for a in items if a.section and a.section.lower() in path]
    if named:
        return named
    return list(items) if k == 0 else _share(items, n, k)


def _expand(template: str, as_of: date) -> str:
    start = (as_of - timedelta(days=2)).strftime("%Y%m%d")
    return template.replace("{date_start}", start).replace("{date_end}", as_of.strftime("%Y%m%d"))


def write_source(root: Path, source: Source, articles: Sequence[MirrorArticle], as_of: date,
                 feed_limit: int | None = 30, note: str = DEFAULT_NOTE) -> list[Path]:
    """Write one source's pages, feeds, listings, sitemaps and JSON sources for a day; return the files."""
    written: list[Path] = []
    items = sorted(articles, key=lambda a: a.published, reverse=True)
    side = side_pages(source.id, as_of)
    noon = datetime.combine(as_of, datetime.min.time(), ZoneInfo(source.timezone)).replace(hour=12)
    video_title = {"fr": "Vidéo : les images du jour", "en": "Video: pictures of the day",
                   "zh": "视频：今日影像"}[_EDITIONS[source.id].lang]
    for i, a in enumerate(items):
        _write(root, a.url, render_article(a, items[i + 1:i + 4] or items[:3][:i], note), written)
    _write(root, side["video"], render_video_page(source.id, side["video"], video_title, note), written)
    _write(root, side["section"], render_listing(source.id, side["section"], "Actualités" if source.language == "fr"
                                                 else "News", items[:20], [(side["video"], video_title)], note),
           written)
    capped = items[:feed_limit] if feed_limit else items
    for k, feed in enumerate(source.feeds):
        share = _carried(capped, feed, k, len(source.feeds))
        extra = [(side["video"], video_title, noon)] if k == 0 else []
        _write(root, feed, render_rss(f"{_EDITIONS[source.id].site}", source.home_url, share, extra), written)
    for k, listing in enumerate(source.listings):
        share = _carried(items, listing.url, k, len(source.listings))
        links = [(side["video"], video_title), (side["section"], "Section")]
        _write(root, listing.url, render_listing(source.id, listing.url, _EDITIONS[source.id].site, share,
                                                 links, note), written)
    for template in source.sitemaps:
        url = _expand(template, as_of)
        if url.endswith("sitemap_index.xml"):
            child = url.replace("sitemap_index.xml", f"sitemap/{as_of:%Y%m%d}.xml")
            _write(root, url, render_sitemap_index([(child, items[0].published if items else noon)]), written)
            url = child
        _write(root, url, render_sitemap(items), written)
    for js in source.json_sources:
        _write(root, js, render_news_json(capped), written)
    return written


def write_mirror(root: Path, articles: Sequence[MirrorArticle], sources: Sequence[Source], as_of: date,
                 feed_limit: int | None = 30, note: str = DEFAULT_NOTE) -> list[Path]:
    """Lay out a complete HOST/PATH mirror of the given sources' articles under root; return the files."""
    written: list[Path] = []
    by_source: dict[str, list[MirrorArticle]] = {s.id: [] for s in sources}
    for a in articles:
        if a.source_id not in by_source:
            raise ValueError(f"article {a.url} names source {a.source_id!r}, which is not being written")
        by_source[a.source_id].append(a)
    for source in sources:
        written += write_source(root, source, by_source[source.id], as_of, feed_limit, note)
    hosts = sorted({p.relative_to(root).parts[0] for p in written})
    for host in hosts:
        robots = root / host / "robots.txt"
        robots.write_text(render_robots(), encoding="utf-8")
        written.append(robots)
    return written
