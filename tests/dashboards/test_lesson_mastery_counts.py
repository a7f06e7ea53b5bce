"""The developer page's "mastered" count of each lesson sums per-lesson deltas that triggers
on gradebook_lessonmastery append (analytics.counts, migration analytics.0005): whatever
writes masteries (the gradebook's batch writer, one by one, a deletion, a moved lesson),
each lesson's figure equals a COUNT over its masteries."""

import importlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from analytics import counts
from analytics.models import LessonMasteryCount
from gradebook import services
from gradebook.models import LessonMastery
from tests.factories import StudentFactory

from .conftest import TODAY

pytestmark = [pytest.mark.django_db]


def shown(school, login) -> dict:
    page = login(school.developer).get(f"/developers/apps/{school.app.pk}/")
    return {o.lesson.pk: o.mastered for o in page.context["report"].lessons if o.mastered}


def counted(school) -> dict:
    return dict(Counter(LessonMastery.objects.filter(course=school.course).values_list(
        "lesson_id", flat=True)))  # fmt: skip


def test_the_mastered_counts_equal_a_count_of_the_masteries_however_written(school, login):
    assert shown(school, login) == counted(school) != {}  # the fixture's bulk insert
    at = datetime(2026, 11, 18, 10, tzinfo=UTC)
    extra = [StudentFactory(sourced_id=f"lmc-{n}", org=school.klass.school) for n in range(3)]
    services.record_lesson_masteries(
        [
            {"student_id": s.pk, "lesson_id": lesson.pk, "course_id": school.course.pk,
             "at": at, "source_key": f"k-{s.pk}-{lesson.pk}"}
            for s in extra for lesson in school.lessons[:2]
        ]
        # Already mastered: moved earlier (the same row), not counted again.
        + [{"student_id": school.students[0].pk, "lesson_id": school.lessons[0].pk,
            "course_id": school.course.pk, "at": at - timedelta(days=30), "source_key": "k-0"}]
    )  # fmt: skip
    services.record_lesson_mastery(
        student_id=extra[0].pk, lesson_id=school.lessons[2].pk, course_id=school.course.pk,
        at=at, source_key="one",
    )  # fmt: skip
    LessonMastery.objects.filter(student=school.students[1]).delete()
    LessonMastery.objects.filter(student=extra[1], lesson=school.lessons[1]).update(
        lesson=school.lessons[3]
    )
    assert shown(school, login) == counted(school)
    assert shown(school, login)[school.lessons[0].pk] == counted(school)[school.lessons[0].pk]


def test_a_view_folds_many_mastery_deltas_into_one_row_a_lesson(school, login):
    students = [
        StudentFactory(sourced_id=f"fold-{n}", org=school.klass.school)
        for n in range(counts.FOLD_ABOVE + 5)
    ]
    for n, student in enumerate(students):  # one statement each: one delta row each
        LessonMastery.objects.create(
            student=student, lesson=school.lessons[n % 2], course=school.course,
            mastered_at=datetime.combine(TODAY, datetime.min.time(), UTC), source_key=f"f-{n}",
        )  # fmt: skip
    assert shown(school, login) == counted(school)
    rows = LessonMasteryCount.objects.filter(course=school.course)
    assert rows.count() == len(counted(school))  # folded by the view: one row a lesson
    assert shown(school, login) == counted(school)


def test_the_migration_backfills_the_counts_of_masteries_written_before_it(school, login):
    LessonMasteryCount.objects.all().delete()
    assert shown(school, login) == {}
    migration = importlib.import_module("analytics.migrations.0005_lesson_mastery_counts")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert shown(school, login) == counted(school) != {}
