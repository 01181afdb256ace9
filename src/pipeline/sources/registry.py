"""The declared sources (facts from SOURCES.md; "reported" ones may be out of date).

Every `article_pattern` is anchored on the full URL and accepts http and https,
because the outlets answer on both and old links keep their scheme.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.hints import CleaningHints
from pipeline.sources.model import Listing, Source

# news.cn article ids: 32 hex digits, and since 2026 also 8 (seen in the ds_*.json data sources).
_NEWSCN_ID = r"[0-9a-f]{8}(?:[0-9a-f]{24})?"
# Channels that hold video and photo pages under the same URL shapes as articles.
_NOT_MEDIA = r"(?!video/|photo/|photos/|pic/)"

# ---------------------------------------------------------------- Xinhua

_XINHUA_HINTS_FR_EN = CleaningHints(
    title_selector=".conTop h1",
    body_selector="#detailContent",
    date_selector=".time",
    drop_selectors=(".editor", ".related", "span.p-jc", ".share"),
)

XINHUA_FR = Source(
    id="xinhua-fr",
    outlet="xinhua",
    language="fr",
    home_url="https://french.news.cn/",
    domains=("french.news.cn", "french.xinhuanet.com"),
    article_pattern=(rf"^https?://french\.(?:news\.cn|xinhuanet\.com)/(?:\d{{8}}/{_NEWSCN_ID}/c\.html"
                     r"|\d{4}-\d{2}/\d{2}/c_\d+\.htm)$"),
    feeds=tuple(f"https://french.news.cn/rss/{s}.xml"
                for s in ("chine", "monde", "afrique", "culture", "science", "economie", "environnement")),
    # Europe has no feed; its section listing is the only way to reach those dispatches.
    listings=(Listing("https://french.news.cn/europe/index.htm", "#content-list .item .tit a"),),
    hints=replace(_XINHUA_HINTS_FR_EN, title_suffixes=("-French.news.cn", " - Xinhua")),
)

XINHUA_EN = Source(
    id="xinhua-en",
    outlet="xinhua",
    language="en",
    home_url="https://english.news.cn/",
    domains=("english.news.cn", "english.xinhuanet.com", "www.xinhuanet.com"),
    article_pattern=(rf"^https?://(?:english\.(?:news\.cn|xinhuanet\.com)/\d{{8}}/{_NEWSCN_ID}/c\.html"
                     rf"|(?:www\.)?xinhuanet\.com/english/{_NOT_MEDIA}(?:[a-z]+/)?\d{{4}}-\d{{2}}/\d{{2}}/c_\d+\.htm)$"),
    feeds=tuple(f"https://english.news.cn/rss/{s}.xml" for s in ("latest", "worldrss", "chinarss", "businessrss")),
    hints=replace(_XINHUA_HINTS_FR_EN, title_suffixes=("-Xinhua", " - Xinhua", " | English.news.cn")),
)

XINHUA_ZH = Source(
    id="xinhua-zh",
    outlet="xinhua",
    language="zh",
    home_url="https://www.news.cn/",
    domains=("www.news.cn", "www.xinhuanet.com"),
    article_pattern=(rf"^https?://(?:www\.news\.cn/(?:{_NOT_MEDIA}(?!english/)[a-z0-9]+/){{0,2}}"
                     rf"\d{{8}}/{_NEWSCN_ID}/c\.html"
                     rf"|(?:www\.)?xinhuanet\.com/{_NOT_MEDIA}(?!english/)[a-z0-9]+/(?:[a-z0-9]+/)?"
                     r"\d{4}-\d{2}/\d{2}/c_\d+\.htm)$"),
    listings=(Listing("https://www.news.cn/politics/", "#content-list .item .tit a"),),
    # Data sources behind the channel listings (ids as published in public scrapers of news.cn).
    json_sources=(
        "https://www.news.cn/ds_bbc6736b83a14fbb9caf24d78f9aab7f.json",
        "https://www.news.cn/politics/ds_a6d618872de143bdafa2556915a7ae12.json",
        "https://www.news.cn/world/ds_8d5294ed513c4779af6242a3623aa27b.json",
        "https://www.news.cn/tech/ds_fd79514d92f34849bc8baef7ce3d5aae.json",
    ),
    # Current template first, then the 2019-2020 template (.h-title / .h-time / #p-detail).
    hints=CleaningHints(
        title_selector=".conTop h1, div.h-title",
        body_selector="#detailContent, #p-detail",
        date_selector=".time, span.h-time",
        drop_selectors=("span.p-jc", ".editor", ".related", ".share", "#articleEdit"),
        title_suffixes=("-新华网", "_新华网", "-新华网客户端"),
    ),
)

# ---------------------------------------------------------------- Sputnik

_SPUTNIK_HINTS = CleaningHints(
    title_selector=".article__title, .b-article__header-title h1",
    body_selector=".article__body, .b-article__text",
    date_selector="[data-unixtime], time.b-article__refs-date",
    drop_selectors=(".article__meta", ".article__info", ".article__footer", ".article__google-news",
                    ".article__tags", ".b-article__refs", ".b-article__likes"),
)

SPUTNIK_FR = Source(
    id="sputnik-fr",
    outlet="sputnik",
    language="fr",
    home_url="https://fr.sputniknews.africa/",
    domains=("fr.sputniknews.africa", "sputniknews.africa"),
    article_pattern=r"^https?://fr\.sputniknews\.africa/\d{8}/[a-z0-9][a-z0-9-]*-\d{6,}\.html$",
    feeds=("https://fr.sputniknews.africa/export/rss2/archive/index.xml",
           *(f"https://fr.sputniknews.africa/export/rss2/{s}/index.xml"
             for s in ("afrique", "international", "economie"))),
    sitemaps=("https://fr.sputniknews.africa/sitemap_article.xml?date_start={date_start}&date_end={date_end}",),
    hints=replace(_SPUTNIK_HINTS, title_suffixes=(", Sputnik Afrique", " - Sputnik Afrique")),
    timezone="Europe/Moscow",
)

SPUTNIK_EN = Source(
    id="sputnik-en",
    outlet="sputnik",
    language="en",
    home_url="https://sputnikglobe.com/",
    domains=("sputnikglobe.com", "sputniknews.com"),
    # current sputnikglobe.com shape, and the old sputniknews.com /<rubric>/<YYYYMMDD><id>-<slug>/
    article_pattern=(r"^https?://(?:sputnikglobe\.com/\d{8}/[a-z0-9][a-z0-9-]*-\d{6,}\.html"
                     r"|(?:www\.)?sputniknews\.com/(?!video/|photo/)[a-z_-]+/\d{8}\d{6,}-[a-z0-9-]+/?)$"),
    feeds=("https://sputnikglobe.com/export/rss2/archive/index.xml",),
    sitemaps=("https://sputnikglobe.com/sitemap_article.xml?date_start={date_start}&date_end={date_end}",),
    hints=replace(_SPUTNIK_HINTS, title_suffixes=(", Sputnik International", " - Sputnik International")),
    timezone="Europe/Moscow",
)

# ---------------------------------------------------------------- People's Daily

_PEOPLE_DROP = ("p.paper_num", "div.edit", ".related", ".route")
# People's Daily splits long articles: page 2+ is "…-<id>-2.html", linked from page 1 (SOURCES.md, English
# edition); the French and Chinese editions run on the same CMS, so they get the same rule.
_PEOPLE_PAGES = r"^(?P<first>https?://[^?#]+/c\d+-\d+)-(?P<page>\d+)\.html$"

PEOPLE_FR = Source(
    id="people-fr",
    outlet="people",
    language="fr",
    home_url="http://french.peopledaily.com.cn/",
    domains=("french.peopledaily.com.cn", "fr.people.cn"),
    article_pattern=(r"^https?://(?:french\.peopledaily\.com\.cn|fr\.people\.cn)/"
                     r"(?!Video/|Photos?/|PicChine/)[A-Za-z]+/n3/\d{4}/\d{4}/c\d+-\d+(?:-\d+)?\.html$"),
    # No feed is known: one listing per rubrique.
    listings=tuple(Listing(f"http://french.peopledaily.com.cn/{r}/index.html", "ul.list_14 li a")
                   for r in ("Chine", "Economie", "International", "Opinion", "Culture", "Sciences")),
    hints=CleaningHints(title_selector=".col-1 h1", body_selector="div.rm_txt_con", date_selector="div.col-1-1",
                        drop_selectors=_PEOPLE_DROP, title_suffixes=("--French.peopledaily.com.cn",)),
    page_pattern=_PEOPLE_PAGES,
)

PEOPLE_EN = Source(
    id="people-en",
    outlet="people",
    language="en",
    home_url="http://en.people.cn/",
    domains=("en.people.cn", "www.peopledaily.com.cn", "english.peopledaily.com.cn"),
    # page 2+ of a long article is "-<id>-2.html": the same article, kept so the crawler can join pages
    article_pattern=r"^https?://en\.people\.cn/n3/\d{4}/\d{4}/c\d+-\d+(?:-\d+)?\.html$",
    # one of these was reported to answer 404; a failing feed shows up in source health
    feeds=tuple(f"http://en.people.cn/rss/{n}.xml" for n in ("90000", "90001", "90777", "90778", "90782")),
    hints=CleaningHints(title_selector=".col-1 h1", body_selector="div.rm_txt_con", date_selector="div.col-1-1",
                        drop_selectors=_PEOPLE_DROP, title_suffixes=("--People's Daily Online",)),
    page_pattern=_PEOPLE_PAGES,
)

PEOPLE_ZH = Source(
    id="people-zh",
    outlet="people",
    language="zh",
    home_url="http://www.people.com.cn/",
    domains=("people.com.cn", "www.people.cn"),
    article_pattern=(r"^https?://(?!tv\.|pic\.|video\.|photo\.)[a-z0-9]+\.people\.com\.cn/"
                     r"n1/\d{4}/\d{4}/c\d+-\d+(?:-\d+)?\.html$"),
    feeds=tuple(f"http://www.people.com.cn/rss/{s}.xml"
                for s in ("politics", "society", "world", "finance", "culture")),
    sitemaps=("http://www.people.cn/sitemap_index.xml",),
    # 2024 template (confirmed): .col-1 h1, date line div.col-1-1, body div.rm_txt_con > p
    hints=CleaningHints(title_selector=".col-1 h1", body_selector="div.rm_txt_con",
                        date_selector="div.col-1-1", drop_selectors=_PEOPLE_DROP,
                        title_suffixes=("--人民网", "--时政--人民网", "--国际--人民网", "--社会--人民网")),
    page_pattern=_PEOPLE_PAGES,
)

# ---------------------------------------------------------------- Wires

PRNEWSWIRE_FR = Source(
    id="prnewswire-fr",
    outlet="prnewswire",
    language="fr",
    home_url="https://www.prnewswire.com/fr/",
    domains=("prnewswire.com",),
    article_pattern=r"^https?://(?:www\.)?prnewswire\.com/fr/communiques-de-presse/[a-z0-9-]+-\d{9}\.html$",
    # SOURCES.md gives no feed for the French site; the release list is the entry point.
    listings=(Listing("https://www.prnewswire.com/fr/communiques-de-presse/", "a.newsreleaseconsolidatelink"),),
    hints=CleaningHints(title_selector=".release-header h1", body_selector=".release-body",
                        date_selector=".release-header time", drop_selectors=(".release-more", ".related"),
                        title_suffixes=(" | PR Newswire",)),
    timezone="America/New_York",
)

DECLARATIONS: tuple[Source, ...] = (
    XINHUA_FR, XINHUA_EN, XINHUA_ZH,
    SPUTNIK_FR, SPUTNIK_EN,
    PEOPLE_FR, PEOPLE_EN, PEOPLE_ZH,
    PRNEWSWIRE_FR,
)
