"""Insights judge the whole history in the database and read only the diagnosis window's
rows (analytics.selectors._history, issue 16): over random histories, every figure is what
the rules of analytics.goals, analytics.figures and analytics.diagnosis give when applied in
Python to every rollup row, as the selector did before."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from analytics import diagnosis, figures, goals
from analytics.models import DailyActivity
from analytics.selectors import diagnosis_thresholds, diagnosis_window, insights_for_students
from gradebook.services import set_mastered_units
from rostering import zones
from tests.factories import PartnerAppFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db

DAYS = 150


def random_goals(rng: random.Random) -> dict:
    """Some goals of metadata.goals, with fractions where a rounding rule could differ."""
    choices = {
        "dailyXp": [0, 5, 12.5, 20, "30"],
        "dailyLessons": [0, 1, 2],
        "dailyActiveMinutes": [0, 7.5, 10, 2 / 3, 25],
        "dailyAccuracy": [0, 62.5, 70, 200 / 3, 80],
        "dailyMasteredUnits": [0, 0.5, 1],
    }
    return {k: rng.choice(v) for k, v in choices.items() if rng.random() < 0.7}


def random_row(rng: random.Random) -> dict:
    if rng.random() < 0.1:  # idle time only: a row that is not activity
        return {"wasted_seconds": rng.randint(1, 600), "inactive_seconds": 0}
    answered = rng.choice([0, 0, 3, 10, 12, 15, 30])
    return {
        "xp": Decimal(rng.choice([0, 3, 7.5, 12.5, 15, 20, 33])).quantize(Decimal("0.01")),
        "active_seconds": rng.choice([0, 30, 400, 450, 600, 601, 1500]),
        "wasted_seconds": rng.randint(0, 300),
        "items_answered": answered,
        "items_correct": rng.randint(0, answered),
        "lessons_mastered": rng.choice([0, 0, 1, 2]),
        "mastered_units": Decimal(rng.choice([0, 0, 0.5, 1])),
    }


def world(rng, make_student, make_course, enroll):
    app = PartnerAppFactory(name="App")
    courses = [
        make_course(app, name, metadata={"totalUnits": 4, "goals": random_goals(rng)})
        for name in ("math", "reading", "history")
    ]
    students = [make_student(f"s{n}") for n in range(4)]
    for n, student in enumerate(students):
        for course in courses[: 1 + n % 3]:  # the last course has unenrolled learners
            enroll(student, course, metadata={"goals": random_goals(rng)})
    set_mastered_units(  # a completed course asks nothing more
        source_key="done", units=4, student_id=students[1].pk, course_id=courses[0].pk,
        occurred_on=TODAY - timedelta(days=DAYS),
    )  # fmt: skip
    rows = []
    for student in students:
        for course in courses:
            for offset in range(-3, DAYS):  # a few days after `today` too
                if rng.random() < 0.6:
                    rows.append(
                        DailyActivity(
                            student=student,
                            course=course,
                            day=TODAY - timedelta(days=offset),
                            **random_row(rng),
                        )
                    )
    DailyActivity.objects.bulk_create(rows)
    return students, courses


def expected(student, courses_in_scope, today, calendar):
    """The insights' figures from every row, in Python, by the rules themselves."""
    from rostering.models import Enrollment

    pairs = {}
    for e in Enrollment.objects.filter(user=student, role="student").order_by("-primary", "pk"):
        if e.klass.course in courses_in_scope:
            pairs.setdefault(
                e.klass.course.pk, goals.goals_from_metadata(e.klass.course.metadata, e.metadata)
            )
    rows = list(DailyActivity.objects.filter(student=student, course__in=courses_in_scope))
    for r in rows:
        if r.course_id not in pairs:
            pairs[r.course_id] = goals.goals_from_metadata(r.course.metadata)
    if student.sourced_id == "s1" and courses_in_scope[0].sourced_id == "math":
        pairs[courses_in_scope[0].pk] = goals.NOTHING_ASKED
    met = defaultdict(lambda: True)
    for r in rows:
        met[r.day] = met[r.day] and goals.judge_day(_figures(r), pairs[r.course_id]).met
    met_days = sorted(d for d, ok in met.items() if ok)
    start, end = diagnosis_window(today)
    window = [r for r in rows if start <= r.day <= end]
    school_days = sum(
        goals.is_school_day(start + timedelta(days=i), calendar)
        for i in range((end - start).days + 1)
    )
    judged = diagnosis.Window(
        school_days=school_days,
        active_seconds=sum(r.active_seconds for r in window),
        wasted_seconds=sum(r.wasted_seconds for r in window),
        items_answered=sum(r.items_answered for r in window),
        items_correct=sum(r.items_correct for r in window),
    )
    return {
        "met_days": met_days,
        "goal_met_today": today in met_days,
        "streak": goals.streak(met_days, today, calendar),
        "time_back": len([d for d in met_days if goals.is_school_day(d, calendar)]),
        "last_activity": figures.last_activity(rows),
        "today_xp": sum((r.xp for r in rows if r.day == today), Decimal(0)),
        "courses": sorted(pairs),
        "judged": judged,
        "flags": diagnosis.diagnose(judged, diagnosis_thresholds()) if school_days else [],
    }


