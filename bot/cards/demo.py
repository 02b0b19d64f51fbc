"""Sample cards: the README's pictures (``quizbot cards demo DIR``), the palette's source and
the benchmark's cards. The names try what real boards hold: emoji, CJK, right-to-left text and
a name too long for its column."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.core.cards import (
    GRID_DAYS,
    BoardCard,
    Card,
    CardRow,
    LevelBar,
    OptionShare,
    ProgressCard,
    RevealCard,
)
from bot.core.models import Difficulty

NAMES = (
    "Ann",
    "Bartholomew Featherstonehaugh-Smythe the Third",
    "Chloé 🚀",
    "王小明",
    "דנה",
    "Dmitri Иванов",
    "Eve 👩‍💻",
    "سارة",
    "Farid",
    "Grace",
)


def board_card(rows: int = 10, people: int = 5000, viewer_rank: int | None = 1234) -> BoardCard:
    shown = tuple(
        CardRow(
            rank=index + 1,
            name=NAMES[index % len(NAMES)] + ("" if index < len(NAMES) else f" {index}"),
            points=980 - 73 * index,
            solved=41 - 3 * index,
            streak=(7, 3, 0, 12, 1, 0, 4, 2, 0, 5)[index % 10],
        )
        for index in range(rows)
    )
    viewer = CardRow(viewer_rank, "You", 42, 3, 1, viewer=True) if viewer_rank is not None else None
    return BoardCard("This channel · week 2026-W49", shown, viewer, people)


def team_card() -> BoardCard:
    rows = tuple(
        CardRow(rank, name, points, members=members, active=active)
        for rank, (name, points, members, active) in enumerate(
            [
                ("Tokenizers", 2310, 6, 5),
                ("LoRA Rangers", 1985, 4, 4),
                ("学习率", 1210, 5, 3),
                ("Gradient Descenders", 860, 7, 2),
            ],
            start=1,
        )
    )
    return BoardCard("Teams · month 2026-12", rows, people=len(rows), teams=True)


def progress_card(today: date = date(2026, 12, 2), reviews_due: int | None = 4) -> ProgressCard:
    first = today - timedelta(days=today.weekday() + 7 * 11)
    days = tuple(
        -1 if (index * 5) % 7 in (2, 5) else ((index * 37) % 41) - 3 for index in range(GRID_DAYS)
    )
    return ProgressCard(
        name="Chloé 🚀",
        points=1_480,
        solved=58,
        attempted=73,
        current_streak=6,
        best_streak=14,
        first_day=first,
        days=days,
        today=(today - first).days,
        levels=(
            LevelBar(Difficulty.EASY, 24, 26),
            LevelBar(Difficulty.MEDIUM, 22, 29),
            LevelBar(Difficulty.HARD, 12, 18),
        ),
        team="LoRA Rangers",
        reviews_due=reviews_due,
    )


def reveal_card() -> RevealCard:
    picks = (("zero_grad", 14, False), ("step", 31, True), ("backward", 9, False),
             ("forward", 4, False))  # fmt: skip
    total = sum(count for _, count, _ in picks)
    return RevealCard(
        title="Reveal · medium · choice",
        prompt="After loss.backward(), which optimizer call applies the gradients to the "
        "model's parameters during fine-tuning?",
        options=tuple(
            OptionShare(letter, f"optimizer.{text}()", count, count / total, correct)
            for letter, (text, count, correct) in zip("ABCD", picks, strict=True)
        ),
        attempts=total,
        participants=42,
        solved=31,
    )


def samples() -> dict[str, Card]:
    return {
        "leaderboard": board_card(),
        "teams": team_card(),
        "progress": progress_card(),
        "reveal": reveal_card(),
    }


def write_demo(folder: Path) -> list[Path]:
    """Every sample card in both themes as ``card-NAME-THEME.png`` in ``folder``."""
    from bot.cards.canvas import THEMES
    from bot.cards.render import draw

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, card in samples().items():
        for theme in THEMES.values():
            path = folder / f"card-{name}-{theme.name}.png"
            path.write_bytes(draw(card, theme).png)
            written.append(path)
    return written
