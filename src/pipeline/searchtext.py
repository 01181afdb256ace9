"""Search tokens: case- and accent-folded words (digits kept: "5G", "2025") and Chinese/Japanese/Korean
character bigrams, since no word splitter for those scripts works offline here."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
TITLE_WEIGHT = 3  # a term in the title counts as three in the body
MAX_TOKEN = 40


def fold(text: str) -> str:
    """Lower case without accents ("Économie" -> "economie")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Search terms of a text, in order (CJK runs become overlapping bigrams)."""
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        run = match.group(0)
        if _CJK_RUN.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
        elif len(run) <= MAX_TOKEN:
            out.append(run)
    return out


def term_counts(title: str, text: str) -> tuple[Counter[str], int]:
    """Weighted term frequencies of one article and its length in terms."""
    counts: Counter[str] = Counter(tokens(text))
    for term in tokens(title):
        counts[term] += TITLE_WEIGHT
    return counts, sum(counts.values())
