"""The progress card: totals, streaks (and reviews due, once spaced review exists), a 12-week
grid of days shaded by points, and accuracy by difficulty as bars."""

from __future__ import annotations

from datetime import timedelta

from bot.cards.canvas import PAD, WIDTH, Canvas, Theme
from bot.core.cards import GRID_WEEKS, ProgressCard

HEADER = 124
TILES = 112
CELL = 38
GAP = 6
GRID_LEFT = PAD + 56
GRID_TOP_LABELS = 30
BAR_ROW = 52
FOOTER = 44
DAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def height(card: ProgressCard) -> int:
    grid = 48 + GRID_TOP_LABELS + 7 * (CELL + GAP)
    bars = 48 + len(card.levels) * BAR_ROW
    return HEADER + TILES + grid + bars + FOOTER


def shade(points: int, top: int) -> int:
    """The grid's shade of a day: -1 not played, 0 played for no points, 1..4 by points (a
    quarter of the busiest day's points each)."""
    if points < 0:
        return -1
    if points == 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * (points - 1)) // top)


def draw(card: ProgressCard, theme: Theme) -> Canvas:
    canvas = Canvas(height(card), theme)
    canvas.text((PAD, 24), card.name, 34, bold=True, limit=WIDTH - 2 * PAD)
    accuracy = round(100 * card.solved / card.attempted) if card.attempted else 0
    parts = [f"{card.points:,} points", f"{card.solved}/{card.attempted} solved ({accuracy}%)"]
    if card.team:
        parts.append(f"team {card.team}")
    canvas.text((PAD, 74), " · ".join(parts), 22, fill=theme.muted, limit=WIDTH - 2 * PAD)
    _tiles(canvas, card, HEADER)
    y = _grid(canvas, card, HEADER + TILES)
    y = _bars(canvas, card, y)
    canvas.text((WIDTH - PAD, y + FOOTER / 2), "quizbot", 19, fill=theme.muted, anchor="rm",
                bold=True)  # fmt: skip
    return canvas


def _tiles(canvas: Canvas, card: ProgressCard, y: float) -> None:
    theme = canvas.theme
    tiles = [("current streak", card.current_streak), ("best streak", card.best_streak)]
    if card.reviews_due is not None:
        tiles.append(("reviews due", card.reviews_due))
    gap = 16
    tile_width = (WIDTH - 2 * PAD - gap * (len(tiles) - 1)) / len(tiles)
    for index, (label, value) in enumerate(tiles):
        left = PAD + index * (tile_width + gap)
        canvas.box((left, y, left + tile_width, y + TILES - 18), theme.stripe, radius=14)
        canvas.text((left + 20, y + 14), str(value), 38, bold=True,
                    fill=theme.good if value and "streak" in label else theme.text)  # fmt: skip
        canvas.text((left + 20, y + 62), label, 19, fill=theme.muted)


def _grid(canvas: Canvas, card: ProgressCard, y: float) -> float:
    theme = canvas.theme
    canvas.text((PAD, y + 6), f"Last {GRID_WEEKS} weeks", 22, bold=True)
    top = max((points for points in card.days), default=0)
    cells_top = y + 48 + GRID_TOP_LABELS
    for row, label in enumerate(DAY_LABELS):
        if label:
            canvas.text((PAD, cells_top + row * (CELL + GAP) + CELL / 2), label, 16,
                        fill=theme.muted, anchor="lm")  # fmt: skip
    month = None
    for week in range(GRID_WEEKS):
        left = GRID_LEFT + week * (CELL + GAP)
        monday = card.first_day + timedelta(days=7 * week)
        if monday.month != month:
            month = monday.month
            canvas.text((left, y + 48), f"{monday:%b}", 16, fill=theme.muted)
        for weekday in range(7):
            index = week * 7 + weekday
            top_y = cells_top + weekday * (CELL + GAP)
            box = (left, top_y, left + CELL, top_y + CELL)
            if index > card.today:
                canvas.box(box, None, radius=6, outline=theme.stripe)
                continue
            level = shade(card.days[index], top)
            fill = theme.empty if level < 0 else theme.shades[level]
            canvas.box(box, fill, radius=6, outline=theme.accent if index == card.today else None)
    legend_x = GRID_LEFT + GRID_WEEKS * (CELL + GAP) + 18
    canvas.text((legend_x, cells_top), "points", 16, fill=theme.muted)
    for level in range(5):
        top_y = cells_top + 28 + level * 30
        canvas.box((legend_x, top_y, legend_x + 22, top_y + 22), theme.shades[level], radius=4)
        label = "played" if level == 0 else ("more" if level == 4 else "")
        if label:
            canvas.text((legend_x + 30, top_y + 11), label, 15, fill=theme.muted, anchor="lm")
    return cells_top + 7 * (CELL + GAP)


def _bars(canvas: Canvas, card: ProgressCard, y: float) -> float:
    theme = canvas.theme
    canvas.text((PAD, y + 10), "Accuracy by difficulty", 22, bold=True)
    y += 48
    bar_left, bar_right = PAD + 110, WIDTH - PAD - 170
    for level in card.levels:
        middle = y + BAR_ROW / 2
        canvas.text((PAD, middle), level.difficulty.value, 21, anchor="lm")
        canvas.box((bar_left, middle - 11, bar_right, middle + 11), theme.empty, radius=11)
        if level.attempted:
            if level.solved:
                filled = bar_left + max(22, (bar_right - bar_left) * level.accuracy)
                canvas.box((bar_left, middle - 11, filled, middle + 11), theme.good, radius=11)
            detail = f"{round(100 * level.accuracy)}% · {level.solved}/{level.attempted}"
        else:
            detail = "not tried"
        canvas.text((WIDTH - PAD, middle), detail, 20, fill=theme.muted, anchor="rm")
        y += BAR_ROW
    return y
