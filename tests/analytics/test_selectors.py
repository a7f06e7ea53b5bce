from datetime import timedelta
from decimal import Decimal

import pytest

from analytics.selectors import (
    activity_rows,
    diagnosis_thresholds,
    insights_for_students,
    student_insights,
)
from gradebook.services import set_mastered_units
from tests.factories import PartnerAppFactory

from .conftest import GOOD_DAY, TODAY, rollup

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(math_app):
    return math_app.app


@pytest.fixture
def math(app, make_course):
    return make_course(app, "math", metadata={"totalUnits": 10})


@pytest.fixture
def ada(make_student, enroll, math):
    student = make_student("ada")
    enroll(student, math)
    return student


def test_activity_rows_are_oldest_first_with_sourced_ids_and_narrowed_by_dates(ada, math):
    for offset in (0, 1, 2):
        rollup(ada, math, TODAY - timedelta(days=offset), xp=Decimal(offset))
    rows = list(activity_rows(courses=[math.pk], start=TODAY - timedelta(days=1), end=TODAY))
    assert [(r.day, r.student_ref, r.course_ref) for r in rows] == [
        (TODAY - timedelta(days=1), "ada", "math"),
        (TODAY, "ada", "math"),
    ]


def test_goals_come_from_the_enrollment_over_the_course_over_the_defaults(
    app, make_course, make_student, enroll
):
    course = make_course(app, "reading", metadata={"goals": {"dailyXp": 40, "dailyLessons": 1}})
    student = make_student("bea")
    enroll(student, course, metadata={"goals": {"dailyXp": 30}})
    goals = student_insights(student, TODAY).courses[0].goals
    assert (goals.daily_xp, goals.daily_lessons, goals.daily_active_minutes) == (30, 1, 25)


def test_todays_figures_are_judged_against_each_goal(ada, math):
    rollup(ada, math, TODAY, xp=Decimal(120), active_seconds=10 * 60)
    insights = student_insights(ada, TODAY)
    course = insights.courses[0]
    assert insights.today_figures.xp == 120
    assert insights.xp_goal_today == 100
    assert course.verdict.xp and not course.verdict.active_minutes
    assert not insights.goal_met_today


def test_goal_met_days_make_the_streak_and_give_time_back(ada, math):
    # Monday to Friday of this week met, the Friday before not.
    for offset in range(5):
        rollup(ada, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    rollup(ada, math, TODAY - timedelta(days=7), xp=Decimal(5))
    insights = student_insights(ada, TODAY)
    assert insights.goal_met_today
    assert insights.met_days == [TODAY - timedelta(days=n) for n in range(4, -1, -1)]
    assert insights.streak == 5
    assert insights.time_back.hours == 25  # 5 days × (7 h − 2 h)
    assert insights.last_activity == TODAY


def test_a_day_is_met_only_when_every_course_worked_in_met_its_goals(
    app, ada, math, make_course, enroll
):
    science = make_course(app, "science")
    enroll(ada, science)
    rollup(ada, math, TODAY, **GOOD_DAY)
    rollup(ada, science, TODAY, xp=Decimal(10))
    insights = student_insights(ada, TODAY)
    assert not insights.goal_met_today
    assert [c.verdict.met for c in insights.courses] == [True, False]
    assert insights.xp_goal_today == 200


def test_course_progress_is_the_cumulative_mastered_units_over_total_units(ada, math):
    set_mastered_units(
        source_key="a", units=3, student_id=ada.pk, course_id=math.pk, occurred_on=TODAY
    )
    progress = student_insights(ada, TODAY).courses[0].progress
    assert (progress.mastered_units, progress.total_units, progress.pct_complete) == (3, 10, 30)


def test_a_student_who_barely_works_is_flagged_low_effort(ada, math):
    rollup(ada, math, TODAY, active_seconds=5 * 60, items_answered=20, items_correct=15)
    insights = student_insights(ada, TODAY)
    assert [f.code for f in insights.flags] == ["low_effort"]
    assert [f.code for f in insights.courses[0].flags] == ["low_effort"]


def test_days_outside_the_diagnosis_window_are_not_judged(ada, math, settings):
    settings.DIAGNOSIS_WINDOW_DAYS = 7
    for offset in range(5):
        rollup(ada, math, TODAY - timedelta(days=offset), active_seconds=30 * 60)
    rollup(ada, math, TODAY - timedelta(days=8), items_answered=50, items_correct=5)
    assert student_insights(ada, TODAY).flags == []


def test_diagnosis_thresholds_are_read_from_settings(settings):
    settings.DIAGNOSIS_TOO_HARD_ACCURACY = 55
    assert diagnosis_thresholds().too_hard_accuracy == Decimal(55)


def test_courses_narrow_what_is_read(app, ada, math, make_course, enroll):
    other = make_course(PartnerAppFactory(name="Other"), "other")
    enroll(ada, other)
    rollup(ada, other, TODAY, xp=Decimal(50))
    insights = student_insights(ada, TODAY, courses=[math.pk])
    assert [c.course_ref for c in insights.courses] == ["math"]
    assert insights.today_figures.xp == 0


def test_activity_in_a_course_without_enrollment_still_counts(app, make_student, make_course):
    course = make_course(app, "history")
    student = make_student("cy")
    rollup(student, course, TODAY, xp=Decimal(7))
    insights = student_insights(student, TODAY)
    assert [c.course_ref for c in insights.courses] == ["history"]
    assert insights.today_figures.xp == 7


def test_insights_of_a_class_take_the_same_queries_for_more_history(
    app, math, make_student, enroll, django_assert_max_num_queries
):
    students = [make_student(f"s{n}") for n in range(3)]
    for s in students:
        enroll(s, math)
        rollup(s, math, TODAY, **GOOD_DAY)
    with django_assert_max_num_queries(5):
        small = insights_for_students([s.pk for s in students], TODAY)
    for s in students:
        for offset in range(1, 60):
            rollup(s, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    with django_assert_max_num_queries(5):
        large = insights_for_students([s.pk for s in students], TODAY)
    assert small[students[0].pk].streak == 1
    assert large[students[0].pk].streak == 44  # the school days among 60 days
