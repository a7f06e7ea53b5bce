"""The shared figures (analytics.figures), rule by rule, and the surfaces that show them
agreeing: the insights read-back, EduBridge and the guide's class table."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from analytics import figures, selectors
from analytics.models import DailyActivity
from dashboards.selectors import class_report

from .conftest import TODAY, rollup


@pytest.mark.parametrize(
    ("correct", "answered", "accuracy"),
    [
        (9, 10, 90.0),
        (0, 5, 0.0),
        (Decimal(2), 3, Decimal(200) / 3),  # Decimals in, exact Decimal out
        (0, 0, None),  # nothing answered: no accuracy, not 0 %
        (3, None, None),
    ],
)
def test_accuracy_is_the_percent_of_answered_questions_that_were_right(correct, answered, accuracy):
    assert figures.accuracy(correct, answered) == accuracy


@pytest.mark.parametrize(
    ("active", "wasted", "waste"),
    [
        (900, 100, 10.0),
        (0, 60, 100.0),
        (600, 0, 0.0),
        (Decimal(2), 1, Decimal(100) / 3),
        (0, 0, None),  # no time at all
    ],
)
def test_waste_is_wasted_time_over_all_time_on_the_app(active, wasted, waste):
    assert figures.waste_percent(active, wasted) == waste


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(90, 1.5), (0, 0), (Decimal(61), Decimal(61) / 60)]
)
def test_active_minutes_are_active_seconds_over_sixty(seconds, minutes):
    assert figures.active_minutes(seconds) == minutes


NOTHING = {
    "xp": Decimal(0),
    "active_seconds": 0,
    "items_answered": 0,
    "lessons_mastered": 0,
    "mastered_units": Decimal(0),
}


@pytest.mark.parametrize(
    ("figures_of_the_day", "active"),
    [
        ({}, False),  # a row with nothing: idle time only, or XP credited then withdrawn
        ({"xp": Decimal("0.5")}, True),
        ({"xp": Decimal(-3)}, False),  # a correction alone is not learning
        ({"active_seconds": 1}, True),
        ({"items_answered": 1}, True),
        ({"lessons_mastered": 1}, True),
        ({"mastered_units": Decimal("0.5")}, True),
    ],
)
def test_a_day_is_activity_when_it_shows_learning(figures_of_the_day, active):
    assert figures.is_active_day(**{**NOTHING, **figures_of_the_day}) is active


def test_the_last_activity_is_the_last_day_showing_learning():
    def row(day, **values):
        return SimpleNamespace(day=date(2026, 11, day), **{**NOTHING, **values})

    rows = [row(16, xp=Decimal(5)), row(18, items_answered=2), row(19), row(20, xp=Decimal(-5))]
    assert figures.last_activity(rows) == date(2026, 11, 18)
    assert figures.last_activity([row(19)]) is None
    assert figures.last_activity([]) is None


@pytest.mark.django_db
def test_the_sql_condition_of_an_active_day_agrees_with_the_rule(ada, math):
    cases = [
        {},
        {"xp": Decimal("0.5")},
        {"xp": Decimal(-3)},
        {"active_seconds": 1},
        {"wasted_seconds": 600, "inactive_seconds": 600},
        {"items_answered": 1},
        {"lessons_mastered": 1},
        {"mastered_units": Decimal("0.5")},
    ]
    for n, values in enumerate(cases):
        rollup(ada, math, TODAY - timedelta(days=n), **values)
    in_sql = set(DailyActivity.objects.filter(selectors.active_day()).values_list("day", flat=True))
    by_rule = {
        row.day
        for row in DailyActivity.objects.all()
        if figures.is_active_day(**{f: getattr(row, f) for f in figures.ACTIVITY_FIELDS})
    }
    assert in_sql == by_rule
    assert len(by_rule) == 5


@pytest.mark.django_db
def test_every_surface_answers_the_same_last_activity(math_app, ada, math):
    """A day with a rollup row but only idle time (and, later, a day whose XP was withdrawn)
    is not the last activity: the insights read-back used to say it was, EduBridge not."""
    rollup(ada, math, TODAY - timedelta(days=3), xp=Decimal(40), active_seconds=1200)
    rollup(ada, math, TODAY - timedelta(days=2), wasted_seconds=900, inactive_seconds=900)
    rollup(ada, math, TODAY - timedelta(days=1))
    expected = TODAY - timedelta(days=3)

    insights = math_app.get(f"/insights/1.0/users/ada?date={TODAY}").json()["insights"]
    facts = math_app.get("/ims/edubridge/analytics/v1p0/enrollmentFacts?studentId=ada").json()
    [row] = class_report(math.classes.get(), TODAY).rows

    assert insights["lastActivityDate"] == expected.isoformat()
    assert facts["enrollmentFacts"][0]["lastActivityDate"] == expected.isoformat()
    assert row.last_active == expected


@pytest.mark.django_db
def test_the_class_table_and_the_insights_show_the_same_accuracy_and_goal(math_app, ada, math):
    rollup(ada, math, TODAY, xp=Decimal(120), items_answered=7, items_correct=5)
    rollup(ada, math, TODAY - timedelta(days=1), items_answered=3, items_correct=3)

    [row] = class_report(math.classes.get(), TODAY).rows
    insight = selectors.student_insights(ada, TODAY, courses=[math.pk])

    assert row.accuracy == insight.judged.accuracy == Decimal(80)
    assert row.goal_met_today is insight.goal_met_today
