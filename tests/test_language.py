"""Language detection: real sentences, short titles, scripts, priors, empty input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.language import detect, mismatch

FIX = Path(__file__).parent / "fixtures" / "extraction" / "sib200"
CODES = {"zho_Hans": "zh", "zho_Hant": "zh", "rus_Cyrl": "ru", "jpn_Jpan": "ja", "fra_Latn": "fr",
         "eng_Latn": "en", "kor_Hang": "ko", "arb_Arab": "ar", "deu_Latn": "de"}


def _rows(lang: str) -> list[str]:
    lines = (FIX / f"{lang}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 2)[2] for line in lines]


@pytest.mark.parametrize("lang", sorted(CODES))
def test_full_sentences(lang: str) -> None:
    for sentence in _rows(lang):
        code, confidence = detect(sentence)
        assert code == CODES[lang]
        assert 0.0 < confidence <= 1.0


@pytest.mark.parametrize("lang", ["fra_Latn", "eng_Latn", "deu_Latn", "rus_Cyrl", "zho_Hans"])
def test_title_length_snippets_mostly_right(lang: str) -> None:
    snippets = [s[:30] for s in _rows(lang)]
    right = sum(detect(s)[0] == CODES[lang] for s in snippets)
    assert right >= len(snippets) - 1


def test_empty_and_symbols_are_low_confidence() -> None:
    assert detect("") == ("und", 0.0)
    assert detect("  12345 !!! ") == ("und", 0.0)
    code, confidence = detect("", prior="fr")
    assert code == "fr" and confidence < 0.5


def test_short_text_is_less_confident_than_long() -> None:
    long_text = " ".join(_rows("fra_Latn"))
    assert detect("La Chine")[1] < detect(long_text)[1]


def test_repeatable_with_seed() -> None:
    text = "Le sommet numérique de Fuzhou réunit les entreprises"
    assert detect(text, seed=3) == detect(text, seed=3)


def test_prior_breaks_ties_on_ambiguous_snippet() -> None:
    # "Information" is spelt the same in French, English and German
    assert detect("Information", prior="fr")[0] == "fr"
    assert detect("Information", prior="de")[0] == "de"


def test_mismatch() -> None:
    assert mismatch("en", "fr")
    assert not mismatch("fr", "fr")
    assert not mismatch("zh", "zh-CN")
    assert not mismatch("und", "fr")
    assert not mismatch("fr", None)


@pytest.mark.parametrize("lang", ["fra_Latn", "rus_Cyrl", "deu_Latn"])
def test_numpy_replay_matches_langdetect(lang: str) -> None:
    # the numpy replay of langdetect's scoring must give the very same probabilities
    from langdetect import detector_factory

    from pipeline import language

    detector_factory.init_factory()

    factory = detector_factory._factory
    for text in [*_rows(lang), *(s[:15] for s in _rows(lang))]:
        factory.seed = 0
        reference = factory.create()
        reference.append(text)
        expected = [(p.lang, p.prob) for p in reference.get_probabilities()]
        factory.seed = 0
        replay = factory.create()
        replay.append(text)
        assert [(p.lang, p.prob) for p in language._probabilities(replay)] == expected


def test_cyrillic_letters_decide_between_russian_and_ukrainian() -> None:
    assert detect("Київ сьогодні")[0] == "uk"
    assert detect("Вы знаете это")[0] == "ru"


def test_vietnamese_tone_letters() -> None:
    assert detect("Bác sĩ nói rằng")[0] == "vi"
    # one Vietnamese name in a French sentence does not make it Vietnamese
    assert detect("La délégation de Hồ Chí Minh-Ville est arrivée à Paris mardi soir")[0] == "fr"


def test_function_words_tell_portuguese_from_spanish() -> None:
    assert detect("Logo que a guerra")[0] == "pt"
    assert detect("Luego que la guerra")[0] == "es"


def test_wrong_prior_does_not_override_clear_text() -> None:
    sentence = _rows("fra_Latn")[0]
    assert detect(sentence, prior="en")[0] == "fr"


def test_long_text_is_sampled() -> None:
    from pipeline import language

    text = " ".join(_rows("eng_Latn")) * 20
    assert len(text) > language.SAMPLE_CHARS
    assert detect(text)[0] == "en"
    assert detect(text[:language.SAMPLE_CHARS]) == detect(text)


TRICKY = [
    "Voir https://example.com/a?b=1&c=2  et   écrire à presse@example.org   demain",
    "Việt Nam là một quốc gia   ở Đông Nam Á",      # combining marks that normalize_vi folds
    "Москва и Киев: NATO, EU и G20 обсудили  вопрос",  # mostly Cyrillic: langdetect drops its A-z letters
    "東京で WTO と IMF の会議が開かれた",
    "  leading and trailing  spaces  ",
    "ABC DEF économie NUMÉRIQUE de la Chine",       # acronyms yield no n-grams
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_preparation_matches_langdetect(text: str) -> None:
    from langdetect import detector_factory

    from pipeline import language

    detector_factory.init_factory()
    reference = detector_factory._factory.create()
    reference.append(text)
    prepared = language._appended(text, reference.max_text_length)
    assert prepared == reference.text
    reference.cleaning_text()
    assert language._cleaned(prepared) == reference.text


def test_text_preparation_cuts_at_langdetect_limit() -> None:
    from langdetect import detector_factory

    from pipeline import language

    detector_factory.init_factory()
    reference = detector_factory._factory.create()
    reference.set_max_text_length(50)
    text = "un  deux   trois " * 10
    reference.append(text)
    assert language._appended(text, 50) == reference.text


@pytest.mark.parametrize("trials", [1, 3, 7])
def test_long_text_replay_matches_langdetect_with_the_same_trials(trials: int) -> None:
    # long text runs fewer trials (LONG_TRIALS): the replay must equal langdetect run with that n_trial
    from langdetect import detector_factory

    from pipeline import language

    detector_factory.init_factory()
    factory = detector_factory._factory
    for text in [" ".join(_rows(lang))[:language.SAMPLE_CHARS] for lang in sorted(CODES)] + TRICKY:
        factory.seed = 0
        reference = factory.create()
        reference.n_trial = trials
        reference.append(text)
        expected = [(p.lang, p.prob) for p in reference.get_probabilities()]
        factory.seed = 0
        replay = factory.create()
        replay.n_trial = trials
        replay.text = language._appended(text, replay.max_text_length)
        assert [(p.lang, p.prob) for p in language._probabilities(replay)] == expected


def test_long_text_asks_langdetect_for_long_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import language

    asked: list[int | None] = []
    real = language._langdetect_probs

    def spy(text: str, seed: int, trials: int | None = None) -> dict[str, float]:
        asked.append(trials)
        return real(text, seed, trials)

    monkeypatch.setattr(language, "_langdetect_probs", spy)
    assert detect(" ".join(_rows("fra_Latn")))[0] == "fr"
    assert asked == [language.LONG_TRIALS]


def test_a_word_cut_at_the_end_counts_as_the_start_of_a_word() -> None:
    from pipeline.language_words import log_likelihoods

    # "ha" whole is Italian (or Spanish); cut from "has"/"have"/"had" it is English too
    cut = log_likelihoods("Network Rail ha", {"en", "it"})
    whole = log_likelihoods("Network Rail ha.", {"en", "it"})
    assert cut["en"] - cut["it"] > whole["en"] - whole["it"] + 2
    # a last word no table word starts with is no evidence, and alone it is no text to score
    assert log_likelihoods("zzqx", {"en", "it"}) == {}
    assert log_likelihoods("the zzqx", {"en", "it"}) == log_likelihoods("the zzqx.", {"en", "it"})


def test_the_general_frequency_table_knows_everyday_words_the_short_table_lacks() -> None:
    from pipeline.language_words import frequency_log_likelihoods, vocabulary

    # neither word is among the 300 commonest of SIB-200 train, but both are everyday English
    assert "theatre" not in vocabulary() and "programme" not in vocabulary()
    scores = frequency_log_likelihoods("A theatre programme.", {"en", "it", "fr", "sw"})
    assert max(scores, key=lambda code: scores[code]) == "en"
    # Swahili has no list: it gets the mean of the others, neither evidence for nor against
    listed = [scores[c] for c in ("en", "it", "fr")]
    assert scores["sw"] == pytest.approx(sum(listed) / len(listed))
    # the last word of a text that may have been cut is not a whole word: left out
    assert frequency_log_likelihoods("the theat", {"en", "it"}) == frequency_log_likelihoods("the.", {"en", "it"})
    assert frequency_log_likelihoods("zzqx qqzx.", {"en", "it"}) == {}


def test_everyday_english_words_decide_a_snippet_that_function_words_alone_did_not() -> None:
    # misread before the general table (Italian and French): the words are English, the letters less so
    assert detect("A theatre compa")[0] == "en"
    assert detect("A UK programme")[0] == "en"


# Our own sentences, Spanish and Catalan saying the same (neighbours that share much of their vocabulary).
_SPANISH = ("El gobierno regional aprobó ayer un plan para ampliar la red de fibra óptica en los pueblos del "
            "interior. Según el consejero, las obras empezarán en primavera y costarán unos cuarenta millones de "
            "euros. Los alcaldes piden que las escuelas y los centros de salud sean los primeros en conectarse, "
            "porque muchos vecinos todavía no tienen una conexión estable.")
_CATALAN = ("El govern regional va aprovar ahir un pla per ampliar la xarxa de fibra òptica als pobles de "
            "l'interior. Segons el conseller, les obres començaran a la primavera i costaran uns quaranta milions "
            "d'euros. Els alcaldes demanen que les escoles i els centres de salut siguin els primers a connectar-se, "
            "perquè molts veïns encara no tenen una connexió estable.")


def _langdetect_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from pipeline import language

    calls: list[str] = []
    real = language._langdetect_probs

    def spy(text: str, seed: int, trials: int | None = None) -> dict[str, float]:
        calls.append(text)
        return real(text, seed, trials)

    monkeypatch.setattr(language, "_langdetect_probs", spy)
    return calls


def test_long_text_in_the_declared_language_is_confirmed_by_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _langdetect_calls(monkeypatch)
    french = " ".join(_rows("fra_Latn"))
    assert detect(french, prior="fr") == ("fr", 0.999)
    assert detect(_SPANISH, prior="es") == ("es", 0.999)
    assert calls == []
    # without a prior, or with <html lang> saying otherwise, the detectors are asked as before
    assert detect(french)[0] == "fr"
    assert detect(french, prior="fr", html_lang="en")[0] == "fr"
    assert len(calls) == 2


def test_words_of_another_language_are_not_confirmed_as_the_declared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _langdetect_calls(monkeypatch)
    # Catalan on a Spanish edition: the Catalan word list wins, so the detectors decide, and say so
    assert detect(_CATALAN, prior="es")[0] == "ca"
    assert detect(" ".join(_rows("fra_Latn")), prior="de")[0] == "fr"
    assert len(calls) == 2
