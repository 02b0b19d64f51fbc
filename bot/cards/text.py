"""Fonts and text for the cards: the shipped fonts, what they can draw, names cut to fit.

The fonts ship in ``bot/cards/fonts`` with their licences (no system font is assumed): DejaVu
Sans (Latin, Greek, Cyrillic, Hebrew, Arabic, the emoticons) and, for Chinese, Japanese and
Korean names, a subset of Noto Sans CJK (``scripts/subset_cjk_font.py``: the most used hanzi,
kanji, kana and Hangul). A name with a character DejaVu lacks is drawn in the CJK font if that
has it. A character neither can draw is replaced: a symbol (most emoji) is dropped, a letter
becomes "?", and a name left with nothing to draw reads "?". Right-to-left text is laid out by
Pillow's raqm engine (bidi and Arabic shaping) where the Pillow build has it, else reversed.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

FONTS = Path(__file__).parent / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
CJK = FONTS / "NotoSansCJK-Subset.otf"
ELLIPSIS = "…"
UNKNOWN = "?"
_PROBE_SIZE = 20
_NOT_A_CHARACTER = "\U000f0000"  # private use: no font has it, so it draws the "missing" box
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_RAQM = features.check("raqm")
_probe_lock = threading.Lock()


_SIMPLE_BELOW = 0x0590  # Latin, Greek, Cyrillic, Armenian: no bidi, no shaping needed


@lru_cache(maxsize=128)
def font(
    size: int, bold: bool = False, shaped: bool = False, cjk: bool = False
) -> ImageFont.FreeTypeFont:
    """One loaded font per (size, weight, layout, face), shared by every card (loading costs
    ~1 ms). ``shaped``: laid out by raqm (bidi, Arabic joining), where Pillow has it; plain text
    takes the basic layout, which draws it the same at 60% of the cost. ``cjk``: the CJK face
    (regular weight only)."""
    layout = ImageFont.Layout.RAQM if shaped and _RAQM else ImageFont.Layout.BASIC
    path = CJK if cjk else BOLD if bold else REGULAR
    return ImageFont.truetype(str(path), size, layout_engine=layout)


@lru_cache(maxsize=4096)
def needs_shaping(text: str) -> bool:
    return any(ord(char) >= _SIMPLE_BELOW or unicodedata.combining(char) for char in text)


@lru_cache(maxsize=4096)
def in_cjk_face(text: str) -> bool:
    """Whether (cleaned) ``text`` is drawn in the CJK face: it has a character DejaVu lacks."""
    return any(char != " " and not drawable(char) for char in text)


def font_for(text: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    if in_cjk_face(text):
        return font(size, cjk=True)
    return font(size, bold, needs_shaping(text))


def _mask(text: str, cjk: bool) -> bytes:
    image = Image.new("L", (2 * _PROBE_SIZE, 2 * _PROBE_SIZE))
    face = font(_PROBE_SIZE, shaped=True, cjk=cjk)
    ImageDraw.Draw(image).text((4, 4), text, font=face, fill=255)
    return image.tobytes()


@lru_cache(maxsize=2)
def _missing_mask(cjk: bool) -> bytes:
    return _mask(_NOT_A_CHARACTER, cjk)


@lru_cache(maxsize=16384)
def _has_glyph(char: str, cjk: bool) -> bool:
    with _probe_lock:
        return _mask(char, cjk) != _missing_mask(cjk)


def drawable(char: str) -> bool:
    """Whether DejaVu has a glyph for ``char`` (it draws something other than its "missing"
    box)."""
    return _has_glyph(char, False)


def cjk_drawable(char: str) -> bool:
    return _has_glyph(char, True)


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """``text`` as the cards draw it: what the font cannot draw replaced (see the module)."""
    chars = [
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", text)
        # Joiners, bidi marks, variation selectors: nothing to draw on their own.
        if unicodedata.category(char) not in _DROPPED_CATEGORIES
        and not 0xFE00 <= ord(char) <= 0xFE0F
    ]
    # One face per name: the CJK one if DejaVu lacks a character that it has.
    has = drawable
    if any(not drawable(char) and cjk_drawable(char) for char in chars if char != " "):
        has = cjk_drawable
    out: list[str] = []
    for char in chars:
        category = unicodedata.category(char)
        if char == " " or has(char):
            out.append(char)
        elif category.startswith("S") or category.startswith("M"):
            continue  # an emoji or a mark the font lacks: dropped
        elif not out or out[-1] != UNKNOWN:
            out.append(UNKNOWN)
    cleaned = " ".join("".join(out).split())
    if not cleaned.strip(f"{UNKNOWN} "):
        return UNKNOWN if text.strip() else ""
    return cleaned if _RAQM else _visual_order(cleaned)


def _visual_order(text: str) -> str:
    """Without raqm Pillow draws characters in memory order: a mostly right-to-left name is
    reversed so that it reads right (no Arabic shaping, but the right letters in order)."""
    rtl = sum(unicodedata.bidirectional(char) in ("R", "AL") for char in text)
    return text[::-1] if rtl * 2 > len(text) else text


def width(text: str, size: int, bold: bool = False) -> float:
    return font_for(text, size, bold).getlength(text)


@lru_cache(maxsize=4096)
def fit(text: str, size: int, limit: float, bold: bool = False) -> str:
    """``text`` cleaned and, if wider than ``limit`` pixels, cut with an ellipsis."""
    return cut(clean(text), size, limit, bold)


@lru_cache(maxsize=4096)
def cut(cleaned: str, size: int, limit: float, bold: bool = False) -> str:
    """Cleaned text cut with an ellipsis to ``limit`` pixels."""
    if width(cleaned, size, bold) <= limit:
        return cleaned
    low, high = 0, len(cleaned)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if width(cleaned[:middle].rstrip() + ELLIPSIS, size, bold) <= limit:
            low = middle
        else:
            high = middle - 1
    return cleaned[:low].rstrip() + ELLIPSIS


def wrap(text: str, size: int, limit: float, lines: int, bold: bool = False) -> list[str]:
    """``text`` in at most ``lines`` lines of ``limit`` pixels, the last cut with an ellipsis."""
    words = clean(text).split()
    out: list[str] = []
    current = ""
    for index, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if width(trial, size, bold) <= limit or not current:
            current = trial
            continue
        out.append(current)
        current = word
        if len(out) == lines - 1:
            rest = " ".join(words[index:])
            return [*out, cut(rest, size, limit, bold)]
    if current:
        out.append(cut(current, size, limit, bold))
    return out
