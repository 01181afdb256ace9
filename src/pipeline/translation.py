"""Translation-invariant features: what the French, English, Chinese and Russian editions of one
dispatch still share once the wording is gone.

- `c:` keys: entities of a small hand-written lexicon (countries, capitals, organisations) found in
  any of the four languages, so "Estonie", "Estonia", "爱沙尼亚" and "Эстонии" are one feature;
- `k:` keys: other names reduced to a sound skeleton that tolerates transliteration and spelling
  (Путина / Putin / Poutine, Hambourg / Hamburg), Cyrillic names transliterated first;
- figures written in Chinese numerals ("十八", "五百万") as digits, for `n:` keys.

No model and no network: a regular expression per script and a few tables.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipeline.cjk import HAN
from pipeline.translation_lexicon import LEXICON

__all__ = ["chinese_numbers", "cross_keys", "number_words", "skeleton", "transliterate"]

_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi",
                      "ye", "g"], strict=True))
# Soundex-like classes: consonants that transliteration conventions swap (c/k/q, s/z, ph/f, zh/j)
# share a class; vowels, h, w and y carry most of the spelling differences and are dropped.
_CLASSES = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")
_MIN_SKELETON = 3
_MARKS = re.compile("[\u0300-\u036f]")
_WORD = re.compile(r"\w+")
# A capitalised Cyrillic word after a lower-case word, digit or comma: a name, not a sentence start.
# (The look-behinds follow the capital they guard, so the regex engine skips ahead to capitals instead
# of trying a look-behind at every position; the matches are the same.)
_CYRILLIC_NAME = re.compile(r"([А-ЯЁ](?<=[а-яё0-9,] [А-ЯЁ])[а-яё-]{2,})")
# Latin words inside Chinese text are names, acronyms or titles kept in the original spelling.
_LATIN_IN_CJK = re.compile(r"([A-Z](?<![A-Za-z][A-Z])[A-Za-z'-]+)")
_CJK = re.compile(f"[{HAN}]")

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10**4, "亿": 10**8}
# A numeral must start with a digit character (or be 十 + digit): lone 十/百/千/万 are parts of common
# words (十分 "very", 千万 "by all means", 百姓 "people") and would read as round figures.
_ZH_NUMBER = re.compile("(?:[一二两三四五六七八九][零〇一二两三四五六七八九十百千万亿]+|十[一二三四五六七八九])")


# Spelled-out figures from 11 to 99 ("dix-huit", "eighteen", "восемнадцать"): the Chinese edition writes
# 十八 or 18. Smaller ones are in every text; round hundreds and thousands are not evidence.
_UNITS_EN = "one two three four five six seven eight nine".split()
_UNITS_FR = "un deux trois quatre cinq six sept huit neuf".split()
_NUMBER_WORDS: dict[str, int] = {}
for _k, _w in enumerate("eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()):
    _NUMBER_WORDS[_w] = 11 + _k
for _k, _w in enumerate("onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf".split()):
    _NUMBER_WORDS[_w] = 11 + _k
for _k, _w in enumerate("одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать "
                        "восемнадцать девятнадцать двадцать тридцать сорок пятьдесят шестьдесят семьдесят "
                        "восемьдесят девяносто".split()):
    _NUMBER_WORDS[_w] = 11 + _k if _k < 9 else 20 + 10 * (_k - 9)
for _k, (_en, _fr) in enumerate(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(),
                                    "vingt trente quarante cinquante soixante soixante-dix quatre-vingt "
                                    "quatre-vingt-dix".split(), strict=True)):
    _tens = 20 + 10 * _k
    _NUMBER_WORDS[_en] = _NUMBER_WORDS[_fr] = _tens
    for _u, (_ue, _uf) in enumerate(zip(_UNITS_EN, _UNITS_FR, strict=True)):
        _NUMBER_WORDS[f"{_en}-{_ue}"] = _tens + _u + 1
        if _tens not in (70, 90):  # soixante-dix-sept is a tens word plus a teen word: too rare to list
            _NUMBER_WORDS[f"{_fr}-{_uf}"] = _NUMBER_WORDS[f"{_fr}-et-{_uf}"] = _tens + _u + 1


def transliterate(word: str) -> str:
    """Latin letters for a Cyrillic word (the common English-style table); other letters kept."""
    return "".join(_CYRILLIC.get(ch, ch) for ch in word.casefold())


def _plain(word: str) -> str:
    # what normalise_text does to a word: accents (and the breve of й) dropped, case folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", word)).casefold()


def _fold(word: str) -> str:
    return _plain(transliterate(word))


@lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """A sound skeleton of a Latin or Cyrillic name; the folded name itself when too short to be specific."""
    folded = "".join(ch for ch in _fold(word) if "a" <= ch <= "z")
    # "tch" (French for ч) sounds as English "ch"; a final s is a plural or a Latin ending (-as, -os)
    base = folded.replace("tch", "ch").removesuffix("s")
    codes = "".join(ch for ch in base.translate(_CLASSES) if ch.isdigit())
    collapsed = "".join(c for k, c in enumerate(codes) if k == 0 or c != codes[k - 1])
    return collapsed if len(collapsed) >= _MIN_SKELETON else folded


_Form = tuple[tuple[str, bool], ...]  # words of a phrase, each (text, matches as a prefix)


class _PhraseMatcher:
    """Finds phrases (tuples of words, a word optionally matching as a prefix) in a list of words.

    One big regular-expression alternation was most of the time spent on 100k articles; here each
    distinct word is looked up once (a bounded memo) and only phrases starting with it are tried.
    """

    MEMO_LIMIT = 500_000

    def __init__(self, forms: dict[_Form, str]) -> None:
        self.forms = forms
        self.exact_first: dict[str, list[_Form]] = {}
        self.prefix_first: dict[str, list[_Form]] = {}
        for form in forms:
            word, prefix = form[0]
            (self.prefix_first if prefix else self.exact_first).setdefault(word, []).append(form)
        self.stem_lengths = sorted({len(w) for w in self.prefix_first}, reverse=True)
        self.memo: dict[str, list[_Form]] = {}
        self.seen: set[str] = set()
        self.starters: set[str] = set()

    def starting_with(self, word: str) -> list[_Form]:
        """The phrases whose first word matches `word`, longest first."""
        hit = self.memo.get(word)
        if hit is None:
            found = list(self.exact_first.get(word, ()))
            for length in self.stem_lengths:
                if length <= len(word):
                    found += self.prefix_first.get(word[:length], ())
            hit = sorted(found, key=len, reverse=True)
            if len(self.memo) >= self.MEMO_LIMIT:
                self.memo.clear()
            self.memo[word] = hit
        return hit

    @staticmethod
    def _fits(form: _Form, words: list[str], start: int) -> bool:
        if start + len(form) > len(words):
            return False
        return all(words[start + k].startswith(w) if prefix else words[start + k] == w
                   for k, (w, prefix) in enumerate(form))

    def find(self, words: list[str], distinct: set[str] | None = None) -> list[tuple[str, int, int]]:
        """(value, start, end) of the longest phrase at each position, left to right, not overlapping.

        `distinct` is `set(words)` when the caller has it already.
        """
        distinct = set(words) if distinct is None else distinct
        # set operations run in C: only words never seen before are classified in Python
        new = distinct - self.seen
        if len(self.seen) + len(new) > self.MEMO_LIMIT:
            # forget everything before classifying this text, so that no starter of it is forgotten
            # midway and the result never depends on the texts read before
            self.seen.clear()
            self.starters.clear()
            new = distinct
        for word in new:
            self.seen.add(word)
            if self.starting_with(word):
                self.starters.add(word)
        present = distinct & self.starters
        if not present:
            return []
        out = []
        end = 0
        # the few positions of the few starters present, found by list.index scans in C rather than by
        # testing every word in Python
        for i in sorted(_positions(words, present)):
            if i < end:
                continue  # inside the phrase just found
            for form in self.starting_with(words[i]):
                # a one-word phrase is matched by the lookup itself
                if len(form) == 1 or self._fits(form, words, i):
                    out.append((self.forms[form], i, i + len(form)))
                    end = i + len(form)
                    break
        return out


def _positions(words: list[str], wanted: set[str]) -> list[int]:
    """Every index of `words` holding one of `wanted`."""
    out = []
    for word in wanted:
        i = words.index(word)
        while True:
            out.append(i)
            try:
                i = words.index(word, i + 1)
            except ValueError:
                break
    return out


def _form(phrase: str, all_prefix: bool) -> _Form:
    words = _plain(phrase).replace("-", " ").split()
    return tuple((w.rstrip("*"), all_prefix or w.endswith("*")) for w in words)


def _parse_lexicon() -> tuple[dict[_Form, str], dict[str, str]]:
    forms: dict[_Form, str] = {}
    chinese: dict[str, str] = {}
    for line in LEXICON.strip().splitlines():
        columns = [c.strip() for c in line.split("|")]
        concept = columns[0].split(",")[0].strip().replace(" ", "-")
        for k, column in enumerate(columns):
            for form in (f.strip() for f in column.split(",")):
                if not form:
                    continue
                if k == 2:
                    chinese[form] = concept
                else:
                    forms[_form(form, all_prefix=k == 3)] = concept
    return forms, chinese


_LEXICON_FORMS, _CHINESE = _parse_lexicon()
_LEXICON = _PhraseMatcher(_LEXICON_FORMS)
_NUMBERS = _PhraseMatcher({_form(w.replace("-et-", " et "), False): str(v) for w, v in _NUMBER_WORDS.items()})
_CHINESE_RE = re.compile("|".join(re.escape(f) for f in sorted(_CHINESE, key=len, reverse=True)))


def _concept(word: str) -> str | None:
    for form in _LEXICON.starting_with(word):
        if len(form) == 1:
            return _LEXICON.forms[form]
    return None


def number_words(words: list[str], distinct: set[str] | None = None) -> set[int]:
    """Values of the figures from 11 to 99 spelled out in English, French or Russian (normalised words).

    `distinct` is `set(words)` when the caller has it already.
    """
    return {int(value) for value, _, _ in _NUMBERS.find(words, distinct)}


def _zh_value(numeral: str) -> int:
    if not any(ch in _ZH_UNITS or ch in _ZH_BIG for ch in numeral):
        # digit by digit, as years are written (二〇一一)
        return int("".join(str(_ZH_DIGITS[ch]) for ch in numeral))
    total, section, digit = 0, 0, 0
    for ch in numeral:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (digit or 1) * _ZH_UNITS[ch]
            digit = 0
        else:
            total = (total + section + digit) * _ZH_BIG[ch]
            section = digit = 0
    return total + section + digit


def chinese_numbers(text: str) -> set[int]:
    """Values of the figures written in Chinese numerals."""
    return {_zh_value(m.group(0)) for m in _ZH_NUMBER.finditer(text)}


def cross_keys(normalised: str, text: str, names: frozenset[str], words: list[str] | None = None,
               distinct: set[str] | None = None) -> set[str]:
    """`c:` lexicon entities and `k:` name skeletons of one article.

    `normalised` is the article's `normalise_text` (`words` its words if already split, `distinct` their
    set), `text` the raw title and text, `names` the Latin-script names already found (folded); names
    inside a lexicon entity are not counted twice.
    """
    keys: set[str] = set()
    covered: set[str] = set()
    words = normalised.split() if words is None else words
    for concept, start, end in _LEXICON.find(words, distinct):
        keys.add("c:" + concept)
        covered.update(words[start:end])
    if _CJK.search(text):
        compact = normalised.replace(" ", "")
        keys.update("c:" + _CHINESE[m.group(0)] for m in _CHINESE_RE.finditer(compact))
        names = names | {_plain(m.group(1)).strip("'-") for m in _LATIN_IN_CJK.finditer(text)
                         if len(m.group(1)) >= 2}
    names = names | {_plain(m.group(1)).strip("-") for m in _CYRILLIC_NAME.finditer(text)}
    for name in names:
        parts, in_lexicon = _name_parts(name)
        if not parts or in_lexicon or any(p in covered for p in parts):
            continue
        keys.add("k:" + skeleton(name))
    return keys


@lru_cache(maxsize=1 << 16)
def _name_parts(name: str) -> tuple[tuple[str, ...], bool]:
    """The words of a name and whether one of them is a lexicon entity (names recur across articles)."""
    parts = tuple(_WORD.findall(name))
    return parts, any(_concept(p) is not None for p in parts)