def _figures(r):
    return goals.DayFigures(
        xp=r.xp,
        lessons_mastered=r.lessons_mastered,
        active_seconds=r.active_seconds,
        items_answered=r.items_answered,
        items_correct=r.items_correct,
        mastered_units=r.mastered_units,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_insights_over_a_long_history_are_the_rules_applied_to_every_row(
    seed, make_student, make_course, enroll
):
    rng = random.Random(seed)
    students, courses = world(rng, make_student, make_course, enroll)
    holidays = zones.Calendar(holidays=frozenset({TODAY - timedelta(days=3)}))
    for scope, calendar, today in [
        (None, goals.SCHOOL_DAYS, TODAY),
        ([courses[0].pk], holidays, TODAY),
        ([courses[0].pk, courses[2].pk], goals.SCHOOL_DAYS, TODAY - timedelta(days=40)),
    ]:
        in_scope = courses if scope is None else [c for c in courses if c.pk in scope]
        got = insights_for_students([s.pk for s in students], today, scope, calendar)
        for student in students:
            want = expected(student, in_scope, today, calendar)
            i = got[student.pk]
            assert i.met_days == want["met_days"]
            assert i.goal_met_today == want["goal_met_today"]
            assert i.streak == want["streak"]
            assert i.time_back.days_met == want["time_back"]
            assert i.last_activity == want["last_activity"]
            assert i.today_figures.xp == want["today_xp"]
            assert sorted(c.course_id for c in i.courses) == want["courses"]
            assert i.judged == want["judged"]
            assert i.flags == want["flags"]


@pytest.mark.parametrize("seed", [4, 5])
def test_insights_judged_from_a_day_are_the_whole_history_s_from_that_day_on(
    seed, make_student, make_course, enroll
):
    """The class page judges goal-met days only from the first day it shows (judge_from):
    those days, today's figures, the diagnosis, the courses (unenrolled ones among them) and
    the last day of learning are what judging the whole history gives; streak and time back
    are not judged."""
    rng = random.Random(seed)
    students, courses = world(rng, make_student, make_course, enroll)
    ids = [s.pk for s in students]
    for scope, today, judge_from in [
        ([courses[0].pk], TODAY, TODAY - timedelta(days=13)),
        ([courses[2].pk], TODAY - timedelta(days=40), TODAY - timedelta(days=45)),
        ([courses[0].pk, courses[1].pk], TODAY, TODAY - timedelta(days=2)),  # after the window
    ]:
        whole = insights_for_students(ids, today, scope)
        part = insights_for_students(ids, today, scope, judge_from=judge_from)
        for student in students:
            w, p = whole[student.pk], part[student.pk]
            assert p.met_days == [d for d in w.met_days if d >= judge_from]
            assert p.streak is None and p.time_back is None
            assert p.goal_met_today == w.goal_met_today
            assert p.last_activity == w.last_activity
            assert p.today_figures == w.today_figures
            assert p.courses == w.courses
            assert (p.judged, p.flags) == (w.judged, w.flags)
    assert any(whole[s].met_days for s in ids)
    with pytest.raises(ValueError):
        insights_for_students(ids, TODAY, None, judge_from=TODAY)
