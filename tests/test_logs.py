"""Structured log lines: one line per failed URL and per source summary, text or JSON, no stack traces."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from pipeline import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    level = logging.getLogger().level
    handler = logs.configure("INFO", "text", out)
    yield out
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(level)
    logs._installed = None


def test_failed_url_is_one_key_value_line(stream: io.StringIO) -> None:
    log = logging.getLogger("spiders.source")
    logs.failed_url(log, "xinhua-fr", "https://french.news.cn/a.htm?x=1&y=2", "http 503", status=503, kind="article")
    (line,) = stream.getvalue().splitlines()
    assert " warning spiders.source event=failed-url source=xinhua-fr url=https://french.news.cn/a.htm?x=1&y=2 " \
           "kind=article status=503 reason=\"http 503\"" in line
    assert line[:4].isdigit() and "Z " in line


def test_values_with_spaces_quotes_and_newlines_stay_on_one_line(stream: io.StringIO) -> None:
    logs.event(logging.getLogger("veille"), logging.WARNING, "x", reason='a "b"\nc', title="économie 数字", empty="")
    (line,) = stream.getvalue().splitlines()
    assert 'reason="a \\"b\\"\\nc"' in line and 'title="économie 数字"' in line and 'empty=""' in line


def test_json_lines_and_summary_levels() -> None:
    out = io.StringIO()
    level = logging.getLogger().level
    handler = logs.configure("INFO", "json", out)
    try:
        log = logging.getLogger("flows.daily")
        logs.source_summary(log, "people-fr", requests=12, articles=3, failures=1)
        logs.source_summary(log, "sputnik-fr", error="crawl exited with status 1")
        try:
            raise RuntimeError("unexpected")
        except RuntimeError:
            log.exception("load failed")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
        logs._installed = None
    first, second, third = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event"] == "source-summary" and first["level"] == "info"
    assert first["source"] == "people-fr" and first["articles"] == 3 and first["error"] is None
    assert second["level"] == "warning" and second["error"] == "crawl exited with status 1"
    assert "traceback" not in first and "traceback" not in second
    # only an unexpected exception carries its traceback, inside the one JSON line
    assert third["msg"] == "load failed" and "RuntimeError: unexpected" in third["traceback"]


def test_bad_format_or_level_is_refused() -> None:
    with pytest.raises(ValueError, match="log_format"):
        logs.configure("INFO", "xml")
    with pytest.raises(ValueError, match="log_level"):
        logs.configure("LOUD", "text")
