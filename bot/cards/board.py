"""The leaderboard card: title, top 10 (rank, name, points, solved, streak), the viewer's own
row when they are further down, how many are on the board."""

from __future__ import annotations

from bot.cards.canvas import PAD, WIDTH, Canvas, Theme
from bot.core.cards import BoardCard, CardRow

HEADER = 128
ROW = 58
SEPARATOR = 34
FOOTER = 58
EMPTY = 90
NAME_SIZE = 27
# Right edges of the number columns.
POINTS_X = 560
SOLVED_X = 668
STREAK_X = WIDTH - PAD
NAME_X = PAD + 80


def height(card: BoardCard) -> int:
    rows = len(card.rows) * ROW if card.rows else EMPTY
    extra = SEPARATOR + ROW if card.viewer_row is not None else 0
    return HEADER + rows + extra + FOOTER


def draw(card: BoardCard, theme: Theme) -> Canvas:
    canvas = Canvas(height(card), theme)
    canvas.text((PAD, 26), "🏆 Teams" if card.teams else "🏆 Leaderboard", 34, bold=True)
    canvas.text((PAD, 72), card.title, 22, fill=theme.muted, limit=WIDTH - 2 * PAD)
    labels = ("points", "active", "") if card.teams else ("points", "solved", "streak")
    for x, label in zip((POINTS_X, SOLVED_X, STREAK_X), labels, strict=True):
        if label:
            canvas.text((x, HEADER - 12), label, 17, fill=theme.muted, anchor="rs")
    y = HEADER
    if not card.rows:
        canvas.text((WIDTH / 2, y + EMPTY / 2), "No points yet.", 26, fill=theme.muted,
                    anchor="mm")  # fmt: skip
        y += EMPTY
    for index, row in enumerate(card.rows):
        _row(canvas, card, row, y, striped=index % 2 == 0)
        y += ROW
    if card.viewer_row is not None:
        canvas.text((WIDTH / 2, y + SEPARATOR / 2), "⋯", 26, fill=theme.muted, anchor="mm")
        y += SEPARATOR
        _row(canvas, card, card.viewer_row, y, striped=False)
        y += ROW
    noun = "team" if card.teams else "person" if card.people == 1 else "people"
    if card.teams and card.people != 1:
        noun = "teams"
    canvas.text((PAD, y + FOOTER / 2), f"{card.people:,} {noun} on this board", 19,
                fill=theme.muted, anchor="lm")  # fmt: skip
    canvas.text((WIDTH - PAD, y + FOOTER / 2), "quizbot", 19, fill=theme.muted, anchor="rm",
                bold=True)  # fmt: skip
    return canvas


def _row(canvas: Canvas, card: BoardCard, row: CardRow, y: float, *, striped: bool) -> None:
    theme = canvas.theme
    middle = y + ROW / 2
    if row.viewer:
        canvas.box((PAD - 12, y + 3, WIDTH - PAD + 12, y + ROW - 3), theme.stripe, radius=10,
                   outline=theme.accent)  # fmt: skip
    elif striped:
        canvas.box((PAD - 12, y + 3, WIDTH - PAD + 12, y + ROW - 3), theme.stripe, radius=10)
    if row.rank <= 3:
        right = NAME_X - 10  # the medal ends where the other ranks do
        canvas.draw.ellipse(
            (right - 38, middle - 19, right, middle + 19), fill=theme.medals[row.rank - 1]
        )
        canvas.text((right - 19, middle), str(row.rank), 22, bold=True, fill="#1b2130",
                    anchor="mm")  # fmt: skip
    else:
        # Far down the board the rank gets long: it ends where the name column starts.
        size = 22 if row.rank < 1000 else 17
        canvas.text((NAME_X - 14, middle), f"{row.rank:,}", size, bold=True, fill=theme.muted,
                    anchor="rm")  # fmt: skip
    canvas.text((NAME_X, middle), row.name, NAME_SIZE, bold=row.viewer, anchor="lm",
                limit=POINTS_X - 110 - NAME_X)  # fmt: skip
    canvas.text((POINTS_X, middle), f"{row.points:,}", NAME_SIZE, bold=True, anchor="rm")
    if card.teams:
        canvas.text((SOLVED_X, middle), f"{row.active or 0}/{row.members or 0}", 23,
                    fill=theme.muted, anchor="rm")  # fmt: skip
        return
    canvas.text((SOLVED_X, middle), f"{row.solved or 0:,}", 23, fill=theme.muted, anchor="rm")
    streak = row.streak or 0
    canvas.text((STREAK_X, middle), f"{streak}", 23, bold=streak > 0,
                fill=theme.good if streak else theme.muted, anchor="rm")  # fmt: skip
