"""Picture cards (PNG, drawn with Pillow): the leaderboard, a person's progress, a reveal.

``bot.core.cards`` says what a card shows; this package draws it (``CardRenderer``)."""

from bot.cards.canvas import DARK, LIGHT, THEMES, Theme
from bot.cards.render import CardRenderer, Rendered, caption, draw, filename

__all__ = [
    "DARK",
    "LIGHT",
    "THEMES",
    "CardRenderer",
    "Rendered",
    "Theme",
    "caption",
    "draw",
    "filename",
]
