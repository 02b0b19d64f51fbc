"""What an operator of several quizbot processes watches: ``GET /metrics`` on the health server,
in Prometheus's text format (prometheus-client).

The core knows nothing of this: the wiring (``instrument``) times the store and counts clicks
by outcome around the core's calls, posters are counted as the scheduler uses them, and the
adapters time their acks. Every process has its own registry, ``METRICS``; tests build their own
or compare before and after.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.core.outcomes import Posted, QuizError, Reveal
from bot.core.quiz import Quiz
from bot.core.scheduler import Poster

log = logging.getLogger(__name__)

T = TypeVar("T")

# Discord and Slack void an interaction not acknowledged within 3 s: the buckets resolve the
# range that matters, and everything past 3 s is a lost click.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
# The store calls timed: the click transaction, and the scheduler's and boards' busiest ones.
TIMED_STORE_CALLS = {
    "record_attempt": "click",
    "claim_post": "claim_post",
    "due_schedules": "due_schedules",
    "close_round": "close_round",
    "leaderboard": "leaderboard",
}


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.clicks = Counter(
            "quizbot_clicks",
            "Answers given (a button, or a Submit of blanks), by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "quizbot_ack_seconds",
            "From a click reaching quizbot to the platform's acknowledgement being sent.",
            ["platform"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.posts = Counter(
            "quizbot_posts", "Scheduled questions posted.", ["platform"], registry=self.registry
        )
        self.reveals = Counter(
            "quizbot_reveals", "Scheduled reveals posted.", ["platform"], registry=self.registry
        )
        self.errors = Counter(
            "quizbot_errors",
            "Failures by platform and where (post, reveal, click).",
            ["platform", "where"],
            registry=self.registry,
        )
        self.leader = Gauge(
            "quizbot_scheduler_leader",
            "1 while this process holds the scheduler lease and schedules; 0 standing by.",
            registry=self.registry,
        )
        self.store_seconds = Histogram(
            "quizbot_store_seconds",
            "Store calls, queueing for the writer included, by operation.",
            ["operation"],
            buckets=STORE_BUCKETS,
            registry=self.registry,
        )

    def acked(self, platform: str, since: float) -> None:
        """An acknowledgement went out; ``since`` is the ``time.perf_counter()`` at receipt."""
        self.ack_seconds.labels(platform).observe(time.perf_counter() - since)

    def render(self) -> bytes:
        return generate_latest(self.registry)


# The process-wide metrics `quizbot run` serves.
METRICS = Metrics()


def outcome_name(outcome: object) -> str:
    """``Correct`` -> ``correct``, ``AlreadyTried`` -> ``already_tried``."""
    name = type(outcome).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def instrument(quiz: Quiz, metrics: Metrics = METRICS) -> None:
    """Count every answer by outcome and time the store's busiest calls, around the core's own
    methods (the composition root's job: the core and the store stay unaware)."""
    rounds = quiz.rounds
    if getattr(rounds, "_metered", False):
        return
    answer = rounds.answer

    async def metered_answer(round_id: int, user: Any, letters: Sequence[str]) -> Any:
        platform = user.platform
        try:
            outcome = await answer(round_id, user, letters)
        except QuizError as exc:
            metrics.clicks.labels(platform, outcome_name(exc)).inc()
            raise
        except Exception:
            metrics.clicks.labels(platform, "error").inc()
            metrics.errors.labels(platform, "click").inc()
            raise
        metrics.clicks.labels(platform, outcome_name(outcome)).inc()
        return outcome

    rounds.answer = metered_answer  # type: ignore[method-assign]
    rounds._metered = True  # type: ignore[attr-defined]
    store = quiz.context.store
    for method, operation in TIMED_STORE_CALLS.items():
        if hasattr(store, method):
            setattr(store, method, _timed(getattr(store, method), metrics, operation))


def _timed(
    call: Callable[..., Awaitable[T]], metrics: Metrics, operation: str
) -> Callable[..., Awaitable[T]]:
    histogram = metrics.store_seconds.labels(operation)

    async def timed(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return await call(*args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - started)

    return timed


class MeteredPoster:
    """A platform's poster, counted: posts, reveals and their failures."""

    def __init__(self, poster: Poster, platform: str, metrics: Metrics) -> None:
        self.poster = poster
        self.platform = platform
        self.metrics = metrics

    async def post(self, posted: Posted, nonce: str) -> str:
        try:
            ref = await self.poster.post(posted, nonce)
        except Exception:
            self.metrics.errors.labels(self.platform, "post").inc()
            raise
        self.metrics.posts.labels(self.platform).inc()
        return ref

    async def reveal(self, reveal: Reveal) -> None:
        try:
            await self.poster.reveal(reveal)
        except Exception:
            self.metrics.errors.labels(self.platform, "reveal").inc()
            raise
        self.metrics.reveals.labels(self.platform).inc()


class MeteredPosters(dict[str, Poster]):
    """The scheduler's posters; each one a platform adds is counted (``MeteredPoster``)."""

    def __init__(self, metrics: Metrics = METRICS) -> None:
        super().__init__()
        self.metrics = metrics

    def __setitem__(self, platform: str, poster: Poster) -> None:
        super().__setitem__(platform, MeteredPoster(poster, platform, self.metrics))
