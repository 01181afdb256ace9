"""Regression gate: on the fixture pages, veille is never below plain Trafilatura, measured in this very run.

Per dataset folder under tests/fixtures/extraction (real pages with third-party gold, see its README):
main-text F1 where the gold is a full body, snippet score where the gold is must-contain /
must-not-contain, and publication-day accuracy. No slack beyond float rounding: a change to
cleaning that loses to the baseline on any dataset fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluation.extraction import Case, Score, evaluate, load_cases

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
DATASETS = ("target-site-pages", "trafilatura-eval-subset", "fundus-parser-testdata", "mozilla-readability-test-pages")
EPS = 1e-9


@pytest.fixture(scope="module")
def scored() -> dict[str, tuple[list[Case], dict[str, Score]]]:
    out: dict[str, tuple[list[Case], dict[str, Score]]] = {}
    for name, cases in load_cases(FIXTURES).items():
        out[name] = (cases, evaluate(cases)[0])
    return out


def test_every_dataset_has_pages(scored: dict[str, tuple[list[Case], dict[str, Score]]]) -> None:
    assert sorted(scored) == sorted(DATASETS)
    for name, (cases, _) in scored.items():
        assert 3 <= len(cases) <= 15, f"{name}: {len(cases)} fixture pages (keep 3 to 15 per dataset)"
    chinese = [c for cases, _ in scored.values() for c in cases if any("\u4e00" <= ch <= "\u9fff" for ch in c.body or
                                                                      " ".join(c.with_))]
    assert len(chinese) >= 5, "the gate must cover Chinese pages"


@pytest.mark.parametrize("dataset", DATASETS)
def test_main_text_never_below_plain_trafilatura(scored: dict[str, tuple[list[Case], dict[str, Score]]],
                                                 dataset: str) -> None:
    _, scores = scored[dataset]
    ours, plain = scores["veille"], scores["plain"]
    if ours.f1 is not None or plain.f1 is not None:
        assert ours.f1 is not None and plain.f1 is not None
        assert ours.f1 >= plain.f1 - EPS, f"{dataset}: F1 veille {ours.f1:.4f} < plain trafilatura {plain.f1:.4f}"
    if plain.snippets is not None:
        assert ours.snippets is not None and ours.snippets >= plain.snippets - EPS, (
            f"{dataset}: snippets veille {ours.snippets} < plain trafilatura {plain.snippets:.4f}")
    assert ours.f1 is not None or ours.snippets is not None, f"{dataset}: nothing scored"


@pytest.mark.parametrize("dataset", DATASETS)
def test_dates_and_titles_never_below_plain_trafilatura(scored: dict[str, tuple[list[Case], dict[str, Score]]],
                                                        dataset: str) -> None:
    _, scores = scored[dataset]
    ours, plain = scores["veille"], scores["plain"]
    for what in ("date_day", "title_exact"):
        mine, theirs = getattr(ours, what), getattr(plain, what)
        if theirs is not None:
            assert mine is not None and mine >= theirs - EPS, f"{dataset}: {what} veille {mine} < plain {theirs}"


def test_the_gate_can_fail(scored: dict[str, tuple[list[Case], dict[str, Score]]]) -> None:
    """The scoring sees a real loss: an extractor that drops the second half of every page scores lower."""
    from pipeline.evaluation.extraction import Output, score

    cases, scores = scored["fundus-parser-testdata"]
    halved = [Output(c.body[: len(c.body) // 2] if c.body else "", None, None, 0.0) for c in cases]
    worse = score(cases, halved)
    assert worse.f1 is not None and scores["plain"].f1 is not None and worse.f1 < scores["plain"].f1


def test_refreshed_date_tags_give_the_earliest_stated_day() -> None:
    """The date fix behind the gate: a refreshed article:published_time loses to the first day in JSON-LD."""
    from pipeline import cleaning

    body = "<p>" + "A sentence long enough to be an article paragraph on its own. " * 8 + "</p>"
    head = ('<meta property="article:published_time" content="2015-12-11T14:28:34.438Z">'
            '<script type="application/ld+json">\n<![CDATA[\n{"@type": "NewsArticle", '
            '"datePublished": "2015-10-15T02:19:15.607Z"}\n]]>\n</script>')
    got = cleaning.extract(f"<html><head>{head}</head><body><article><h1>T</h1>{body * 3}</article></body></html>")
    assert got.published == "2015-10-15T02:19:15+00:00" and got.date_source == "json-ld"
    assert "date-disagreement" in got.flags
    agree = head.replace("2015-10-15T02:19:15.607Z", "2015-12-11T14:28:34Z")
    got = cleaning.extract(f"<html><head>{agree}</head><body><article><h1>T</h1>{body * 3}</article></body></html>")
    assert got.published == "2015-12-11T14:28:34+00:00" and "date-disagreement" not in got.flags
