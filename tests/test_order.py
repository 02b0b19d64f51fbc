"""A round's option order: drawn per round, mapped both ways, stored and read back."""

from __future__ import annotations

import random
from dataclasses import replace

from conftest import make_question

from bot.core.order import OptionOrder, draw_order


def test_two_rounds_of_one_question_can_show_different_orders() -> None:
    question = make_question("q1", shuffle=True)
    rng = random.Random(7)
    orders = {draw_order(question, rng) for _ in range(20)}
    assert len(orders) > 1
    assert all(sorted(order) == sorted(question.letters) for order in orders)


def test_a_seeded_rng_draws_the_same_orders() -> None:
    question = make_question("q1", shuffle=True)
    first = [draw_order(question, random.Random(3)) for _ in range(3)]
    assert first == [draw_order(question, random.Random(3))] * 3


def test_a_question_that_opts_out_keeps_the_bank_order() -> None:
    question = make_question("q1")
    rng = random.Random(1)
    assert {draw_order(question, rng) for _ in range(10)} == {question.letters}


def test_shown_letters_map_to_canonical_and_back() -> None:
    question = make_question("q1", shuffle=True)
    order = OptionOrder(("C", "A", "D", "B"))
    assert order.shown == ("A", "B", "C", "D")
    assert order.to_canonical(("A", "D")) == ("C", "B")
    assert order.to_shown(("C", "B")) == ("A", "D")
    assert order.to_canonical(("Z",)) == ("Z",)
    assert [text for _, text in order.options(question)] == [
        question.options[letter] for letter in ("C", "A", "D", "B")
    ]


def test_stored_order_is_read_back_or_falls_back_to_the_bank_order() -> None:
    question = make_question("q1", shuffle=True)
    order = OptionOrder(("B", "D", "A", "C"))
    assert OptionOrder.decode(order.encode(), question) == order
    assert OptionOrder.decode(None, question) == OptionOrder.identity(question)
    # The bank was edited since (an option removed): the old order no longer fits.
    assert OptionOrder.decode("BDACE", question) == OptionOrder.identity(question)


def test_a_round_shows_the_question_in_its_letters() -> None:
    question = make_question(
        "q1", answer=("B", "D"), blanks=True, explanations={"C": "not C"}, shuffle=True
    )
    order = OptionOrder(("C", "A", "D", "B"))
    shown = order.show(question)
    assert shown.key == question.key
    assert shown.options == {"A": "charlie", "B": "alpha", "C": "delta", "D": "bravo"}
    assert shown.answer == ("D", "C") and shown.answer_text() == "[1] D, [2] C"
    assert shown.explanations == {"A": "not C"}
    # A final answer given as letters is in the round's letters; one in words is kept.
    assert shown.solution is not None and shown.solution.final == "D C"
    assert question.solution is not None
    in_words = replace(question, solution=replace(question.solution, final="bravo, delta"))
    shown_words = order.show(in_words).solution
    assert shown_words is not None and shown_words.final == "bravo, delta"
