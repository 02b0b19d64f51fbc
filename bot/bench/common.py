"""Helpers shared by the benchmarks: synthetic banks and percentiles."""

from __future__ import annotations

import gc
import statistics
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from bot.core.models import Bank, Difficulty, Question, QuestionType
from bot.core.order import OptionOrder
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.heap import settle


@contextmanager
def settled_heap() -> Iterator[None]:
    """quizbot's heap as `quizbot run` keeps it once the platforms are connected
    (``bot.heap.settle``), and thawed afterwards, so the bench's next round starts as a fresh
    process would."""
    settle()
    try:
        yield
    finally:
        gc.unfreeze()


LEVELS = (Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD)


def synthetic_bank(questions: int = 60, bank_id: str = "bench") -> Bank:
    """A bank of plain A-D choice questions whose answer is always ``B``."""
    return Bank(
        id=bank_id,
        title="Benchmark bank",
        questions=tuple(
            Question(
                bank=bank_id,
                id=f"q{number}",
                type=QuestionType.CHOICE,
                difficulty=LEVELS[number % 3],
                prompt=f"Benchmark question {number}?",
                options={"A": "one", "B": "two", "C": "three", "D": "four"},
                answer=("B",),
                hint="Not A.",
                attempts=3,
            )
            for number in range(questions)
        ),
    )


async def shown_letters(quiz: Quiz, channel: ChannelRef, canonical: Sequence[str]) -> list[str]:
    """``canonical`` letters as the channel's open round shows them: its options are shuffled,
    so the clicks that are wrong, wrong, wrong in the bank's letters are other letters there."""
    found = await quiz.context.store.open_daily_round(channel)
    question = None if found is None else quiz.library.question(found.question)
    if found is None or question is None:
        raise RuntimeError(f"no open round with a known question in {channel.scope}")
    order = OptionOrder.decode(found.order, question) or OptionOrder.identity(question)
    return list(order.to_shown(canonical))


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=1000, method="inclusive")
    return cuts[min(len(cuts) - 1, max(0, round(fraction * 1000) - 1))]


@dataclass(frozen=True, slots=True)
class Burst:
    """One side's figures for one burst of clicks into a platform adapter."""

    acked: int
    """Clicks the platform saw acknowledged in time."""
    seconds: float
    """From the first click sent to the last acknowledgement."""
    p50_ms: float
    p99_ms: float
    lost: int
    over_limit: int
    cpu_seconds: float = 0.0
    """User + system CPU time of the measured process (the app's) over the burst."""

    @property
    def rate(self) -> float:
        return self.acked / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_1k(self) -> float:
        """CPU seconds of the measured process per 1,000 acknowledged clicks."""
        return self.cpu_seconds / self.acked * 1000 if self.acked else 0.0


class Timed(Protocol):
    """One side's rate and tail latency in one round of a benchmark."""

    @property
    def rate(self) -> float: ...
    @property
    def p99_ms(self) -> float: ...


class Sample(Timed, Protocol):
    """One side's figures in one round of a platform benchmark."""

    @property
    def lost(self) -> int: ...
    @property
    def over_limit(self) -> int: ...
    @property
    def cpu_per_1k(self) -> float: ...


T = TypeVar("T", bound=Timed)
S = TypeVar("S", bound=Sample)


@dataclass(frozen=True, slots=True)
class Paired(Generic[T]):
    """(quizbot, bare) per round: the ratio a target is judged on and quizbot's worst p99."""

    rounds: tuple[tuple[T, T], ...]

    @property
    def ratios(self) -> list[float]:
        return [ours.rate / bare.rate for ours, bare in self.rounds if bare.rate]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else 0.0

    @property
    def worst_p99_ms(self) -> float:
        return max(ours.p99_ms for ours, _ in self.rounds)


