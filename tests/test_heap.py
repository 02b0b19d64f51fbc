"""The heap is settled once the platforms are connected: start-up objects leave the garbage
collector's full walks (the 50-75 ms pauses a click would wait out), and a platform that never
connects does not keep it from happening."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.heap import settle_when


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


async def test_settles_once_every_platform_is_connected(caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([False, False, True])
    asked = 0

    async def connected() -> bool:
        nonlocal asked
        asked += 1
        return next(answers)

    caplog.set_level("INFO", logger="bot.heap")
    await settle_when(connected, poll_s=0.01)
    assert asked == 3
    assert gc.get_freeze_count() > 1000  # the test process's own modules, at least
    assert "heap settled" in caplog.text


async def test_settles_after_a_while_when_a_platform_never_connects() -> None:
    async def never() -> bool:
        return False

    await settle_when(never, poll_s=0.01, give_up_s=0.05)
    assert gc.get_freeze_count() > 1000
