"""Decoding pages: BOM, labels, wrong labels, detection, gzip by content."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipeline.encoding import decode_html, maybe_gunzip, normalize_label

FIX = Path(__file__).parent / "fixtures" / "extraction"


def _sentences(lang: str) -> str:
    rows = (FIX / "sib200" / f"{lang}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return " ".join(r.split("\t", 2)[2] for r in rows)


def _page(text: str, charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(("lang", "codec", "label"), [
    ("zho_Hans", "gb18030", None),          # undeclared Chinese
    ("zho_Hans", "gbk", "utf-8"),           # declared wrongly
    ("zho_Hans", "gb18030", "gb2312"),      # gb2312 label on GBK/GB18030 bytes
    ("zho_Hant", "big5", None),
    ("rus_Cyrl", "cp1251", None),
    ("rus_Cyrl", "cp1251", "iso-8859-1"),   # Cyrillic labelled Latin-1
    ("jpn_Jpan", "shift_jis", None),
])
def test_real_text_re_encoded_is_decoded(lang: str, codec: str, label: str | None) -> None:
    text = _sentences(lang)
    raw = _page(text, label).encode(codec, errors="ignore")
    expected = _page(text, label).encode(codec, errors="ignore").decode(codec)
    got, used = decode_html(raw)
    assert expected.split("<p>")[1][:200] in got
    assert "\ufffd" not in got
    assert used


def test_french_seed_in_windows_1252_and_mislabeled_utf8() -> None:
    text = (FIX / "seeds" / "001_eff1faf9964d099f.txt").read_text(encoding="utf-8")
    latin = text.encode("cp1252", errors="ignore").decode("cp1252")
    got, used = decode_html(_page(latin, "windows-1252").encode("cp1252"))
    assert used == "cp1252" and latin[:300] in got
    # UTF-8 bytes under a Latin-1 label would be mojibake (Ã©): the bytes win
    got, used = decode_html(_page(text, "iso-8859-1").encode("utf-8"))
    assert used == "utf-8" and "Ã" not in got and text[:300] in got


def test_http_charset_used_when_page_is_silent() -> None:
    text = _sentences("rus_Cyrl")
    text = text.encode("koi8_r", errors="ignore").decode("koi8_r")
    got, used = decode_html(_page(text, None).encode("koi8_r"), declared="koi8-r")
    assert used == "koi8-r" and text[:100] in got


def test_bom_wins() -> None:
    got, used = decode_html(b"\xef\xbb\xbf" + _page("café", "iso-8859-1").encode("utf-8"))
    assert used == "utf-8-sig" and "café" in got and not got.startswith("\ufeff")


def test_real_gbk_page_declared_utf8() -> None:
    # a 2012 Xinhua Hebei page that says utf-8 but is GBK
    raw = (FIX / "target-site-pages" / "webarchive_he.xinhuanet.com_2012-06-04_content_25340717.html").read_bytes()
    got, used = decode_html(raw)
    assert used == "gb18030"
    assert "话剧《约定无期限》" in got


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    page = _page("bonjour", "utf-8").encode()
    assert maybe_gunzip(gzip.compress(page)) == page
    assert maybe_gunzip(page) == page
    # two concatenated members are one valid gzip stream
    assert maybe_gunzip(gzip.compress(b"ab") + gzip.compress(b"cd")) == b"abcd"


def test_gzip_bomb_is_bounded() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(maybe_gunzip(bomb, limit=100_000)) == 100_000


def test_corrupt_gzip_does_not_raise() -> None:
    broken = gzip.compress(b"<html>" * 1000)[:40]
    out = maybe_gunzip(broken)
    assert isinstance(out, bytes)


def test_a_charset_label_with_a_nul_is_ignored_not_fatal() -> None:
    # codecs.lookup raises ValueError, not LookupError, on an embedded NUL (found by the property test)
    assert normalize_label("utf\x008") is None
    text, _ = decode_html("<p>é</p>".encode(), declared="\x00")
    assert text == "<p>é</p>"
