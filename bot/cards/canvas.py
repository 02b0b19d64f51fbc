"""A card's canvas: the theme's colours, drawing helpers, and the text layer.

Every string a card draws is also kept, in drawing order, in ``Canvas.texts``: tests read what a
card says from there instead of comparing pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw

from bot.cards import text as fonts

WIDTH = 800
"""Twice a phone's width in points: sharp on a phone, still light to send."""
PAD = 32
PNG_COMPRESSION = 3

Anchor = Literal["la", "ra", "ma", "lm", "rm", "mm", "ls", "rs", "ms"]


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours chosen to read on Discord's and Slack's dark and light backgrounds alike: the
    card brings its own opaque background and a border."""

    name: str
    background: str
    stripe: str
    border: str
    text: str
    muted: str
    accent: str
    good: str
    bad: str
    empty: str
    shades: tuple[str, str, str, str, str]
    """Activity grid: played for no points, then four steps of points."""
    medals: tuple[str, str, str]


DARK = Theme(
    name="dark",
    background="#1e2230",
    stripe="#262b3b",
    border="#3a4156",
    text="#f2f4f8",
    muted="#a3abbd",
    accent="#6c9cff",
    good="#3fbf7f",
    bad="#ef6f7a",
    empty="#2e3446",
    shades=("#35506b", "#1f6f54", "#2a9d68", "#3fcf80", "#8cf5b0"),
    medals=("#f5c542", "#c8d0db", "#d7925a"),
)
LIGHT = Theme(
    name="light",
    background="#fbfbfd",
    stripe="#eef1f6",
    border="#ccd2de",
    text="#1b2130",
    muted="#5a6376",
    accent="#2f6fde",
    good="#1b9a5e",
    bad="#cc3444",
    empty="#e3e7ef",
    shades=("#c9d6e6", "#b4e6c8", "#6fcf97", "#2fa766", "#17693f"),
    medals=("#d9a400", "#8e99a8", "#b36a2e"),
)
THEMES = {theme.name: theme for theme in (DARK, LIGHT)}


@lru_cache(maxsize=32)
def _background(width: int, height: int, theme: Theme) -> Image.Image:
    image = Image.new("RGB", (width, height), theme.background)
    ImageDraw.Draw(image).rectangle((0, 0, width - 1, height - 1), outline=theme.border, width=2)
    return image


class Canvas:
    def __init__(self, height: int, theme: Theme, width: int = WIDTH) -> None:
        self.width, self.height, self.theme = width, height, theme
        self.image = _background(width, height, theme).copy()
        self.draw = ImageDraw.Draw(self.image)
        self.texts: list[str] = []

    def text(
        self,
        xy: tuple[float, float],
        value: str,
        size: int,
        *,
        bold: bool = False,
        fill: str | None = None,
        anchor: Anchor = "la",
        limit: float | None = None,
        cleaned: bool = False,
    ) -> str:
        """Draw ``value`` (cleaned, cut to ``limit`` pixels with an ellipsis); returns what was
        drawn, which the text layer keeps."""
        if cleaned:
            shown = value if limit is None else fonts.cut(value, size, limit, bold)
        else:
            shown = fonts.clean(value) if limit is None else fonts.fit(value, size, limit, bold)
        if shown:
            self.draw.text(
                xy,
                shown,
                font=fonts.font_for(shown, size, bold),
                fill=fill or self.theme.text,
                anchor=anchor,
            )
        self.texts.append(shown)
        return shown

    def box(
        self,
        xy: tuple[float, float, float, float],
        fill: str | None,
        radius: int = 0,
        outline: str | None = None,
    ) -> None:
        if radius:
            self.draw.rounded_rectangle(xy, radius=radius, fill=fill, outline=outline, width=2)
        else:
            self.draw.rectangle(xy, fill=fill, outline=outline)

    def png(self, palette: Image.Image | None = None) -> bytes:
        """The picture as PNG. With ``palette`` (a "P" image) it is written as an 8-bit
        palette PNG: a card has a few flat colours and their anti-aliased edges, so the theme's
        255 colours lose nothing visible, and the file is a third of the size and encodes ~5x
        faster than 24-bit (whose row filters cost more than drawing the card)."""
        image = self.image
        if palette is not None:
            image = image.quantize(palette=palette, dither=Image.Dither.NONE)
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=PNG_COMPRESSION)
        return out.getvalue()
