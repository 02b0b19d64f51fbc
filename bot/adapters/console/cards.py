"""Cards in the terminal: ``--image`` writes the PNG into a folder and says where."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.cards import CardRenderer, filename
from bot.core.cards import Card

IMAGE_FLAG = "--image"


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / "quizbot-cards"


def take_flag(args: list[str]) -> tuple[list[str], bool]:
    """(the arguments without ``--image``, whether it was there)."""
    rest = [arg for arg in args if arg.lower() != IMAGE_FLAG]
    return rest, len(rest) != len(args)


async def write_card(renderer: CardRenderer, card: Card, folder: Path) -> Path:
    rendered = await renderer.render(card)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    path = folder / filename(card).replace(".png", f"-{stamp}.png")

    def write() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rendered.png)

    await asyncio.to_thread(write)
    return path
