"""Lines of extracted text that belong to the page, not to the article (pipeline.trimming)."""

from __future__ import annotations

import pytest

from pipeline import cleaning, trimming

TITLE = "Nepal says 'no proof' flydubai plane suffered bird strike"
BODY = ("Nepal's aviation authority said on Tuesday there was no proof that a flydubai plane suffered a bird "
        "strike after it caught fire shortly after take-off from Kathmandu.")


def test_the_headline_at_the_head_goes_with_its_labels() -> None:
    assert trimming.trim(f"{TITLE}\n{BODY}", TITLE) == BODY
    # punctuation, case and typographic quotes differ between the <h1> and the stated headline
    assert trimming.trim(f"NEPAL SAYS ‘NO PROOF’ FLYDUBAI PLANE SUFFERED BIRD STRIKE\n{BODY}", TITLE) == BODY
    # a section label and a date above the headline are labels of it
    assert trimming.trim(f"World\n08.04.2023 12:46\n{TITLE}\n{BODY}", TITLE) == BODY


def test_a_paragraph_that_repeats_the_headline_stays() -> None:
    # the article's own sentence, after a paragraph: Sputnik's fact pages end a paragraph run with it
    text = f"{BODY}\n{TITLE}\nMore text."
    assert trimming.trim(text, TITLE) == text
    # below the first lines it is a quotation, whatever is above it
    text = f"A.\nB.\nC.\n{TITLE}"
    assert trimming.trim(text, TITLE) == text
    assert trimming.trim(f"{TITLE}\n{BODY}", None) == f"{TITLE}\n{BODY}"


@pytest.mark.parametrize("line", [
    "Read more: Plymouth protests erupt in violence",
    "READ MORE: First look at Thorpe Park's new rollercoaster",
    "MORE : The Metro daily cartoon by Guy Venables",
    "ALSO READ: Solar firm to boost clean energy uptake",
    "Les også: Tone Damli ofret musikkarrieren for barna",
    "Lesen Sie auch: Annalena Baerbock: alle wichtigen Infos",
    "Lire aussi : Les critiques de la CNIL contre le projet de loi",
    "Читайте также: Путин провел переговоры",
    "相关阅读：数字经济发展报告发布",
])
def test_links_to_other_stories_go(line: str) -> None:
    assert trimming.is_other_story(line)
    assert trimming.trim(f"{BODY}\n{line}\n{BODY}", TITLE) == f"{BODY}\n{BODY}"


@pytest.mark.parametrize("line", [
    "more: the ministry published the figures on Monday.",   # a sentence, not a label
    "Read the full report on the ministry's site.",
    "Moreover, the plane landed safely.",
])
def test_sentences_that_start_alike_stay(line: str) -> None:
    assert not trimming.is_other_story(line)
    assert not trimming.is_credit(line)


@pytest.mark.parametrize("line", [
    "Photo: AFP", "Фото: Дмитрий Азаров, Коммерсантъ", "Image: eThekwini Municipality / Facebook",
    "STR/AFP via Getty Images", "Andrea Verdelli/Getty Images", "图片：新华社记者 李鑫 摄",
])
def test_photo_credits_go(line: str) -> None:
    assert trimming.is_credit(line)


def test_a_long_sentence_after_a_credit_word_stays() -> None:
    line = ("Image: the satellite photographs released by the agency on Monday show the damage to the runway "
            "and the terminal.")
    assert not trimming.is_credit(line)


def test_cleaning_returns_the_body_without_the_headline_or_links() -> None:
    paragraphs = "".join(f"<p>{BODY} Paragraph {i} adds detail on the inquiry and the airline's reply.</p>"
                         for i in range(6))
    page = (f"<html><head><title>{TITLE} | Reuters</title></head><body><article><h1>{TITLE}</h1>"
            f"{paragraphs}<p>Read more: Kathmandu airport reopens after fire</p>"
            f"<p>Photo: AFP</p></article></body></html>")
    got = cleaning.extract(page, url="https://www.reuters.com/world/asia-pacific/nepal-flydubai-2023-05-16/")
    assert got.title == TITLE
    assert got.text.startswith(BODY)
    assert "Read more" not in got.text and "Photo: AFP" not in got.text
