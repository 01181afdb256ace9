"""The declared sources (facts from SOURCES.md)."""

from __future__ import annotations

from pipeline.cleaning import CleaningHints
from pipeline.sources.model import Listing, Source

_HEX32 = r"[0-9a-f]{32}"

XINHUA_FR = Source(
    id="xinhua-fr",
    outlet="xinhua",
    language="fr",
    home_url="https://french.news.cn/",
    domains=("french.news.cn", "french.xinhuanet.com"),
    article_pattern=rf"^https?://french\.(news\.cn|xinhuanet\.com)/(\d{{8}}/{_HEX32}/c\.html|\d{{4}}-\d{{2}}/\d{{2}}/c_\d+\.htm)$",
    feeds=tuple(f"https://french.news.cn/rss/{s}.xml"
                for s in ("chine", "monde", "afrique", "culture", "science", "economie", "environnement")),
    listings=(Listing("https://french.news.cn/europe/index.htm"),),
    hints=CleaningHints(title_selector=".conTop h1", body_selector="#detailContent", date_selector=".time"),
)

DECLARATIONS: tuple[Source, ...] = (XINHUA_FR,)
