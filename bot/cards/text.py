"""Fonts and text for the cards: the shipped font, what it can draw, names cut to fit.

The font is DejaVu Sans, shipped in ``bot/cards/fonts`` with its licence (no system font is
assumed). It covers Latin, Greek, Cyrillic, Hebrew, Arabic and the emoticons; a character it
cannot draw (CJK, most emoji) is replaced: a symbol is dropped, a letter becomes "?", and a
name left with nothing to draw reads "?". Right-to-left text is laid out by Pillow's raqm
engine (bidi and Arabic shaping) where the Pillow build has it, else reversed by hand.
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
ELLIPSIS = "…"
UNKNOWN = "?"
_PROBE_SIZE = 20
_NOT_A_CHARACTER = "\U000f0000"  # private use: no font has it, so it draws the "missing" box
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_RAQM = features.check("raqm")
_probe_lock = threading.Lock()


_SIMPLE_BELOW = 0x0590  # Latin, Greek, Cyrillic, Armenian: no bidi, no shaping needed


@lru_cache(maxsize=128)
def font(size: int, bold: bool = False, shaped: bool = False) -> ImageFont.FreeTypeFont:
    """One loaded font per (size, weight, layout), shared by every card (loading costs ~1 ms).
    ``shaped``: laid out by raqm (bidi, Arabic joining), where Pillow has it; plain text takes
    the basic layout, which draws it the same at 60% of the cost."""
    layout = ImageFont.Layout.RAQM if shaped and _RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size, layout_engine=layout)


@lru_cache(maxsize=4096)
def needs_shaping(text: str) -> bool:
    return any(ord(char) >= _SIMPLE_BELOW or unicodedata.combining(char) for char in text)


def font_for(text: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return font(size, bold, needs_shaping(text))


def _mask(text: str) -> bytes:
    image = Image.new("L", (2 * _PROBE_SIZE, 2 * _PROBE_SIZE))
    ImageDraw.Draw(image).text((4, 4), text, font=font(_PROBE_SIZE, shaped=True), fill=255)
    return image.tobytes()


@lru_cache(maxsize=1)
def _missing_mask() -> bytes:
    return _mask(_NOT_A_CHARACTER)


@lru_cache(maxsize=8192)
def drawable(char: str) -> bool:
    """Whether the shipped font has a glyph for ``char`` (it draws something other than the
    font's "missing" box)."""
    with _probe_lock:
        return _mask(char) != _missing_mask()


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """``text`` as the cards draw it: what the font cannot draw replaced (see the module)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES or 0xFE00 <= ord(char) <= 0xFE0F:
            continue  # joiners, bidi marks, variation selectors: nothing to draw on their own
        if char.isspace():
            char = " "
        if char == " " or drawable(char):
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
