from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.goals import (
    DayFigures,
    Goals,
    goals_from_metadata,
    judge_day,
    streak,
    time_back,
)

MONDAY = date(2026, 11, 16)


def test_defaults_are_the_specs_five_numbers():
    assert goals_from_metadata(None, {}) == Goals(
        daily_xp=Decimal(100),
        daily_lessons=Decimal(3),
        daily_active_minutes=Decimal(25),
        daily_accuracy=Decimal(80),
        daily_mastered_units=Decimal(2),
    )


def test_the_enrollments_goals_win_over_the_courses_key_by_key():
    course = {"goals": {"dailyXp": 60, "dailyLessons": 2}}
    enrollment = {"goals": {"dailyXp": 40}}
    goals = goals_from_metadata(course, enrollment)
    assert goals.daily_xp == 40
    assert goals.daily_lessons == 2
    assert goals.daily_active_minutes == 25


@pytest.mark.parametrize("bad", [-5, "lots", None, True, [3], {"x": 1}, "NaN", "Infinity"])
def test_a_goal_that_is_not_a_non_negative_number_is_ignored(bad):
    assert goals_from_metadata({"goals": {"dailyXp": bad}}).daily_xp == 100


def test_malformed_goals_metadata_is_ignored():
    assert goals_from_metadata({"goals": "fast"}, {"goals": [1]}) == Goals()


GOALS = Goals(
    daily_xp=Decimal(30),
    daily_lessons=Decimal(1),
    daily_active_minutes=Decimal(20),
    daily_accuracy=Decimal(80),
    daily_mastered_units=Decimal(1),
)
ENOUGH = DayFigures(
    xp=Decimal(30),
    lessons_mastered=1,
    active_seconds=20 * 60,
    items_answered=10,
    items_correct=8,
    mastered_units=Decimal(1),
)


def test_a_day_that_reaches_every_goal_is_met():
    assert judge_day(ENOUGH, GOALS).met


@pytest.mark.parametrize(
    "short, goal",
    [
        ({"xp": Decimal("29.99")}, "xp"),
        ({"lessons_mastered": 0}, "lessons"),
        ({"active_seconds": 20 * 60 - 1}, "active_minutes"),
        ({"items_correct": 7}, "accuracy"),
        ({"mastered_units": Decimal("0.5")}, "mastered_units"),
    ],
)
def test_missing_any_one_goal_means_the_day_is_not_met(short, goal):
    figures = DayFigures(**{**ENOUGH.__dict__, **short})
    verdict = judge_day(figures, GOALS)
    assert not getattr(verdict, goal)
    assert not verdict.met


def test_the_accuracy_goal_holds_when_nothing_was_answered():
    figures = DayFigures(**{**ENOUGH.__dict__, "items_answered": 0, "items_correct": 0})
    assert judge_day(figures, GOALS).accuracy


def test_figures_add_up_across_courses():
    total = ENOUGH + ENOUGH
    assert total.xp == 60 and total.items_answered == 20 and total.accuracy == 80


def days(*offsets):
    return {MONDAY + timedelta(days=o) for o in offsets}


@pytest.mark.parametrize(
    "met, today, expected",
    [
        (days(), MONDAY, 0),
        (days(0), MONDAY, 1),
        (days(0, 1, 2), MONDAY + timedelta(days=2), 3),
        # Today not met yet: the streak up to yesterday stands.
        (days(0, 1), MONDAY + timedelta(days=2), 2),
        # A missed school day breaks it.
        (days(0, 2), MONDAY + timedelta(days=2), 1),
        # The weekend neither breaks nor extends it: Thu, Fri, (Sat, Sun), Mon.
        (days(-4, -3, 0), MONDAY, 3),
        # Met on a Saturday: not a school day, not counted.
        (days(-2, 0), MONDAY, 1),
        # Monday morning, nothing yet today: Friday's streak stands.
        (days(-4, -3), MONDAY, 2),
    ],
)
def test_streak_counts_consecutive_goal_met_school_days(met, today, expected):
    assert streak(met, today) == expected


@given(st.sets(st.integers(min_value=-60, max_value=0)), st.integers(min_value=0, max_value=6))
def test_a_streak_never_exceeds_the_school_days_met(offsets, weekday):
    today = MONDAY + timedelta(days=weekday)
    met = {today + timedelta(days=o) for o in offsets}
    school_met = {d for d in met if d.weekday() < 5}
    assert 0 <= streak(met, today) <= len(school_met)


def test_time_back_is_five_hours_per_goal_met_school_day_by_default():
    back = time_back(3)
    assert back.hours == 15
    assert back.school_days == Decimal(15) / 7


def test_time_back_follows_the_configured_day():
    assert time_back(2, school_day_hours=6, learning_hours=Decimal("2.5")).hours == 7
    assert time_back(2, school_day_hours=2, learning_hours=3).hours == 0