@dataclass(frozen=True, slots=True)
class PairedReport(Paired[S]):
    """A platform benchmark's rounds, with what quizbot lost or stored over the limit.

    ``rounds`` are the saturating bursts (throughput and CPU per click); ``paced``, when given,
    the same sides offered the same clicks at ``paced_rates`` (one per round): quizbot's p99,
    lost and over the limit are then taken from those, a load an app can sustain."""

    paced: tuple[tuple[S, S], ...] = ()
    paced_rates: tuple[float, ...] = ()

    @property
    def latency_rounds(self) -> tuple[tuple[S, S], ...]:
        return self.paced or self.rounds

    @property
    def worst_p99_ms(self) -> float:
        return max(ours.p99_ms for ours, _ in self.latency_rounds)

    @property
    def lost(self) -> int:
        return sum(ours.lost for ours, _ in self.latency_rounds)

    @property
    def over_limit(self) -> int:
        return sum(ours.over_limit for ours, _ in self.latency_rounds)

    @property
    def burst_over_limit(self) -> int:
        return sum(ours.over_limit for ours, _ in self.rounds)

    @property
    def cpu_ratios(self) -> list[float]:
        """quizbot's CPU per click over the reference's, per round."""
        return [o.cpu_per_1k / b.cpu_per_1k for o, b in self.rounds if b.cpu_per_1k]

    @property
    def median_cpu_ratio(self) -> float:
        return statistics.median(self.cpu_ratios) if self.cpu_ratios else 0.0

    def result_line(self) -> str:
        """The machine-readable last line of a platform bench."""
        return (
            f"result: ratio={self.median_ratio:.2f} cpu_ratio={self.median_cpu_ratio:.2f} "
            f"p99_ms={self.worst_p99_ms:.1f} lost={self.lost} over={self.over_limit}"
        )


async def alternating(
    rounds: int, prefix: str, sides: Sequence[Callable[[Path], Awaitable[S]]]
) -> list[tuple[S, ...]]:
    """Every side once per round, each round starting one side further along, so that a slow
    moment of a shared machine does not land on one side only. Each side gets its own empty
    folder; the figures come back in the order of ``sides``."""
    results: list[tuple[S, ...]] = []
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for number in range(rounds):
            figures: dict[int, S] = {}
            for step in range(len(sides)):
                index = (number + step) % len(sides)
                folder = Path(tmp) / f"round{number}-side{index}"
                folder.mkdir()
                # Each side starts clean: the previous side's client, store and fake are
                # garbage, and a full collection of them in the middle of a burst is not the
                # bot's doing.
                gc.collect()
                figures[index] = await sides[index](folder)
            results.append(tuple(figures[index] for index in range(len(sides))))
    return results


PACED_FRACTION = 0.5
"""The paced phase's default rate: this share of the reference's burst throughput that round."""


@dataclass(frozen=True, slots=True)
class Phases(Generic[S]):
    """One round of a platform bench: every side's burst, the rate offered in the paced phase,
    and the paced sides' figures."""

    burst: tuple[S, ...]
    rate: float
    paced: tuple[S, ...]


async def _rotated(
    number: int, folder: Path, sides: Sequence[Callable[[Path], Awaitable[S]]]
) -> tuple[S, ...]:
    figures: dict[int, S] = {}
    for step in range(len(sides)):
        index = (number + step) % len(sides)
        side_folder = folder / f"side{index}"
        side_folder.mkdir()
        gc.collect()  # each side starts clean (see ``alternating``)
        figures[index] = await sides[index](side_folder)
    return tuple(figures[index] for index in range(len(sides)))


async def _at_rate(side: Callable[[Path, float], Awaitable[S]], rate: float, folder: Path) -> S:
    return await side(folder, rate)


async def burst_then_paced(
    rounds: int,
    prefix: str,
    bursts: Sequence[Callable[[Path], Awaitable[S]]],
    paced: Sequence[Callable[[Path, float], Awaitable[S]]],
    *,
    reference: int,
    rate: float = 0.0,
) -> list[Phases[S]]:
    """Per round: every side's saturating burst (``alternating``'s order), then every ``paced``
    side on fresh state at one offered rate: ``rate``, or ``PACED_FRACTION`` of the burst rate of
    side ``reference`` that round; the paced sides also alternate which goes first."""
    results: list[Phases[S]] = []
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for number in range(rounds):
            burst_folder = Path(tmp) / f"round{number}-burst"
            burst_folder.mkdir()
            burst = await _rotated(number, burst_folder, bursts)
            offered = rate or PACED_FRACTION * burst[reference].rate
            paced_folder = Path(tmp) / f"round{number}-paced"
            paced_folder.mkdir()

            steady = await _rotated(
                number, paced_folder, [partial(_at_rate, side, offered) for side in paced]
            )
            results.append(Phases(burst, offered, steady))
    return results


async def interleaved(
    rounds: int,
    prefix: str,
    ours: Callable[[Path], Awaitable[S]],
    bare: Callable[[], Awaitable[S]],
) -> PairedReport[S]:
    """Both sides, alternating which goes first; judge on the median round's ratio."""

    async def theirs(folder: Path) -> S:
        return await bare()

    results = await alternating(rounds, prefix, (ours, theirs))
    return PairedReport(tuple((mine, other) for mine, other in results))
