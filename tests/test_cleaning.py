"""Extraction on real saved pages: text, titles, dates and their sources, non-article pages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pipeline.cleaning import CleaningHints, extract, strip_title

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "target-site-pages"
INDEX = {r["file"]: r for r in json.loads((PAGES / "index.json").read_text(encoding="utf-8"))}


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_xinhua_legacy_page_snippets_title_date() -> None:
    name = "xinhuanet.com_local_2020-02-19_c_1125597921.html"
    gold = INDEX[name]["ground_truth"]
    got = extract(_page(name), url=INDEX[name]["url"])
    assert got.is_article and got.method.startswith("trafilatura")
    assert all(s in got.text for s in gold["with"])
    assert not any(s in got.text for s in gold["without"])
    assert got.title == gold["title"]
    # URL day and the visible timestamp agree: the full timestamp wins, in Beijing time
    assert got.published == "2020-02-19T20:29:58+08:00" and got.date_source == "html"


def test_gbk_page_declared_utf8_is_readable() -> None:
    name = "webarchive_he.xinhuanet.com_2012-06-04_content_25340717.html"
    gold = INDEX[name]["ground_truth"]
    got = extract(_page(name), url="http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm")
    assert got.encoding == "gb18030"
    assert sum(s in got.text for s in gold["with"]) >= len(gold["with"]) - 1
    assert got.published == "2012-06-04" and got.date_source == "url"


def test_people_gzipped_page_authors_and_date() -> None:
    name = "people.com.cn_politics_2024-04-24_c1001-40223222.html.gz"
    got = extract(_page(name), url=INDEX[name]["url"])
    assert "中拉航天合作" in got.text
    assert got.authors == ["牛镛", "岳弘彬"]
    assert got.published == "2024-04-24T23:52:00+08:00"


def test_sputnik_body_and_stated_timestamp() -> None:
    name = "sputniknews.com_2019-11-18_1077343476.html.gz"
    got = extract(gzip.decompress(_page(name)).decode("utf-8"), url=INDEX[name]["url"])
    body = INDEX[name]["ground_truth"]["articleBody"]
    assert body.split("\n")[0][:80] in got.text
    assert got.title == "Royal Self-Indicting Arrogance"
    assert got.published is not None and got.published.startswith("2019-11-18T")


def test_hints_select_body_and_drop_boilerplate() -> None:
    hints = CleaningHints(title_selector="div.h-title", body_selector="div#p-detail",
                          date_selector="span.h-time", drop_selectors=("span.p-jc",), title_suffixes=("-新华网",))
    got = extract(_page("xinhuanet.com_local_2020-02-19_c_1125597921.html"), hints=hints)
    assert got.method in {"trafilatura+hints", "selector"}
    assert "纠错" not in got.text and "武汉" in got.text
    assert got.date_source == "html" and got.published == "2020-02-19T20:29:58+08:00"


@pytest.mark.parametrize(("raw", "want"), [
    ("习近平向首届论坛致贺信-新华网", "习近平向首届论坛致贺信"),
    ("促进航天技术更好惠及人民--时政--人民网", "促进航天技术更好惠及人民"),
    ("法国全国大罢工再次严重影响交通_新华网", "法国全国大罢工再次严重影响交通"),
    ("Xi-Lula talks: a new chapter", "Xi-Lula talks: a new chapter"),
    # no site name known: a tail after a separator is headline (the old site-word list cut these)
    ("Bubi-Bomber wieder da: Thioune fordert Geduld mit Niemiec", "Bubi-Bomber wieder da: Thioune fordert Geduld mit Niemiec"),
    ("Rückschlag im Titelkampf - Liverpool verliert bei Everton", "Rückschlag im Titelkampf - Liverpool verliert bei Everton"),
    ("China, Brazil pledge closer ties - People's Daily Online", "China, Brazil pledge closer ties - People's Daily Online"),
])
def test_title_suffixes(raw: str, want: str) -> None:
    assert strip_title(raw) == want


@pytest.mark.parametrize(("raw", "site", "want"), [
    ("La Chine et l'Afrique renforcent leur coopération - Sputnik Afrique", "Sputnik Afrique",
     "La Chine et l'Afrique renforcent leur coopération"),
    ("China, Brazil pledge closer ties -- People's Daily Online", "People's Daily Online", "China, Brazil pledge closer ties"),
    ("China, Brazil pledge closer ties - People's Daily Online", "People's Daily Online", "China, Brazil pledge closer ties"),
])
def test_title_suffix_named_by_the_site(raw: str, site: str, want: str) -> None:
    assert strip_title(raw, site_names=[site]) == want


def test_hint_suffix() -> None:
    assert strip_title("Titre du jour | French.China.org.cn", ("| French.China.org.cn",)) == "Titre du jour"


def _titled(head: str, body_top: str = "", url: str = "") -> str:
    """The title chosen for a synthetic article page with `head` in <head> and `body_top` before the text."""
    para = "<p>" + "Une phrase assez longue pour faire un paragraphe d'article à elle seule. " * 6 + "</p>"
    page = f"<html><head>{head}</head><body><article>{body_top}{para * 3}</article></body></html>"
    return extract(page, url=url).title or ""


def test_title_json_ld_headline_before_social_teaser() -> None:
    head = ('<title>Le vrai titre | Le Journal</title><meta property="og:title" content="Un titre pour les réseaux">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Le vrai titre"}</script>')
    assert _titled(head, "<h1>Le vrai titre</h1>") == "Le vrai titre"
    # a headline cut for a character limit is not taken: the next source has it whole
    cut = head.replace('"Le vrai titre"}', '"Le vrai..."}')
    assert _titled(cut, "<h1>Le vrai titre</h1>") == "Un titre pour les réseaux"


def test_title_entities_in_json_ld_are_decoded() -> None:
    head = '<script type="application/ld+json">{"@type": "Article", "headline": "L&#8217;Europe et l&#039;Afrique"}</script>'
    assert _titled(head) == "L’Europe et l'Afrique"


def test_title_site_name_date_and_section_stripped() -> None:
    head = ('<meta property="og:site_name" content="DW.COM">'
            '<meta property="og:title" content="Guinée-Conakry : la perte des terres | DW | 23.05.2011">')
    assert _titled(head) == "Guinée-Conakry : la perte des terres"
    head = ('<meta property="og:site_name" content="BILD.de">'
            '<meta property="og:title" content="Bubi-Bomber wieder da: Geduld mit Niemiec | Sport | BILD.de">')
    assert _titled(head) == "Bubi-Bomber wieder da: Geduld mit Niemiec"


def test_title_host_name_is_the_site_name() -> None:
    head = '<meta property="og:title" content="Akkutechnik: Hat Quantumscape genug Akkus gebaut? - Golem.de">'
    assert _titled(head, url="https://www.golem.de/news/akku-2509-1.html") == "Akkutechnik: Hat Quantumscape genug Akkus gebaut?"
    # the same tail on another host is not known to be the site's name
    assert _titled(head, url="https://example.org/a.html").endswith("- Golem.de")
    head = '<meta property="og:title" content="Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung">'
    assert _titled(head, url="https://www.boersen-zeitung.de/x") == "Steigende US-Zinsen setzen Dax zu"


def test_title_author_after_separator_is_kept() -> None:
    head = ('<meta property="og:site_name" content="The Guardian">'
            '<meta property="og:title" content="Māori tribes fearful over whale strandings | Eleanor Ainge Roy">')
    assert _titled(head, "<h1>Māori tribes fearful over whale strandings</h1>").endswith("| Eleanor Ainge Roy")


def test_title_h1_confirmed_by_the_head_title() -> None:
    head = "<title>Caisse de solidarité financière - Info'Com-CGT</title>"
    assert _titled(head, "<h1>Caisse de solidarité financière</h1>") == "Caisse de solidarité financière"
    # an <h1> that no other source states (a logo, a section) is not the headline
    assert _titled("<title>Un titre assez long pour la page</title>", "<h1>Le Journal du soir</h1>") == \
        "Un titre assez long pour la page"
    # nor is a one-word <h1>: "Mozilla - Wikipedia" may as well be the site's name after the title
    assert _titled("<title>Mozilla - Wikipedia</title>", "<h1>Mozilla</h1>") == "Mozilla - Wikipedia"


def _article(head: str = "", body_attrs: str = "") -> str:
    para = "<p>" + "La coopération numérique entre la Chine et l'Afrique progresse rapidement. " * 6 + "</p>"
    return f"<html><head>{head}</head><body{body_attrs}><article><h1>Titre</h1>{para * 3}</article></body></html>"


def test_date_order_url_then_stated_timestamp() -> None:
    head = '<meta property="article:published_time" content="2025-09-19T10:15:00+03:00">'
    got = extract(_article(head), url="https://fr.sputniknews.africa/20250919/titre-1078434722.html")
    assert (got.published, got.date_source) == ("2025-09-19T10:15:00+03:00", "meta")
    assert "date-disagreement" not in got.flags


def test_date_disagreement_keeps_url_day_and_flags() -> None:
    head = '<meta property="article:published_time" content="2024-01-02T10:15:00+03:00">'
    got = extract(_article(head), url="https://fr.sputniknews.africa/20250919/titre-1078434722.html")
    assert (got.published, got.date_source) == ("2025-09-19", "url")
    assert "date-disagreement" in got.flags


def test_date_order_without_url() -> None:
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2025-08-29T09:00:00+08:00"}</script>'
    unix = '<div class="article__info" data-unixtime="1758266100"></div>'
    assert extract(_article(ld)).date_source == "json-ld"
    got = extract(_article(ld).replace("<article>", "<article>" + unix))
    assert got.date_source == "meta" and got.published == "2025-09-19T07:15:00+00:00"
    assert extract(_article(), feed_date="Fri, 29 Aug 2025 10:00:00 +0800").published == "2025-08-29T10:00:00+08:00"
    assert extract(_article(), feed_date="2025-08-29").date_source == "feed"
    assert extract(_article()).date_source in {"htmldate", "none"}


def test_the_date_guess_leaves_the_page_tree_as_it_was() -> None:
    # the tree goes on to the article checks after the guess, and is no longer copied for it: htmldate
    # must copy what it prunes (scripts, styles, navigation), as its version pinned here does
    from lxml import etree

    from pipeline.cleaning import _guess_date, _parse

    page = ("<html><head><script>var t = 1;</script><style>p {}</style></head><body><nav><a href='/'>Accueil</a>"
            "</nav><article><h1>Titre</h1><p>Publié le 12 mars 2025, à Beijing.</p>"
            "<footer>© 2025</footer></article></body></html>")
    tree = _parse(page)
    before = etree.tostring(tree)
    assert _guess_date(tree, "https://example.org/titre.html") == "2025-03-12"
    assert etree.tostring(tree) == before


def test_listing_fragment_is_not_an_article() -> None:
    listing = "<html><body><ul>" + "".join(
        f'<li><a href="/politics/2026100{i}/{i:032x}/c.html">粮食大省秋收忙第{i}条新闻标题</a> <span>2026-10-0{i}</span></li>'
        for i in range(1, 10)) + "</ul></body></html>"
    got = extract(listing)
    assert not got.is_article and "listing" in got.flags
    real = extract(_page("newscn_politics_listing_fragment.html"))
    assert not real.is_article


def test_real_articles_on_link_heavy_pages_are_articles() -> None:
    # Each fundus page is one real news article. Several (Asahi's: short Japanese paragraphs beside
    # ~480 navigation links) have most of their page's text in links and no 300-character line: the
    # extracted text, none of it link text, is what tells them from a listing.
    folder = Path(__file__).parent / "fixtures" / "extraction" / "fundus-parser-testdata"
    pages = sorted(folder.glob("*/*.html.gz"))
    assert len(pages) >= 10
    taken = [p.name for p in pages if not extract(gzip.decompress(p.read_bytes())).is_article]
    assert taken == []


def test_error_and_challenge_pages() -> None:
    error = "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>nginx</p></body></html>"
    assert not extract(error).is_article
    challenge = ("<html><head><title>Just a moment...</title></head><body><p>Checking your browser before "
                 "accessing the site. Please enable JavaScript and cookies to continue.</p></body></html>")
    got = extract(challenge)
    assert not got.is_article and "challenge-page" in got.flags


def test_challenge_and_error_words_are_found_whatever_their_case() -> None:
    from pipeline.hints import has_challenge_words

    for text in ("JUST A MOMENT...", "Please Enable JavaScript to continue", "Are You A Robot?",
                 "NOUS RESPECTONS VOTRE VIE PRIVÉE", "Accept All Cookies", "请输入验证码"):
        assert has_challenge_words(text), text
    assert not has_challenge_words("Le président a rencontré mardi son homologue brésilien à Beijing.")
    for title in ("PAGE NOT FOUND", "Erreur", "СТРАНИЦА НЕ НАЙДЕНА"):
        page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Retour</p></body></html>"
        got = extract(page)
        assert not got.is_article and "error-page" in got.flags, title


def test_a_brief_quoting_consent_words_is_an_article_when_the_page_says_it_is_one() -> None:
    brief = ("<p>La Commission européenne propose de simplifier les bandeaux qui demandent aux internautes "
             "d'« accept all cookies » sur chaque site.</p><p>Les éditeurs de presse ont jusqu'à juin pour "
             "répondre à la consultation, selon le texte publié lundi à Bruxelles.</p>")

    def page(head: str) -> str:
        return (f"<html><head><title>Bruxelles veut alléger les bandeaux de consentement</title>{head}</head>"
                f"<body><h1>Bruxelles veut alléger les bandeaux de consentement</h1>{brief}</body></html>")

    assert extract(page('<meta property="og:type" content="article">')).is_article
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bruxelles"}</script>'
    assert extract(page(ld)).is_article
    # without a word of the page's own saying it is an article, the same words make a consent wall
    got = extract(page(""))
    assert not got.is_article and "challenge-page" in got.flags


def test_error_codes_and_words_in_a_headline_above_prose_are_an_article() -> None:
    prose = "<p>" + "Les inondations ont fait au moins 500 morts dans la province, selon les autorités. " * 6 + "</p>"
    suggestions = "<ul>" + "".join(f"<li>Rubrique numéro {i} du site</li>" for i in range(40)) + "</ul>"

    def page(title: str, body: str) -> str:
        return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"

    assert extract(page("500 morts", prose)).is_article
    # error words in a headline over a short brief
    for title in ("L'erreur du gouvernement sur les retraites", "Le suspect reste introuvable",
                  "Ошибка пилота привела к аварии"):
        assert extract(page(title, prose)).is_article, title
    # a bare code above a list of suggestions is still an error page
    got = extract(page("404", "<p>La page demandée a été déplacée.</p>" + suggestions))
    assert not got.is_article and "error-page" in got.flags
    # a figure that counts something heads a brief of a few lines; a code heads an error page
    brief = ("<p>Les garde-côtes italiens ont secouru 503 migrants au large de Lampedusa dans la nuit de "
             "samedi à dimanche, a annoncé la préfecture, qui cite des embarcations parties de Libye.</p>")
    assert extract(page("503 migrants secourus au large de Lampedusa", brief)).is_article
    for title in ("503 Service Unavailable", "503 service unavailable", "Erreur 500", "502 Bad Gateway"):
        got = extract(page(title, "<p>The server is temporarily unable to service your request, please try "
                                  "again later or contact the site's administrator if it persists.</p>"))
        assert not got.is_article and "error-page" in got.flags, title


@pytest.mark.parametrize("bad", [b"", b"\x00\xff\xfe garbage", "   ", "<html>", b"\x1f\x8b\x08broken"])
def test_bad_input_never_raises(bad: bytes | str) -> None:
    got = extract(bad)
    assert not got.is_article
    assert isinstance(got.text, str)


def test_text_kept_even_when_not_article() -> None:
    page = "<html><head><title>Erreur 404</title></head><body><h1>Page introuvable</h1><p>" + \
           "Cette page a été déplacée ou supprimée. " * 3 + "</p></body></html>"
    got = extract(page)
    assert not got.is_article and "déplacée" in got.text


@pytest.mark.parametrize("line", [
    "By Xinhua | (People's Daily Online) 05:22, January 05, 2026",
    "le Quotidien du Peuple en ligne 05.01.2026 18h06",
    "Updated 23:58, march 9 2025",
    "31.12.2025 09:07",
    # other forms, or digits outside the date: dateutil reads them, as before
    "(People's Daily Online) 05:22, January 05, 2026 | 3 comments",
    "January 05, 2026 05:22",
    "05:22 GMT+8, January 05, 2026",
])
def test_written_date_lines_read_fast_give_what_dateutil_gives(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    from pipeline import cleaning

    shanghai = ZoneInfo("Asia/Shanghai")
    outlets_form = line.startswith(("By Xinhua", "le Quotidien", "Updated", "31.12"))
    assert (cleaning._written_fast(line) is not None) == outlets_form
    fast = cleaning._parse_written(line, shanghai)
    monkeypatch.setattr(cleaning, "_written_fast", lambda text: None)
    assert fast == cleaning._parse_written(line, shanghai)
    if outlets_form:
        assert fast is not None and fast.tzinfo is shanghai
