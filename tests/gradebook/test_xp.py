"""The XP rules of docs/xp-and-mastery.md#xp, table-driven (the worked examples are in
docs/xp-and-mastery.md#computed-xp)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradebook import xp

D = Decimal


@pytest.mark.parametrize(
    ("active_seconds", "correct", "total", "attempt", "expected"),
    [
        (600, 10, 10, 1, D("12.50")),  # worked example: 10 min, 100 %, first attempt
        (600, D("8.5"), 10, 2, D("5.00")),  # worked example: 85 % on the first re-attempt
        (600, 8, 10, 1, D("10.00")),  # 80 % is mastery: full XP
        (600, 99, 100, 1, D("10.00")),  # 99 % is not perfect
        (600, 79, 100, 1, D("0.00")),  # below 80 %: no XP
        (600, 10, 10, 3, D("3.13")),  # second re-attempt: 0.25 × 12.5 = 3.125 → 3.13
        (600, 10, 10, 4, D("0.00")),  # third re-attempt and later: nothing
        (600, 10, 10, None, D("12.50")),  # no attempt number: a first attempt
        (90, 10, 10, 1, D("1.88")),  # 1.5 minutes × 1.25
        (0, 10, 10, 1, D("0.00")),  # no active time, no XP
        (600, 0, 0, 1, D("0.00")),  # nothing asked: no accuracy, no computed XP
        (600, 12, 10, 1, D("12.50")),  # more correct than asked is capped at 100 %
    ],
)
def test_computed_xp(active_seconds, correct, total, attempt, expected):
    assert (
        xp.computed_xp(active_seconds=active_seconds, correct=correct, total=total, attempt=attempt)
        == expected
    )


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (D(1), D("1.25")),
        (D("0.999"), D("1.0")),
        (D("0.8"), D("1.0")),
        (D("0.7999"), D(0)),
        (D(0), D(0)),
        (None, D(0)),
    ],
)
def test_accuracy_multiplier(fraction, expected):
    assert xp.accuracy_multiplier(fraction) == expected


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, D("1.0")), (2, D("0.5")), (3, D("0.25")), (4, D(0)), (10, D(0)), (None, D("1.0"))],
)
def test_attempt_multiplier(attempt, expected):
    assert xp.attempt_multiplier(attempt) == expected


@pytest.mark.parametrize(
    ("reported", "active_seconds", "flagged"),
    [
        (100, 80 * 60, False),  # 1.25 XP per minute exactly is plausible
        (D("100.01"), 80 * 60, True),
        (100, 0, True),  # XP with no observed active time
        (0, 0, False),
        (-20, 0, False),  # a correction is never implausible
    ],
)
def test_implausible_xp_is_more_than_1_25_per_active_minute(reported, active_seconds, flagged):
    assert xp.is_implausible(reported_xp=reported, active_seconds=active_seconds) is flagged


@pytest.mark.parametrize(
    ("target", "credited", "entry"),
    [
        (D("12.5"), D(0), D("12.50")),
        (D("12.5"), D("10"), D("2.50")),
        (D("5"), D("12.5"), D("-7.50")),
        (D(5), D(5), D(0)),
    ],
)
def test_a_correction_brings_the_credited_sum_to_the_target(target, credited, entry):
    assert xp.correction(target=target, credited=credited) == entry


@given(
    st.integers(min_value=0, max_value=36000),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=6),
)
def test_computed_xp_never_exceeds_1_25_per_active_minute_nor_goes_negative(
    seconds, correct, total, attempt
):
    value = xp.computed_xp(active_seconds=seconds, correct=correct, total=total, attempt=attempt)
    assert D(0) <= value <= xp.xp(D("1.25") * seconds / 60)
    assert not xp.is_implausible(reported_xp=value, active_seconds=seconds)
