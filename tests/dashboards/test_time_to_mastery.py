"""The developer page's time to mastery, computed in one statement over the window's
masteries (`lag` between them, one probe per student for the first), equals the rule applied
mastery by mastery over the whole history: from the student's previous mastery in the course
(the latest before it, ties by id, however old), else from the start of their first rollup
day in the course, else nothing (0 days)."""

import random
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

import pytest

from analytics.models import DailyActivity
from dashboards import figures
from dashboards.selectors import QUARTILES, _mastery_quartiles
from gradebook.models import LessonMastery
from rostering.models import Course
from tests.dashboards.conftest import TODAY
from tests.factories import LessonFactory, StudentFactory

pytestmark = [pytest.mark.django_db]


def one_by_one(course, since) -> dict[int, dict[float, float]]:
    """The documented rule, mastery by mastery, over every stored mastery."""
    rows = sorted(
        LessonMastery.objects.filter(course=course).values_list(
            "id", "student_id", "lesson_id", "mastered_at"
        ),
        key=lambda r: (r[3], r[0]),
    )
    first_day = {}
    for student_id, day in DailyActivity.objects.filter(course=course).values_list(
        "student_id", "day"
    ):
        first_day[student_id] = min(day, first_day.get(student_id, day))
    start = datetime.combine(since, time.min, tzinfo=UTC)
    taken = defaultdict(list)
    previous = {}
    for _, student_id, lesson_id, at in rows:
        if at >= start:
            day = first_day.get(student_id)
            origin = previous.get(student_id) or (
                datetime.combine(day, time.min, tzinfo=UTC) if day else at
            )
            taken[lesson_id].append(max(0.0, (at - origin).total_seconds()) / 86400)
        previous[student_id] = at
    return {
        lesson: {q: figures.quantile(sorted(days), q) for q in QUARTILES}
        for lesson, days in taken.items()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_time_to_mastery_in_one_statement_equals_the_rule_applied_mastery_by_mastery(school, seed):
    rng = random.Random(seed)
    course = school.course
    lessons = school.lessons + [
        LessonFactory(
            sourced_id=f"extra-{n}",
            course=course,
            parent=school.lessons[0].parent,
            sort_order=9 + n,
        )
        for n in range(6)
    ]
    LessonMastery.objects.all().delete()
    since = TODAY - timedelta(days=29)
    students = school.students + [
        StudentFactory(sourced_id=f"ttm-{n}", org=school.klass.school) for n in range(12)
    ]
    for n, student in enumerate(students):
        if n % 4 == 3:  # no rollup at all: a first mastery counts 0 days
            DailyActivity.objects.filter(student=student).delete()
        elif n >= len(school.students):  # a first day of work, inside or before the window
            DailyActivity.objects.create(
                student=student, course=course, day=TODAY - timedelta(days=rng.randrange(60))
            )
        # Some before the window, some in it, some at the very same moment (ties by id),
        # written in random order (ids not in time order).
        moments = [
            datetime.combine(
                TODAY - timedelta(days=rng.randrange(50)), time(rng.choice([8, 9]))
            ).replace(tzinfo=UTC)
            for _ in lessons
        ]
        chosen = rng.sample(range(len(lessons)), rng.randrange(len(lessons) + 1))
        for k in chosen:
            LessonMastery.objects.create(
                student=student,
                lesson=lessons[k],
                course=course,
                mastered_at=moments[k] if k % 3 else moments[0],
                source_key=f"{student.pk}-{k}",
            )
    assert LessonMastery.objects.filter(
        mastered_at__lt=datetime.combine(since, time.min, tzinfo=UTC)
    ).exists()

    courses = Course.objects.filter(partner_app=school.app).values("pk")
    expected = one_by_one(course, since)
    got = _mastery_quartiles(courses, since)
    assert set(got) == set(expected)
    for lesson, quartiles in expected.items():
        assert got[lesson] == pytest.approx(quartiles), lesson
