"""The developer page's learning outcomes (active students, XP, active and wasted time, the
accuracy histogram) come from one statement that sums the window's rollups per student and
buckets them in SQL; they equal the rule applied student by student in Python over the same
rollups: each student's sums, their accuracy (analytics.figures.accuracy of the sums) in
figures.histogram's buckets, a student active when their active seconds sum above 0."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from analytics import figures as shared
from analytics.models import DailyActivity
from dashboards import figures
from dashboards.selectors import ACCURACY_EDGES, _window_per_student
from rostering.models import Course
from tests.dashboards.conftest import TODAY
from tests.factories import CourseFactory, StudentFactory

pytestmark = [pytest.mark.django_db]


def student_by_student(course_ids, start, end):
    sums = defaultdict(lambda: [Decimal(0), 0, 0, 0, 0])
    for row in DailyActivity.objects.filter(course_id__in=course_ids, day__range=(start, end)):
        s = sums[row.student_id]
        s[0] += row.xp
        s[1] += row.active_seconds
        s[2] += row.wasted_seconds
        s[3] += row.items_answered
        s[4] += row.items_correct
    totals = {"xp": Decimal(0), "active": 0, "wasted": 0}
    active_students, accuracies = 0, []
    for xp, active, wasted, answered, correct in sums.values():
        totals["xp"] += xp
        totals["active"] += active
        totals["wasted"] += wasted
        active_students += 1 if active else 0
        if answered:
            accuracies.append(shared.accuracy(Decimal(correct), answered))
    return active_students, totals, figures.histogram(accuracies, ACCURACY_EDGES)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_window_summed_and_bucketed_in_sql_equals_the_rule_student_by_student(school, seed):
    rng = random.Random(seed)
    course = school.course
    other = CourseFactory(sourced_id=f"other-{seed}")  # another app's course: never counted
    start, end = TODAY - timedelta(days=29), TODAY
    DailyActivity.objects.all().delete()
    # (answered, correct) sums that land exactly on every edge, just below and above one,
    # on 100 %, above 100 % (counted nowhere), and nothing answered (no accuracy).
    chosen = [(10, k) for k in range(11)] + [(30, 8), (30, 9), (7, 7), (7, 8), (0, 0), (3, 0)]
    students = [StudentFactory(sourced_id=f"w-{seed}-{n}") for n in range(len(chosen) + 25)]
    for n, student in enumerate(students):
        answered, correct = chosen[n] if n < len(chosen) else (rng.randrange(40), None)
        if correct is None:
            correct = rng.randrange(answered + 1)
        # Split the sums over a few days of the window; idle rows (no active time) too.
        days = rng.sample(range(30), rng.randrange(1, 5))
        for k, offset in enumerate(days):
            last = k == len(days) - 1
            share_a = answered if last else rng.randrange(answered + 1)
            share_c = correct if last else min(correct, rng.randrange(share_a + 1))
            answered, correct = answered - share_a, correct - share_c
            DailyActivity.objects.create(
                student=student,
                course=course,
                day=end - timedelta(days=offset),
                xp=Decimal(rng.randrange(0, 5000)) / 100,
                active_seconds=0 if n % 5 == 0 else rng.randrange(0, 3000),
                wasted_seconds=rng.randrange(0, 600),
                items_answered=share_a,
                items_correct=share_c,
            )
        # Outside the window, and in another course: not counted.
        for day in (start - timedelta(days=1), end + timedelta(days=1)):
            DailyActivity.objects.create(
                student=student, course=course, day=day, active_seconds=99, items_answered=9
            )
        DailyActivity.objects.create(
            student=student, course=other, day=end, active_seconds=7, items_answered=5
        )

    courses = Course.objects.filter(partner_app=school.app).values("pk")
    expected = student_by_student(list(courses.values_list("pk", flat=True)), start, end)
    assert expected[2][0] > 0 and expected[2][-1] > 0  # the first and last buckets are used
    got = _window_per_student(courses, start, end)
    assert got == expected
    assert type(got[1]["active"]) is int and type(got[1]["wasted"]) is int
