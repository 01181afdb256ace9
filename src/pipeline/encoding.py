"""Bytes to text for saved pages: gzip by content, then the right character encoding."""

from __future__ import annotations

import codecs
import re
import zlib

import charset_normalizer

# Large enough for any real article page (the crawler drops pages above ~10 MB), small
# enough that a gzip bomb cannot exhaust memory.
MAX_GUNZIP_BYTES = 32 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_TAG = re.compile(rb"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)
_SPACE = re.compile(rb"\s+")

# The WHATWG encoding standard makes browsers read these labels as supersets;
# pages rely on it (a "gb2312" page routinely holds GBK-only characters).
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "hz-gb-2312": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cp950": "big5hkscs",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "iso-8859-9": "cp1254", "tis-620": "cp874", "utf8": "utf-8", "unicode": "utf-8",
}
_SINGLE_BYTE = {"cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
                "cp874", "koi8_r", "koi8_u", "mac_cyrillic", "mac_roman"}
_MAX_REPLACEMENT_SHARE = 0.002  # a few stray bytes are tolerated; more means the label is wrong


def maybe_gunzip(raw: bytes, limit: int = MAX_GUNZIP_BYTES) -> bytes:
    """The decompressed bytes when `raw` is gzip (by its magic bytes), else `raw`; output capped at `limit`."""
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    out: list[bytes] = []
    size = 0
    data = raw
    try:
        # concatenated members are legal gzip; each needs a fresh decompressor
        while data.startswith(_GZIP_MAGIC) and size < limit:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = inflater.decompress(data, limit - size)
            out.append(chunk)
            size += len(chunk)
            if not inflater.eof:
                break
            data = inflater.unused_data
    except zlib.error:
        # a truncated or corrupt stream: keep what inflated, or the raw bytes if nothing did
        if not out:
            return raw
    return b"".join(out)


def normalize_label(label: str | None) -> str | None:
    """The Python codec to use for an encoding label, superset-aware; None when unknown."""
    if not label:
        return None
    name = label.strip().strip("'\"").lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a label with a NUL in it, from a hostile header
        return None
    return _ALIASES.get(codec, codec)


def _bom(raw: bytes) -> str | None:
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return None


def meta_charset(raw: bytes) -> str | None:
    """The charset named in the page's own <meta> (first 4 KB), if any."""
    match = _META_CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _clean_decode(raw: bytes, codec: str) -> str | None:
    """The text when `codec` decodes `raw` with almost no replacement characters, else None."""
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = raw.decode(codec, errors="replace")
    if text.count("\ufffd") <= max(2, len(text) * _MAX_REPLACEMENT_SHARE):
        return text
    return None


def _detect(raw: bytes) -> str | None:
    """Best guess from the page's text bytes (markup removed, so the markup's ASCII does not dilute it)."""
    sample = _SPACE.sub(b" ", _TAG.sub(b" ", raw[:400_000]))[:120_000]
    if not sample.strip():
        return None
    best = charset_normalizer.from_bytes(sample).best()
    return normalize_label(best.encoding) if best is not None else None


def decode_html(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding used) for page bytes: BOM, meta charset, HTTP charset, then detection."""
    bom = _bom(raw)
    if bom:
        return raw.decode(bom, errors="replace").lstrip("\ufeff"), bom
    ascii_only = raw.isascii()
    utf8_ok = not ascii_only and _is_utf8(raw)
    for label in (meta_charset(raw), declared):
        codec = normalize_label(label)
        if codec is None:
            continue
        if ascii_only:
            return raw.decode("ascii"), codec
        if codec != "utf-8" and utf8_ok:
            # non-ASCII bytes that happen to form valid UTF-8 all through a page are practically
            # never another encoding; sites re-encode to UTF-8 and keep the old label (people.com.cn)
            continue
        text = _clean_decode(raw, codec)
        if text is not None and not (codec in _SINGLE_BYTE and _looks_misread(text)
                                     and _detect(raw) not in (None, codec)):
            return text, codec
    if ascii_only:
        return raw.decode("ascii"), "ascii"
    if utf8_ok:
        return raw.decode("utf-8"), "utf-8"
    codec = _detect(raw) or "utf-8"
    return raw.decode(codec, errors="replace"), codec


def _looks_misread(text: str) -> bool:
    """Single-byte decoding of CJK or other multi-byte text gives runs of accented Latin letters."""
    high = sum(1 for ch in text if "\u00c0" <= ch <= "\u00ff")
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and high / letters > 0.2
