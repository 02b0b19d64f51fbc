"""The reveal card: the question, each shown option's share of the picks, the right one marked."""

from __future__ import annotations

from bot.cards import text as fonts
from bot.cards.canvas import PAD, WIDTH, Canvas, Theme
from bot.core.cards import RevealCard

HEADER = 84
PROMPT_SIZE = 25
PROMPT_LINE = 34
PROMPT_LINES = 3
OPTION = 76
FOOTER = 64
LETTER = 44


def _prompt(card: RevealCard) -> list[str]:
    return fonts.wrap(card.prompt, PROMPT_SIZE, WIDTH - 2 * PAD, PROMPT_LINES)


def height(card: RevealCard) -> int:
    return HEADER + len(_prompt(card)) * PROMPT_LINE + 24 + len(card.options) * OPTION + FOOTER


def draw(card: RevealCard, theme: Theme) -> Canvas:
    canvas = Canvas(height(card), theme)
    canvas.text((PAD, 26), card.title, 30, bold=True, limit=WIDTH - 2 * PAD)
    y: float = HEADER
    for line in _prompt(card):
        canvas.text((PAD, y), line, PROMPT_SIZE, cleaned=True)
        y += PROMPT_LINE
    y += 24
    bar_left, bar_right = PAD + LETTER + 16, WIDTH - PAD - 130
    for option in card.options:
        colour = theme.good if option.correct else theme.accent
        canvas.box((PAD, y, PAD + LETTER, y + LETTER), theme.good if option.correct else
                   theme.stripe, radius=10)  # fmt: skip
        canvas.text((PAD + LETTER / 2, y + LETTER / 2), option.letter, 24, bold=True,
                    fill="#ffffff" if option.correct else theme.text, anchor="mm")  # fmt: skip
        label = f"✓ {option.text}" if option.correct else option.text
        canvas.text((bar_left, y + 2), label, 21, bold=option.correct, limit=bar_right - bar_left)
        bar_top = y + 34
        canvas.box((bar_left, bar_top, bar_right, bar_top + 14), theme.empty, radius=7)
        if option.picks:
            filled = bar_left + max(14, (bar_right - bar_left) * option.share)
            canvas.box((bar_left, bar_top, filled, bar_top + 14), colour, radius=7)
        canvas.text((WIDTH - PAD, y + LETTER / 2), f"{round(100 * option.share)}%", 26,
                    bold=True, anchor="rm")  # fmt: skip
        canvas.text((WIDTH - PAD, y + LETTER / 2 + 26), f"{option.picks} picks", 16,
                    fill=theme.muted, anchor="rm")  # fmt: skip
        y += OPTION
    solved = round(100 * card.solved / card.participants) if card.participants else 0
    people = "person" if card.participants == 1 else "people"
    summary = f"{card.participants} {people} · {solved}% solved · {card.attempts} attempts"
    canvas.text((PAD, y + FOOTER / 2), summary, 20, fill=theme.muted, anchor="lm")
    canvas.text((WIDTH - PAD, y + FOOTER / 2), "quizbot", 19, fill=theme.muted, anchor="rm",
                bold=True)  # fmt: skip
    return canvas
