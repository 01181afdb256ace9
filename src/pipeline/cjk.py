"""Character ranges of the CJK scripts: one definition for every module that tells them apart.

Plain strings for regex character classes (`f"[{CJK}]"`); no imports, so any module can use them.
"""

from __future__ import annotations

HAN = "\u3400-\u4dbf\u4e00-\u9fff"        # CJK Unified Ideographs and Extension A (what Chinese text is made of)
HAN_COMPAT = "\uf900-\ufaff"              # CJK Compatibility Ideographs
CJK = f"\u3040-\u30ff{HAN}\uac00-\ud7af{HAN_COMPAT}"  # kana, Han and Hangul syllables
