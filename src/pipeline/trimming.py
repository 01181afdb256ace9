"""Lines of extracted text that are not the article: the headline said again, links to other stories, photo credits.

Trafilatura keeps what sits inside the article's markup, and sites put more there than the
article: the `<h1>` (already the `title` field), "Read more: <another headline>" links between
paragraphs, the credit line under a photo. Left in, they count twice in topic matching (the
headline), tag an article with another story's subject (the link) and make two copies of one
dispatch differ (a credit). Each rule below removes whole lines only, so the article's own
sentences are never cut.
"""

from __future__ import annotations

import re
import unicodedata

# Lines above a repeated headline that are this short are its labels (section, kicker, date);
# a longer one is a paragraph that happens to come first, and stays.
LABEL_CHARS = 80
# How far down the text the headline is looked for: below the third line it is a quotation.
HEAD_LINES = 3
# No credit the pattern below accepts is longer; the length test spares the regex most lines.
CREDIT_CHARS = 90

_NON_WORD = re.compile(r"[\W_]+")

# "Read more: <headline>" and its equivalents, always a label then a colon (or an arrow) then the
# other story's headline. Lower-case "more:" starts sentences ("more: the ..."), so the bare word
# counts only in capitals, as Metro and the Daily Star print it.
_OTHER_STORY = re.compile(
    r"^\s*(?:(?i:read more|read also|also read|see also|les også|les mer|læs også|läs också|lees ook"
    r"|lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|lire aussi|à lire aussi|a lire aussi"
    r"|voir aussi|lee también|leer más|leia também|leggi anche|czytaj (?:więcej|też|także)"
    r"|читайте также|читайте ещё|читайте еще|相关阅读|延伸阅读|相关新闻|相關新聞)|MORE|READ)\s*[:：>»|]")

# A photo credit: "Photo: AFP", "Фото: Дмитрий Азаров", or an agency line as picture desks
# write it ("STR/AFP via Getty Images"). Short, so a sentence that starts with "Image:" stays.
_CREDIT = re.compile(
    r"^\s*(?i:photo|photos|foto|fotos|bild|bilder|image|picture|credit|photo credit|crédit photo"
    r"|crédits photo|фото|图|图片|摄影)\s*[:：]\s*\S.{0,60}$"
    r"|^[^.!?]{0,60}(?i:getty images|/afp|/reuters|/dpa|/epa|\(ap photo\))\s*$")


def _key(text: str) -> str:
    return _NON_WORD.sub("", unicodedata.normalize("NFC", text).casefold())


def without_headline(lines: list[str], title: str | None) -> list[str]:
    """The lines without the headline at their head, nor the short labels above it (section, kicker, date)."""
    wanted = _key(title or "")
    if not wanted:
        return lines
    longest = 2 * len(title or "") + 20  # the same words with more spacing and punctuation, not a paragraph
    for i, line in enumerate(lines[:HEAD_LINES]):
        if len(wanted) <= len(line) <= longest and _key(line) == wanted:
            return lines[i + 1:]
        if len(line) >= LABEL_CHARS:
            # a paragraph came first: a later line saying the headline is the article's own sentence
            break
    return lines


def is_other_story(line: str) -> bool:
    """A link to another story set between the paragraphs ("Read more: ...", "Lire aussi : ...")."""
    return _OTHER_STORY.match(line) is not None


def is_credit(line: str) -> bool:
    """A photo credit line."""
    return len(line) <= CREDIT_CHARS and _CREDIT.match(line) is not None


def trim(text: str, title: str | None) -> str:
    """Extracted text without the lines that belong to the page rather than to the article."""
    if not text:
        return text
    lines = without_headline(text.split("\n"), title)
    return "\n".join(line for line in lines if not (is_other_story(line) or is_credit(line)))
