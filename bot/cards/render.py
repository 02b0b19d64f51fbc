"""Drawing cards off the event loop, each distinct card once.

A card is a frozen value (``bot.core.cards``): equal cards draw equal pictures, so the cache is
keyed by the card itself and its theme. A board's card changes exactly when the board does (its
rows, period, the viewer's place), so a burst of "show as image" clicks on an unchanged board
draws it once: the first click draws, the others wait for that drawing or read the cache.

Drawing runs in one worker process, shared by every renderer of the bot's process: not on the
event loop, and not in a thread either, since a drawing thread holds the GIL for most of each
card and the loop then waits up to the switch interval (5 ms) at each hand-over: answers' p99
tripled with 50 cards drawing in a thread (``quizbot bench cards``). One worker, at the lowest
CPU priority (nice 19; at nice 10 the answers' p99 was still x1.36 with 50 cards drawing, at 19
x0.62, i.e. unchanged): on a small machine a queue of cards takes at most one core, and only
what the clicks leave. A worker that died is replaced on the next card.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from bot.cards import board, demo, progress, reveal
from bot.cards.canvas import DARK, Canvas, Theme
from bot.core.cards import BoardCard, Card, ProgressCard, RevealCard

log = logging.getLogger(__name__)

CACHE_SIZE = 256
PALETTE_COLOURS = 255
DRAWING_NICENESS = 19


@dataclass(frozen=True, slots=True)
class Rendered:
    png: bytes
    width: int
    height: int
    texts: tuple[str, ...]
    """What the card says, in drawing order (its text layer)."""

    @property
    def text(self) -> str:
        return "\n".join(line for line in self.texts if line)


def _canvas(card: Card, theme: Theme) -> Canvas:
    if isinstance(card, BoardCard):
        return board.draw(card, theme)
    if isinstance(card, ProgressCard):
        return progress.draw(card, theme)
    if isinstance(card, RevealCard):
        return reveal.draw(card, theme)
    raise TypeError(f"not a card: {card!r}")


_palette_lock = threading.Lock()


@lru_cache(maxsize=4)
def _palette_of(theme: Theme) -> Image.Image:
    samples = [_canvas(card, theme).image for card in demo.samples().values()]
    sheet = Image.new("RGB", (max(s.width for s in samples), sum(s.height for s in samples)))
    top = 0
    for sample in samples:
        sheet.paste(sample, (0, top))
        top += sample.height
    return sheet.quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)


def palette(theme: Theme) -> Image.Image:
    """The theme's 8-bit palette, taken once from the sample cards drawn in it."""
    with _palette_lock:
        return _palette_of(theme)


def draw(card: Card, theme: Theme = DARK) -> Rendered:
    """Draw one card now, in this thread."""
    canvas = _canvas(card, theme)
    return Rendered(canvas.png(palette(theme)), canvas.width, canvas.height, tuple(canvas.texts))


def filename(card: Card) -> str:
    if isinstance(card, BoardCard):
        return "quizbot-teams.png" if card.teams else "quizbot-leaderboard.png"
    if isinstance(card, ProgressCard):
        return "quizbot-progress.png"
    return "quizbot-reveal.png"


def caption(card: Card) -> str:
    """A line that says what the card is (a message's text, a file's title)."""
    if isinstance(card, ProgressCard):
        return f"Progress of {card.name}"
    return card.title


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _drawing_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: forking a process that runs threads (the store's writer, the
            # event loop's helpers) can copy a held lock into the child.
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_yield_to_the_bot,
            )
        return _pool


def _yield_to_the_bot() -> None:
    """In the drawing process: the lowest CPU priority, so that when the machine is busy the bot's
    own process (answers, the store's writer) runs first and cards wait. Ctrl-C reaches the
    whole process group: the bot stops this process itself, without a traceback from it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(DRAWING_NICENESS)


def _drop_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


_in_threads = False
"""Set once a drawing process could not be kept running: cards are drawn in a thread then."""


async def _draw_elsewhere(card: Card, theme: Theme) -> Rendered:
    global _in_threads
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        if _in_threads:
            break
        pool = _drawing_pool()
        try:
            return await loop.run_in_executor(pool, draw, card, theme)
        except BrokenProcessPool:
            _drop_pool(pool)
            if attempt == 1:
                log.warning("the card drawing process died; starting another")
            else:
                # E.g. the program was started from standard input, which a new process
                # cannot re-read: a thread draws slower for the clicks, but draws.
                log.warning("no card drawing process could be started; drawing in a thread")
                _in_threads = True
    return await asyncio.to_thread(draw, card, theme)


class CardRenderer:
    def __init__(self, theme: Theme = DARK, *, cache_size: int = CACHE_SIZE) -> None:
        self.theme = theme
        self._cache_size = cache_size
        self._cache: OrderedDict[tuple[Card, str], Rendered] = OrderedDict()
        self._drawing: dict[tuple[Card, str], asyncio.Future[Rendered]] = {}
        self.drawn = 0
        """Cards actually drawn (cache misses)."""

    async def render(self, card: Card, *, cached: bool = True) -> Rendered:
        key = (card, self.theme.name)
        if cached:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
            pending = self._drawing.get(key)
            if pending is not None:
                return await asyncio.shield(pending)
        if not cached:
            return await _draw_elsewhere(card, self.theme)
        future = asyncio.ensure_future(_draw_elsewhere(card, self.theme))
        self._drawing[key] = future
        try:
            rendered = await asyncio.shield(future)
        finally:
            self._drawing.pop(key, None)
        self.drawn += 1
        self._cache[key] = rendered
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return rendered

    def close(self) -> None:
        """Forget the cache (the drawing process is shared: it ends with the bot's process)."""
        self._cache.clear()
