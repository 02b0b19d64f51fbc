"""Make bot/cards/fonts/NotoSansCJK-Subset.otf, the cards' font for Chinese, Japanese and Korean
names, from Noto Sans CJK TC Regular (SIL Open Font License 1.1).

    pip install fonttools
    python scripts/subset_cjk_font.py PATH/TO/NotoSansCJKtc-Regular.otf

(The .otf is in Google's noto-cjk releases, or in the PyPI package cvttf-notosanscjk-regular.)
It keeps what names use most, at ~1/8 of the file: ASCII, Latin-1, Greek and Cyrillic (so a
name mixing them with CJK keeps them), CJK punctuation, kana,
full-width forms, the hanzi of GB 2312 level 1 (the 3,755 most used simplified characters),
JIS X 0208 level 1 kanji, Big5's frequent traditional characters and KS X 1001's 2,350 Hangul
syllables. A rarer character is drawn as "?" on a card.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

OUT = Path(__file__).resolve().parents[1] / "bot" / "cards" / "fonts" / "NotoSansCJK-Subset.otf"


def _double_byte(codec: str, rows: range, cells: range) -> set[int]:
    found = set()
    for row in rows:
        for cell in cells:
            try:
                found.add(ord(bytes((row, cell)).decode(codec)))
            except (UnicodeDecodeError, TypeError):
                continue
    return found


def characters() -> set[int]:
    wanted = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x370, 0x500))
    wanted |= set(range(0x3000, 0x3100)) | set(range(0xFF00, 0xFFF0))
    wanted |= _double_byte("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))  # GB 2312 level 1
    wanted |= _double_byte("euc_jp", range(0xB0, 0xD0), range(0xA1, 0xFF))  # JIS level 1
    wanted |= _double_byte("big5", range(0xA4, 0xC6), range(0x40, 0xFF))  # Big5 frequent
    wanted |= _double_byte("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF))  # KS X 1001 Hangul
    return wanted


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = []  # names need no ligatures or vertical forms
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
    options.notdef_outline = True
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    subset.save_font(font, str(OUT), options)
    print(f"{OUT}: {OUT.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])
