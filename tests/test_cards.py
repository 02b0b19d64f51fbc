"""Picture cards: what each card shows (from a real store) and how it is drawn, golden-free:
the PNG decodes at the expected size, its text layer says the right things, odd names draw."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
from conftest import ANN, BOB, CAT, CHANNEL, MakeQuiz, make_bank, make_question, user
from PIL import Image

from bot.cards import DARK, LIGHT, CardRenderer, draw
from bot.cards import board as board_drawing
from bot.cards import progress as progress_drawing
from bot.cards import reveal as reveal_drawing
from bot.cards.demo import board_card, progress_card, reveal_card, write_demo
from bot.cards.progress import shade
from bot.cards.text import ELLIPSIS, clean, fit, in_cjk_face, width
from bot.core.cards import GRID_DAYS, BoardCard, CardRow
from bot.core.clock import FakeClock
from bot.core.models import Difficulty
from bot.core.periods import Period
from bot.core.quiz import Quiz

pytestmark = pytest.mark.both_stores


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # a truncated or corrupt file fails here
    return image


async def solve(quiz: Quiz, who: object, letters: tuple[str, ...] = ("A",)) -> None:
    found = await quiz.context.store.open_daily_round(CHANNEL)
    assert found is not None
    shown = quiz.rounds.shown(found, quiz.library.question(found.question))  # type: ignore[arg-type]
    # "A" is the canonical answer of the test banks; answer in the round's shown letters.
    order = {
        canon: shown_letter
        for shown_letter, canon in zip(shown.letters, found.order or "ABCD", strict=False)
    }
    await quiz.rounds.answer(found.id, who, tuple(order.get(x, x) for x in letters))  # type: ignore[arg-type]


# --- drawing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", [DARK, LIGHT], ids=["dark", "light"])
def test_each_card_decodes_at_its_size_in_both_themes(theme: object) -> None:
    for card, module in (
        (board_card(), board_drawing),
        (progress_card(), progress_drawing),
        (reveal_card(), reveal_drawing),
    ):
        rendered = draw(card, theme)  # type: ignore[arg-type]
        image = decoded(rendered.png)
        assert image.format == "PNG"
        assert image.size == (800, module.height(card)) == (rendered.width, rendered.height)  # type: ignore[attr-defined]
        # Phone size: the picture is wide enough to stay sharp and small enough to send.
        assert len(rendered.png) < 200_000


def test_the_leaderboard_card_says_rank_name_points_solved_streak_and_your_place() -> None:
    card = board_card(rows=10, people=5000, viewer_rank=1234)
    text = draw(card).texts
    assert "Leaderboard" in text[0] and text[1] == "This channel · week 2026-W49"
    first = text.index("Ann")
    assert text[first - 1 : first + 4] == ("1", "Ann", "980", "41", "7")
    you = text.index("You")
    assert text[you - 2 : you + 4] == ("⋯", "1,234", "You", "42", "3", "1")
    assert "5,000 people on this board" in text


def test_odd_names_are_drawn_or_replaced_and_long_ones_cut() -> None:
    assert clean("Dmitri Иванов") == "Dmitri Иванов"
    assert clean("דנה") == "דנה" and clean("سارة") == "سارة"  # right-to-left: kept, laid out
    # CJK names are drawn in the shipped CJK face, with what else the name holds.
    assert clean("王小明") == "王小明" and in_cjk_face("王小明")
    assert clean("김민수 Kim") == "김민수 Kim" and clean("たなか") == "たなか"
    assert not in_cjk_face("Dmitri Иванов")
    assert clean("王\U00020000明") == "王?明"  # a rare character outside the subset: "?"
    assert clean("Eve 👩‍💻") == "Eve"  # an emoji the font lacks is dropped, with its joiner
    assert clean("🚀🚀") == "?"  # nothing left to draw: never an empty name
    assert clean("a\u202eb\u200fc\x00") == "abc"  # bidi overrides and controls go
    cut = fit("Bartholomew Featherstonehaugh-Smythe the Third", 27, 300)
    assert cut.endswith(ELLIPSIS) and cut.startswith("Bartholomew") and width(cut, 27) <= 300
    # Every sample name draws without an error, cut to its column.
    text = draw(board_card()).texts
    assert "Bartholomew Feathers…" in text
    assert any(line.endswith(ELLIPSIS) for line in text)


def test_the_progress_card_draws_reviews_due_only_when_known() -> None:
    with_reviews = draw(progress_card(reviews_due=4)).texts
    assert "reviews due" in with_reviews and "4" in with_reviews
    without = draw(progress_card(reviews_due=None)).texts
    assert "reviews due" not in without
    assert {"current streak", "best streak", "Last 12 weeks", "Accuracy by difficulty"} <= set(
        without
    )
    assert "92% · 24/26" in without  # easy: 24 of 26


def test_days_are_shaded_by_points() -> None:
    assert shade(-1, 40) == -1 and shade(0, 40) == 0
    assert shade(1, 40) == 1 and shade(40, 40) == 4
    assert 1 < shade(25, 40) < 4


def test_the_reveal_card_shows_each_shown_option_and_marks_the_right_one() -> None:
    text = draw(reveal_card()).texts
    assert "✓ optimizer.step()" in text and "optimizer.zero_grad()" in text
    assert "53%" in text and "31 picks" in text  # 31 of 58 picks
    assert "42 people · 74% solved · 58 attempts" in text


async def test_a_cache_hit_returns_the_same_bytes_and_a_burst_draws_once() -> None:
    renderer = CardRenderer()
    try:
        card = board_card()
        burst = await asyncio.gather(*(renderer.render(card) for _ in range(20)))
        assert renderer.drawn == 1
        assert all(found.png == burst[0].png for found in burst)
        changed = BoardCard(card.title, card.rows[:3], None, 3)
        other = await renderer.render(changed)
        assert renderer.drawn == 2 and other.png != burst[0].png
        assert (await renderer.render(card)) is burst[0]
    finally:
        renderer.close()


def test_demo_writes_every_card_in_both_themes(tmp_path: object) -> None:
    written = write_demo(tmp_path)  # type: ignore[arg-type]
    assert sorted(path.name for path in written) == sorted(
        f"card-{name}-{theme}.png"
        for name in ("leaderboard", "teams", "progress", "reveal")
        for theme in ("dark", "light")
    )
    for path in written:
        decoded(path.read_bytes())


# --- what the cards show, from the store --------------------------------------------------------


async def test_the_board_card_has_ranks_streaks_and_the_viewer_outside_the_top_ten(
    make_quiz: MakeQuiz,
) -> None:
    quiz = await make_quiz(make_bank(easy=3))
    players = [user(f"p{n:02d}") for n in range(12)]
    for day in range(2):
        await quiz.rounds.post_daily(CHANNEL)
        # p00..p10 solve both days; p11 only the second (10 points: last, 12th).
        for player in players[:11]:
            await solve(quiz, player)
        await solve(quiz, players[11], ("A",) if day else ("B",))
    card = await quiz.cards.channel_board(CHANNEL, players[11], Period.ALL)
    assert card.title == "This channel · all time" and card.people == 12
    assert len(card.rows) == 10
    assert [row.rank for row in card.rows[:2]] == [1, 1]  # equal points share a rank
    assert all(row.solved == 2 and row.streak == 2 for row in card.rows)
    assert card.viewer_row == CardRow(12, "P11", 10, 1, streak=1, viewer=True)
    # Someone in the top 10 is marked in place, with no extra row.
    mine = await quiz.cards.channel_board(CHANNEL, players[0], Period.ALL)
    assert mine.viewer_row is None and [row.viewer for row in mine.rows].count(True) == 1


async def test_the_team_card_and_the_progress_card(make_quiz: MakeQuiz) -> None:
    quiz = await make_quiz(make_bank(easy=1, medium=1, hard=1))
    await quiz.teams.create("console", "local", "Reds")
    await quiz.teams.join(ANN, "Reds")
    await quiz.rounds.post_daily(CHANNEL, difficulty=Difficulty.EASY)
    await solve(quiz, ANN)
    await solve(quiz, BOB, ("B",))
    teams = await quiz.cards.team_board("console", "local", ANN, Period.WEEK)
    assert teams.teams and [(r.name, r.points, r.viewer) for r in teams.rows] == [
        ("Reds", 10, True)
    ]
    progress = await quiz.cards.progress(ANN)
    assert progress.name == "Ann" and progress.team == "Reds"
    assert (progress.points, progress.solved, progress.attempted) == (10, 1, 1)
    assert progress.current_streak == progress.best_streak == 1
    assert len(progress.days) == GRID_DAYS and progress.days[progress.today] == 10
    assert progress.first_day.weekday() == 0  # the grid's weeks start on Monday
    assert all(day == -1 for day in progress.days[: progress.today])
    assert [(lvl.difficulty, lvl.solved, lvl.attempted) for lvl in progress.levels] == [
        (Difficulty.EASY, 1, 1), (Difficulty.MEDIUM, 0, 0), (Difficulty.HARD, 0, 0),
    ]  # fmt: skip
    # Solved first try: its review card is not due today, and is due once FSRS says so.
    assert progress.reviews_due == 0
    clock = quiz.context.clock
    assert isinstance(clock, FakeClock)
    clock.advance(days=60)
    assert (await quiz.cards.progress(ANN)).reviews_due == 1
    assert (await quiz.cards.progress(CAT)).days.count(-1) == GRID_DAYS


async def test_the_reveal_card_counts_picks_in_the_letters_the_round_showed(
    make_quiz: MakeQuiz,
) -> None:
    shuffled = make_question("s1", shuffle=True)
    quiz = await make_quiz(make_bank("mix", [shuffled]))
    posted = await quiz.rounds.post_daily(CHANNEL)
    shown = posted.question  # the question as the round shows it
    right = shown.answer[0]
    wrong = next(letter for letter in shown.letters if letter != right)
    await quiz.rounds.answer(posted.round.id, ANN, (wrong,))
    await quiz.rounds.answer(posted.round.id, ANN, (right,))
    await quiz.rounds.answer(posted.round.id, BOB, (right,))
    await quiz.rounds.answer(posted.round.id, CAT, (wrong,))
    reveal = await quiz.rounds.close(posted.round.id)
    card = await quiz.cards.reveal(reveal)
    assert card is not None and card.attempts == 4
    by_letter = {option.letter: option for option in card.options}
    assert list(by_letter) == list(shown.letters)
    assert by_letter[right].correct and by_letter[right].picks == 2
    assert by_letter[right].text == shown.options[right] == "alpha"
    assert by_letter[wrong].picks == 2 and not by_letter[wrong].correct
    assert sum(option.share for option in card.options) == pytest.approx(1.0)
    assert (card.participants, card.solved) == (3, 2)
    assert "✓ alpha" in draw(card).texts


class _BrokenPool(ThreadPoolExecutor):
    def submit(self, *args: object, **kwargs: object) -> Any:  # type: ignore[override]
        raise BrokenProcessPool("the drawing process died")


async def test_without_a_drawing_process_cards_are_drawn_in_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.cards import render

    broken = _BrokenPool(max_workers=1)
    monkeypatch.setattr(render, "_drawing_pool", lambda: broken)
    monkeypatch.setattr(render, "_in_threads", False)
    renderer = CardRenderer()
    rendered = await renderer.render(reveal_card())
    assert decoded(rendered.png).size == (rendered.width, rendered.height)
    assert render._in_threads  # and it stops trying to start one
