"""Text folding, tokenising and light per-language stemming for topic rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from pipeline.cjk import CJK as CJK_CHARS

# Ideographs, kana and hangul: matched as substrings, one token per character.
CJK = re.compile(f"[{CJK_CHARS}]")
# A token is one CJK character or a run of other word characters.
TOKEN = re.compile(f"[{CJK_CHARS}]|[^\\W{CJK_CHARS}]+")
# What may stand between the words of a multi-word term ("Ceinture et Route",
# "Belt-and-Road", "l'économie"): spaces, hyphens, apostrophes, nothing else.
JOINER = re.compile(r"[\s\-']{1,3}")

_MARKS = {"Mn", "Mc", "Me"}
_SPECIAL = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}


class _FoldTable(dict[int, str]):
    """A str.translate table filled on demand: one character in, one character out."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _SPECIAL.get(char)
        if folded is None:
            stripped = "".join(c for c in unicodedata.normalize("NFKD", char)
                               if unicodedata.category(c) not in _MARKS)
            # Keep offsets aligned with the original text: a character whose
            # folding is not exactly one character stays as it is.
            folded = stripped if len(stripped) == 1 else char
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold_accents(text: str) -> str:
    """Drop accents and unify apostrophes and dashes, keeping case and every character offset."""
    return text.translate(_TABLE)


def fold(text: str) -> str:
    """Accent- and case-folded text (for terms and keys); may change length for rare characters."""
    return fold_accents(text).lower()


def is_cjk(text: str) -> bool:
    """True when the text contains at least one ideograph, kana or hangul."""
    return CJK.search(text) is not None


# Endings are tried longest first; a stem keeps at least MIN_STEM characters so
# short words ("gas", "bus", "ces") are left alone.
MIN_STEM = 3
_FR_ENDINGS = ("ennes", "elles", "eaux", "enne", "elle", "ives", "aux", "ive", "ees", "es", "ee", "s", "x", "e")
_FR_REPLACE = {"ennes": "en", "elles": "el", "enne": "en", "elle": "el", "ives": "if", "ive": "if",
               "aux": "al", "eaux": "eau"}
_EN_ENDINGS = ("ies", "es", "s")
_RU_ENDINGS_RAW = ("иями", "ями", "ами", "ыми", "ими", "ого", "его", "ому", "ему", "иях", "ией", "ия", "ие",
                   "ий", "ая", "яя", "ое", "ее", "ые", "ый", "ой", "ей", "ую", "юю", "ом", "ем", "ам", "ям",
                   "ах", "ях", "ов", "ев", "ью", "ии", "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й")
# Folding turns "й" into "и", so the endings are folded the same way as the text.
_RU_ENDINGS = tuple(sorted({fold(e) for e in _RU_ENDINGS_RAW}, key=len, reverse=True))


def stem_fr(word: str) -> str:
    """French key: folds plural and feminine forms (numériques -> numeriqu, industrielles -> industriel)."""
    if not word.endswith(_FR_ENDINGS):
        return word     # one C call settles most words (and every word of other scripts)
    for ending in _FR_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            base = word[: -len(ending)] + _FR_REPLACE.get(ending, "")
            # "données" -> "donnee" -> "donne": strip a plural, then a final e.
            if ending in ("s", "x") and base.endswith("e") and len(base) - 1 >= MIN_STEM:
                base = base[:-1]
            return base
    return word


def stem_en(word: str) -> str:
    """English key: folds regular plurals (cities -> city, economies -> economy)."""
    if word.endswith("ies") and len(word) > MIN_STEM + 2:
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith(("ches", "shes", "xes", "sses")) and len(word) > MIN_STEM + 2:
        return word[:-2]
    if word.endswith("s") and len(word) > MIN_STEM:
        return word[:-1]
    return word


def stem_ru(word: str) -> str:
    """Russian key: strips one case/number/gender ending (экономики -> экономик)."""
    if not word.endswith(_RU_ENDINGS):
        return word     # one C call settles most words (and every word of other scripts)
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def stem_none(word: str) -> str:
    """No stemming: the folded word itself."""
    return word


STEMMERS: dict[str, Callable[[str], str]] = {"fr": stem_fr, "en": stem_en, "ru": stem_ru}


def stemmer_for(language: str) -> tuple[str, Callable[[str], str]]:
    """The stemmer name and function used for a language's terms."""
    if language in STEMMERS:
        return language, STEMMERS[language]
    return "none", stem_none
