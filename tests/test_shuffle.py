"""Shuffled options through the core on a real SQLite file: each round shows its own order,
judges in it, keeps it across a restart, and stores, counts and reveals in the bank's letters."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from pathlib import Path

from conftest import ANN, BOB, CAT, CHANNEL, OTHER_CHANNEL, T0, make_bank, make_question

from bot.core.clock import FakeClock
from bot.core.library import BankLibrary
from bot.core.models import Bank, Question
from bot.core.order import OptionOrder
from bot.core.outcomes import Correct, Exhausted, Posted, Wrong
from bot.core.quiz import Quiz
from bot.core.rounds import ChannelRef
from bot.store.sqlite import SqliteStore

PICK = make_question(
    "pick",
    bank="pick",
    answer=["B"],
    explanations={"A": "A is the classic trap.", "C": "C only looks right."},
    shuffle=True,
)
BLANKS = make_question(
    "blanks",
    bank="blanks",
    blanks=True,
    answer=["A", "C"],
    explanations={"B": "B does not load anything."},
    shuffle=True,
)
BANKS = (make_bank("pick", [PICK]), make_bank("blanks", [BLANKS]))


async def quiz_on(db: Path, *banks: Bank, seed: int = 4) -> Quiz:
    store = await SqliteStore.open(db)
    quiz = Quiz(store, BankLibrary(banks or BANKS), FakeClock(T0), rng=random.Random(seed))
    await quiz.start()
    return quiz


def stored_orders(db: Path) -> list[str | None]:
    with sqlite3.connect(db) as conn:
        return [order for (order,) in conn.execute("SELECT option_order FROM rounds ORDER BY id")]


def stored_answers(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT answer FROM attempts ORDER BY round_id, user_id, attempt_no")
        return [answer for (answer,) in rows]


def order_of(posted: Posted | tuple[object, Question | None]) -> OptionOrder:
    """The order a round shows, read from what the quiz shows (not from its store)."""
    question = posted.question if isinstance(posted, Posted) else posted[1]
    assert question is not None
    texts = {text: letter for letter, text in make_question("x").options.items()}
    return OptionOrder(tuple(texts[text] for text in question.options.values()))


def shown_as(order: OptionOrder, *canonical: str) -> tuple[str, ...]:
    return order.to_shown(canonical)


async def test_a_round_shows_its_own_order_and_judges_in_it(tmp_path: Path) -> None:
    quiz = await quiz_on(tmp_path / "quiz.db")
    posted = await quiz.rounds.post_daily(CHANNEL, banks=["pick"])
    order = order_of(posted)
    assert order != OptionOrder.identity(PICK)  # seeded: a real permutation
    assert stored_orders(tmp_path / "quiz.db") == [order.encode()]
    # What people read: the options in the round's order, the answer and explanations in its
    # letters.
    shown = posted.question
    assert list(shown.options.values()) == [PICK.options[c] for c in order.canonical]
    assert shown.answer == shown_as(order, "B")
    assert shown.explanations[shown_as(order, "A")[0]] == "A is the classic trap."
    assert shown.solution is not None and shown.solution.final == shown_as(order, "B")[0]
    round_id = posted.round.id

    # The letter shown where the bank's A is: wrong, with A's explanation.
    wrong = await quiz.rounds.answer(round_id, ANN, shown_as(order, "A"))
    assert isinstance(wrong, Wrong) and wrong.explanation == "A is the classic trap."
    assert wrong.question.answer == shown_as(order, "B")
    # The shown letter "B" is some other option: it is judged as that option.
    bob = await quiz.rounds.answer(round_id, BOB, ("B",))
    assert isinstance(bob, Correct) == (order.to_canonical(("B",)) == ("B",))
    right = await quiz.rounds.answer(round_id, ANN, shown_as(order, "B"))
    assert isinstance(right, Correct) and right.attempt_no == 2
    assert right.solution is not None and right.solution.final == shown_as(order, "B")[0]
    assert stored_answers(tmp_path / "quiz.db") == ["A", "B", order.to_canonical(("B",))[0]]
    await quiz.context.store.close()


async def test_every_blank_is_mapped_and_the_reveal_uses_the_rounds_letters(
    tmp_path: Path,
) -> None:
    quiz = await quiz_on(tmp_path / "quiz.db")
    posted = await quiz.rounds.post_daily(CHANNEL, banks=["blanks"])
    order = order_of(posted)
    assert shown_as(order, "A", "C") != ("A", "C")
    round_id = posted.round.id
    for who in (ANN, BOB):
        wrong = await quiz.rounds.answer(round_id, who, shown_as(order, "A", "B"))
        assert isinstance(wrong, Wrong) and wrong.explanation == "B does not load anything."
    swapped = await quiz.rounds.answer(round_id, CAT, shown_as(order, "C", "A"))
    assert isinstance(swapped, Wrong)
    right = await quiz.rounds.answer(round_id, ANN, shown_as(order, "A", "C"))
    assert isinstance(right, Correct) and right.points > 0
    assert stored_answers(tmp_path / "quiz.db") == ["A B", "A C", "A B", "C A"]

    reveal = await quiz.rounds.close_open(CHANNEL)
    assert reveal.question is not None
    assert reveal.question.answer == shown_as(order, "A", "C")
    assert reveal.question.answer_text() == "[1] {}, [2] {}".format(*shown_as(order, "A", "C"))
    assert reveal.question.solution is not None
    assert reveal.question.solution.final == " ".join(shown_as(order, "A", "C"))
    wrong_pick = reveal.stats.most_picked_wrong
    assert wrong_pick is not None
    # Two picked the bank's B for blank 2: labelled with the letter they saw.
    assert wrong_pick.label == f"[2] {shown_as(order, 'B')[0]}" and wrong_pick.count == 2
    assert wrong_pick.note == "B does not load anything."
    await quiz.context.store.close()


async def test_the_order_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    quiz = await quiz_on(db)
    posted = await quiz.rounds.post_daily(CHANNEL, banks=["pick"])
    order = order_of(posted)
    assert order != OptionOrder.identity(PICK)
    first = await quiz.rounds.answer(posted.round.id, ANN, shown_as(order, "A"))
    assert isinstance(first, Wrong)
    await quiz.context.store.close()

    # A new process on the same file, with an rng that would draw other orders.
    again = await quiz_on(db, seed=99)
    found = await again.rounds.round(posted.round.id)
    assert found is not None and order_of(found) == order
    _, current = await again.rounds.open_round(CHANNEL)
    assert current == posted.question
    right = await again.rounds.answer(posted.round.id, ANN, shown_as(order, "B"))
    assert isinstance(right, Correct) and right.attempt_no == 2
    reveal = await again.rounds.close_open(CHANNEL)
    assert reveal.question == posted.question
    assert reveal.stats.most_picked_wrong is not None
    assert reveal.stats.most_picked_wrong.label == shown_as(order, "A")[0]
    assert stored_answers(db) == ["A", "B"]
    await again.context.store.close()


async def test_rounds_of_one_question_differ_and_a_seeded_rng_repeats_them(
    tmp_path: Path,
) -> None:
    async def orders(db: Path, seed: int) -> list[str]:
        quiz = await quiz_on(db, seed=seed)
        drawn = []
        for number in range(6):
            channel = ChannelRef("console", "elsewhere", f"c{number}")
            drawn.append(order_of(await quiz.rounds.post_daily(channel, banks=["pick"])).encode())
        practice = await quiz.practice.practice(ANN, CHANNEL, bank="pick")
        drawn.append(order_of((practice.round, practice.question)).encode())
        test = await quiz.practice.start_test(BOB, OTHER_CHANNEL, "pick")
        drawn.append(order_of((test.round, test.question)).encode())
        assert stored_orders(db) == drawn
        await quiz.context.store.close()
        return drawn

    first = await orders(tmp_path / "one.db", seed=4)
    assert len(set(first)) > 1
    assert await orders(tmp_path / "two.db", seed=4) == first


async def test_practice_and_test_rounds_judge_in_their_own_letters(tmp_path: Path) -> None:
    quiz = await quiz_on(tmp_path / "quiz.db")
    practice = await quiz.practice.practice(ANN, CHANNEL, bank="pick")
    order = order_of((practice.round, practice.question))
    assert order != OptionOrder.identity(PICK)
    right = await quiz.rounds.answer(practice.round.id, ANN, shown_as(order, "B"))
    assert isinstance(right, Correct)
    test = await quiz.practice.start_test(BOB, CHANNEL, "blanks")
    test_order = order_of((test.round, test.question))
    assert test_order != OptionOrder.identity(BLANKS)
    done = await quiz.rounds.answer(test.round.id, BOB, shown_as(test_order, "A", "C"))
    assert isinstance(done, Correct)
    assert stored_answers(tmp_path / "quiz.db") == ["B", "A C"]
    await quiz.context.store.close()


async def test_a_question_that_opts_out_and_older_rounds_show_the_bank_order(
    tmp_path: Path,
) -> None:
    db = tmp_path / "quiz.db"
    fixed = replace(PICK, shuffle=False)
    quiz = await quiz_on(db, make_bank("pick", [fixed]))
    posted = await quiz.rounds.post_daily(CHANNEL, banks=["pick"])
    assert order_of(posted) == OptionOrder.identity(PICK)
    reveal = await quiz.rounds.close_open(CHANNEL)
    assert reveal.question == fixed
    await quiz.context.store.close()

    # A round opened before orders existed (NULL), and one whose stored order no longer fits
    # the edited bank: both show the bank's order.
    quiz = await quiz_on(db)
    older = await quiz.rounds.post_daily(CHANNEL, banks=["pick"])
    assert order_of(older) != OptionOrder.identity(PICK)
    await quiz.context.store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE rounds SET option_order = NULL WHERE id = ?", (older.round.id,))
    quiz = await quiz_on(db)
    found = await quiz.rounds.round(older.round.id)
    assert found is not None and order_of(found) == OptionOrder.identity(PICK)
    right = await quiz.rounds.answer(older.round.id, ANN, ("B",))
    assert isinstance(right, Correct)
    await quiz.context.store.close()


async def test_a_bank_edited_since_the_round_opened_shows_its_own_order(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    quiz = await quiz_on(db)
    posted = await quiz.rounds.post_daily(CHANNEL, banks=["pick"])
    assert len(posted.round.order or "") == 4
    await quiz.context.store.close()
    three = replace(PICK, options={k: v for k, v in PICK.options.items() if k != "D"})
    quiz = await quiz_on(db, make_bank("pick", [three]))
    found = await quiz.rounds.round(posted.round.id)
    assert found is not None and found[1] == three
    out = await quiz.rounds.answer(posted.round.id, ANN, ("A",))
    assert isinstance(out, Wrong | Exhausted) and stored_answers(db) == ["A"]
    await quiz.context.store.close()
