"""The logger's mastery models (logger/mastery.py), on attempt sequences."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logger import mastery
from logger.mastery import Attempt, Criterion, CriterionError


def answers(pattern: str) -> list[Attempt]:
    """'1101' = right, right, wrong, right, OLDEST FIRST (as a student answers them);
    returned most recent first, as the logger reads attempts."""
    return [Attempt(item=f"q{i}", correct=float(c)) for i, c in enumerate(pattern)][::-1]


M_OF_N_3_5 = Criterion(mastery.M_OF_N, m=3, n=5)
IN_A_ROW_3 = mastery.parse({"type": "num_correct_in_a_row_3"})


@pytest.mark.parametrize(
    ("criterion", "pattern", "met"),
    [
        (M_OF_N_3_5, "", False),
        (M_OF_N_3_5, "11", False),
        (M_OF_N_3_5, "111", True),
        (M_OF_N_3_5, "10101", True),
        (M_OF_N_3_5, "1100", False),
        (M_OF_N_3_5, "110001", False),  # the first right answer left the window of 5
        (M_OF_N_3_5, "11000111", True),
        (IN_A_ROW_3, "110", False),
        (IN_A_ROW_3, "1101", False),
        (IN_A_ROW_3, "0111", True),
        (IN_A_ROW_3, "1110", False),  # met earlier, but the last three are not all right
        (mastery.parse({"type": "num_correct_in_a_row_2"}), "011", True),
        (mastery.parse({"type": "num_correct_in_a_row_5"}), "11110", False),
        (mastery.parse({"type": "num_correct_in_a_row_10"}), "1" * 10, True),
        (mastery.parse({"type": "num_correct_in_a_row_10"}), "1" * 9, False),
        (mastery.parse({"type": "do_all"}, item_count=4), "111", False),
        (mastery.parse({"type": "do_all"}, item_count=4), "1111", True),
        (mastery.parse({"type": "do_all", "n": 2}), "011", True),
    ],
)
def test_mastery_models_on_attempt_sequences(criterion, pattern, met):
    assert mastery.is_met(criterion, answers(pattern)) is met


def test_partial_credit_adds_up_as_in_kolibri():
    half_right = [Attempt("q", 0.5)] * 4
    assert mastery.is_met(Criterion(mastery.M_OF_N, m=2, n=4), half_right)
    assert not mastery.is_met(Criterion(mastery.M_OF_N, m=3, n=4), half_right)


def test_tenths_that_add_up_to_m_meet_it_despite_floating_point():
    assert mastery.is_met(Criterion(mastery.M_OF_N, m=1, n=10), [Attempt("q", 0.1)] * 10)


@given(st.sampled_from([2, 3, 5, 10]), st.lists(st.sampled_from([0.0, 0.5, 1.0]), max_size=25))
def test_num_correct_in_a_row_n_is_m_of_n_with_m_and_n_equal_to_n(n, scores):
    attempts = [Attempt(f"q{i}", s) for i, s in enumerate(scores)]
    in_a_row = mastery.parse({"type": f"num_correct_in_a_row_{n}"})
    assert mastery.is_met(in_a_row, attempts) == mastery.is_met(
        mastery.parse({"type": "m_of_n", "m": n, "n": n}), attempts
    )


@given(st.integers(1, 10), st.lists(st.sampled_from([0.0, 1.0]), max_size=25))
def test_do_all_is_m_of_n_over_all_its_items(items, scores):
    attempts = [Attempt(f"q{i}", s) for i, s in enumerate(scores)]
    assert mastery.is_met(mastery.parse({"type": "do_all"}, item_count=items), attempts) == (
        mastery.is_met(Criterion(mastery.M_OF_N, m=items, n=items), attempts)
    )


@given(st.integers(1, 8), st.integers(0, 8), st.lists(st.sampled_from([0.0, 1.0]), max_size=20))
def test_only_the_last_n_attempts_matter(m, older, scores):
    criterion = Criterion(mastery.M_OF_N, m=m, n=8)
    recent = [Attempt(f"q{i}", s) for i, s in enumerate(scores)]
    history = [Attempt("old", 1.0)] * older
    if len(recent) >= 8:
        assert mastery.is_met(criterion, recent + history) == mastery.is_met(criterion, recent)


def test_a_quiz_is_not_met_before_it_is_submitted():
    assert not mastery.is_met(Criterion(mastery.QUIZ), answers("1111"))
    assert mastery.is_met(Criterion(mastery.QUIZ), answers("1111"), submitted=True)


def test_a_quiz_counts_only_the_first_attempt_at_each_item():
    first_wrong_then_right = [Attempt("q1", 1.0), Attempt("q2", 1.0), Attempt("q1", 0.0)]
    assert mastery.quiz_score(first_wrong_then_right) == Decimal("0.5")


def test_a_quiz_passes_at_the_pass_mark():
    nine_of_ten = answers("1111111110")
    assert mastery.is_met(Criterion(mastery.QUIZ), nine_of_ten, submitted=True)
    assert not mastery.is_met(
        Criterion(mastery.QUIZ), nine_of_ten, submitted=True, pass_fraction=Decimal("0.95")
    )


def test_a_submitted_quiz_with_no_answers_is_not_met():
    assert not mastery.is_met(Criterion(mastery.QUIZ), [], submitted=True)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("", 0.0), ("0", 0.001), ("1", 1 / 3), ("11", 2 / 3), ("0111", 1.0)],
)
def test_exercise_progress_follows_kolibri(pattern, expected):
    assert mastery.progress(IN_A_ROW_3, answers(pattern)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (None, "mastery_model"),
        ({}, "mastery_model.type"),
        ({"type": "all_of_them"}, "mastery_model.type"),
        ({"type": "m_of_n", "n": 5}, "mastery_model.m"),
        ({"type": "m_of_n", "m": 3}, "mastery_model.n"),
        ({"type": "m_of_n", "m": 6, "n": 5}, "mastery_model.m"),
        ({"type": "m_of_n", "m": 0, "n": 5}, "mastery_model.m"),
        ({"type": "m_of_n", "m": "3", "n": 5}, "mastery_model.m"),
        ({"type": "m_of_n", "m": True, "n": 5}, "mastery_model.m"),
        ({"type": "m_of_n", "m": 3, "n": 10_000}, "mastery_model.n"),
        ({"type": "do_all"}, "mastery_model.n"),
    ],
)
def test_unusable_mastery_models_name_the_field(raw, field):
    with pytest.raises(CriterionError) as error:
        mastery.parse(raw)
    assert error.value.field == field


def test_criteria_freeze_as_the_seed_documents_them():
    assert mastery.parse({"type": "m_of_n", "m": 3, "n": 5}).as_json() == {
        "type": "m_of_n",
        "m": 3,
        "n": 5,
    }
    assert mastery.parse({"type": "quiz"}).as_json() == {"type": "quiz", "coach_assigned": True}
    assert mastery.parse({"type": "num_correct_in_a_row_5"}).as_json() == {
        "type": "num_correct_in_a_row_5"
    }


def test_the_window_is_what_the_start_answer_shows():
    assert mastery.parse({"type": "m_of_n", "m": 3, "n": 5}).window == 5
    assert IN_A_ROW_3.window == 3
    assert mastery.parse({"type": "do_all", "n": 7}).window == 7


@pytest.mark.parametrize(
    ("raw", "item_count", "expected"),
    [
        ({"type": "m_of_n", "m": 3, "n": 5}, None, (mastery.M_OF_N, 3, 5, 5)),
        ({"type": "m_of_n", "m": 5, "n": 5}, 9, (mastery.M_OF_N, 5, 5, 5)),
        ({"type": "m_of_n", "m": 1, "n": 100}, None, (mastery.M_OF_N, 1, 100, 100)),
        ({"type": "num_correct_in_a_row_2"}, None, ("num_correct_in_a_row_2", 2, 2, 2)),
        ({"type": "num_correct_in_a_row_3"}, None, ("num_correct_in_a_row_3", 3, 3, 3)),
        ({"type": "num_correct_in_a_row_5"}, None, ("num_correct_in_a_row_5", 5, 5, 5)),
        ({"type": "num_correct_in_a_row_10"}, None, ("num_correct_in_a_row_10", 10, 10, 10)),
        # do_all: the model's n wins over the content's item count.
        ({"type": "do_all"}, 4, (mastery.DO_ALL, 4, 4, 4)),
        ({"type": "do_all", "n": 2}, 4, (mastery.DO_ALL, 2, 2, 2)),
        ({"type": "quiz"}, None, (mastery.QUIZ, None, None, mastery.MAX_QUIZ_ITEMS)),
        # Extra keys a client sends (Kolibri sends m and n with every model) change nothing.
        (
            {"type": "num_correct_in_a_row_3", "m": 1, "n": 9},
            None,
            ("num_correct_in_a_row_3", 3, 3, 3),
        ),
    ],
)
def test_client_mastery_models_parse_to_criteria(raw, item_count, expected):
    criterion = mastery.parse(raw, item_count=item_count)

    assert (criterion.type, criterion.m, criterion.n, criterion.window) == expected


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "m_of_n", "m": 3, "n": 5},
        {"type": "num_correct_in_a_row_10"},
        {"type": "do_all", "n": 7},
        {"type": "quiz"},
    ],
)
def test_a_frozen_criterion_parses_back_to_the_same_criterion(raw):
    criterion = mastery.parse(raw)

    assert mastery.parse(criterion.as_json()) == criterion


def tries(*answered: tuple[str, float]) -> list[Attempt]:
    """(item, correct) OLDEST FIRST; returned most recent first, as the logger reads them."""
    return [Attempt(item, correct) for item, correct in answered][::-1]


@pytest.mark.parametrize(
    ("attempts", "score"),
    [
        (tries(), None),
        (tries(("q1", 1)), Decimal(1)),
        (tries(("q1", 0)), Decimal(0)),
        (tries(("q1", 1), ("q2", 0)), Decimal("0.5")),
        (tries(("q1", 0), ("q1", 1)), Decimal(0)),  # the first attempt at q1 counts
        (tries(("q1", 1), ("q1", 0), ("q2", 1)), Decimal(1)),
        (tries(("q1", 0.5), ("q2", 1), ("q3", 1), ("q4", 1)), Decimal("0.875")),
    ],
)
def test_quiz_scores_count_the_first_attempt_at_each_item(attempts, score):
    assert mastery.quiz_score(attempts) == score


@pytest.mark.parametrize(
    ("attempts", "submitted", "pass_fraction", "met"),
    [
        (tries(*[(f"q{i}", 1) for i in range(10)]), False, mastery.DEFAULT_PASS_FRACTION, False),
        (tries(*[(f"q{i}", 1) for i in range(10)]), True, mastery.DEFAULT_PASS_FRACTION, True),
        (tries(*[(f"q{i}", float(i != 0)) for i in range(10)]), True, Decimal("0.9"), True),
        (tries(*[(f"q{i}", float(i > 1)) for i in range(10)]), True, Decimal("0.9"), False),
        (tries(*[(f"q{i}", float(i != 0)) for i in range(10)]), True, Decimal("0.95"), False),
        (tries(("q1", 0), ("q1", 1)), True, Decimal("0.5"), False),
        (tries(), True, Decimal(0), False),
    ],
)
def test_a_quiz_is_met_once_submitted_at_or_above_the_pass_mark(
    attempts, submitted, pass_fraction, met
):
    criterion = mastery.parse({"type": "quiz"})

    assert (
        mastery.is_met(criterion, attempts, submitted=submitted, pass_fraction=pass_fraction) is met
    )


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], 0.0),
        ([0], mastery.STARTED_PROGRESS),
        ([0.5], 0.5 / 3),
        ([1, 0], 1 / 3),
        ([1, 1, 0, 0], 2 / 3),
        ([1, 0, 0, 0, 0, 0], mastery.STARTED_PROGRESS),  # the right answer left the window
        ([1, 0.5, 0.5, 0, 1], 1.0),  # 3 of the last 5: met
        ([0, 0, 1, 1, 1], 1.0),
    ],
)
def test_m_of_n_progress_is_the_share_of_m_in_the_window(scores, expected):
    attempts = [Attempt(f"q{i}", s) for i, s in enumerate(scores)][::-1]

    assert mastery.progress(M_OF_N_3_5, attempts) == pytest.approx(expected)
