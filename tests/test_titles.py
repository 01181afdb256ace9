"""Title rules on small synthetic inputs: site names, separators, source choice, and the eval's comparison."""

from __future__ import annotations

import pytest

from pipeline import cleaning
from pipeline.evaluation.extraction import title_key
from pipeline.titles import TitleSources, choose_title, host_names, strip_title


@pytest.mark.parametrize(("url", "want"), [
    ("https://www.golem.de/news/x.html", ["golem"]),
    ("http://politics.people.com.cn/n1/2024/0424/c1001-1.html", ["people"]),
    ("https://www.boersen-zeitung.de/a", ["boersenzeitung", "borsenzeitung"]),
    ("https://thewest.com.au/news", ["thewest"]),
    ("", []),
    ("https://localhost/a", []),
])
def test_host_names(url: str, want: list[str]) -> None:
    assert host_names(url) == want


@pytest.mark.parametrize(("raw", "names", "want"), [
    # a name that the site's own name starts with, one short word more ("Metro News" for "Metro")
    ("Five key policies announced | Politics News | Metro News", ["Metro"], "Five key policies announced"),
    ("Deutscher Handel mit Iran: Druck mit Wirtschaftssanktionen? - ZDFheute", ["zdf"],
     "Deutscher Handel mit Iran: Druck mit Wirtschaftssanktionen?"),
    # Japanese and Korean sites: full-width colon, the Hangul bar, a section glued by a bare dash
    ("南海トラフ、一時調査 巨大地震、基準達せず：中日新聞Web", ["中日新聞Web"], "南海トラフ、一時調査 巨大地震、基準達せず"),
    ("도입 또다시 불발 친청계 반발-정치ㅣ한국일보", ["한국일보"], "도입 또다시 불발 친청계 반발"),
    # the site's name in front
    ("Tageblatt.lu | Beleidigen und beschuldigen: Skisprung-Zoff", ["Tageblatt.lu"],
     "Beleidigen und beschuldigen: Skisprung-Zoff"),
    # a hyphen inside words and a colon in the headline are not separators
    ("Berlin-Marathon: Sebastian Hendel im Porträt", ["Berlin"], "Berlin-Marathon: Sebastian Hendel im Porträt"),
    # a long tail is never a site name, nor a two-word tail before no site name
    ("Rückschlag im Titelkampf - Liverpool verliert bei Everton", ["sportschau"],
     "Rückschlag im Titelkampf - Liverpool verliert bei Everton"),
    ("Un débat animé - Politique intérieure", ["lemonde"], "Un débat animé - Politique intérieure"),
    # nothing is left of a title that is only the site's name
    ("Golem.de", ["golem"], "Golem.de"),
    # words in front of a long host name: the publication's full name
    ("„Unermüdlicher Einsatz“ – Die Neue Südtiroler Tageszeitung", ["tageszeitung"], "„Unermüdlicher Einsatz“"),
    ("Dublin rents rise again - The Irish Times", ["irishtimes"], "Dublin rents rise again"),
    # ...but not in front of a short one, which ends too many words
    ("Ministers meet in Paris - Picture by The Times", ["times"], "Ministers meet in Paris - Picture by The Times"),
])
def test_strip_title_with_site_names(raw: str, names: list[str], want: str) -> None:
    assert strip_title(raw, site_names=names) == want


def test_choose_title_order_and_fallbacks() -> None:
    sources = TitleSources(ld="Le titre", h1s=["Le titre"], og="Un autre titre | Site", head="Le titre | Site",
                           site_names=["Site"])
    assert choose_title(sources) == "Le titre"
    assert choose_title(sources, order=("og", "ld")) == "Un autre titre"
    # only <title> and an <h1> it confirms: the <h1>
    assert choose_title(TitleSources(h1s=["Un titre de page"], head="Un titre de page - Mon blog")) == "Un titre de page"
    # only an <h1> that nothing confirms: still better than nothing
    assert choose_title(TitleSources(h1s=["Un titre seul"])) == "Un titre seul"
    assert choose_title(TitleSources()) is None


@pytest.mark.parametrize(("metas", "want"), [
    # Dublin Core's title (RDFa property or the older name form) before og:title
    ('<meta property="og:title" content="Titre social"><meta name="DC.title" content="Titre Dublin Core">',
     "Titre Dublin Core"),
    # RDFa lists several properties in one attribute: each one counts
    ('<meta property="og:title twitter:title" content="Titre social"><meta property="x:title dc:title" '
     'content="Titre préféré">', "Titre préféré"),
    # Parse.ly's title before an <h1> that nothing else confirms
    ('<meta name="parsely-title" content="Le titre Parse.ly">', "Le titre Parse.ly"),
    # without them, <title> as before
    ('', "Élément titre"),
])
def test_metadata_titles_are_sources(metas: str, want: str) -> None:
    page = (f"<html><head><title>Élément titre</title>{metas}</head><body><h1>Un intertitre visible</h1>"
            + "<p>" + "Un paragraphe de texte assez long pour un article. " * 20 + "</p></body></html>")
    assert cleaning.extract(page, url="https://exemple.test/a.html").title == want


def test_a_tail_two_sources_leave_out_is_cut() -> None:
    # JSON-LD says "headline | section"; the visible <h1> and og:title both say the headline alone
    both = TitleSources(ld="Thioune fordert Geduld mit Niemiec | Sport", h1s=["Thioune fordert Geduld mit Niemiec"],
                        og="Thioune fordert Geduld mit Niemiec", site_names=["bild.de"])
    assert choose_title(both) == "Thioune fordert Geduld mit Niemiec"
    # the <h1> alone is one statement against one: the tail may be a subtitle, and stays
    alone = TitleSources(ld="Thioune fordert Geduld mit Niemiec | Sport", h1s=["Thioune fordert Geduld mit Niemiec"],
                         site_names=["bild.de"])
    assert choose_title(alone) == "Thioune fordert Geduld mit Niemiec | Sport"


def test_choose_title_applies_declared_suffixes() -> None:
    sources = TitleSources(og="Titre du jour | French.China.org.cn")
    assert choose_title(sources, ("| French.China.org.cn",)) == "Titre du jour"


@pytest.mark.parametrize(("ours", "gold", "same"), [
    ("Mexico to fight 'illogical' tariffs", "Mexico to fight \u2018illogical\u2019 tariffs", True),
    ("Krieg \u2013 und Frieden", "Krieg - und Frieden", True),
    ("Roky v d\u016fchodu", "Roky v\xa0d\u016fchodu", True),
    ("Ein bisschen Fortschritt", "Ein bisschen Fortschritt\u200b", True),
    ("Caf\u00e9", "Cafe\u0301", True),                      # NFC
    ("Nordmann d\u00f8mt", "nordmann d\u00f8mt", False),    # case is kept
    ("Le titre", "Le titre | Site", False),
    ('"Quoted" title', "Quoted title", False),
])
def test_eval_title_comparison(ours: str, gold: str, same: bool) -> None:
    assert (title_key(ours) == title_key(gold)) is same
