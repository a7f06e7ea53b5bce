from datetime import date
from decimal import Decimal

import pytest

from gradebook.selectors import course_progress
from gradebook.services import set_mastered_units
from gradebook.xp import pct_complete
from rostering.models import Course, CourseComponent, PartnerApp, User

pytestmark = pytest.mark.django_db

# docs/xp-and-mastery.md#units-mastered-and-pctcompleteapp, the example: a course of 5 units.
SESSIONS = [  # (masteredUnits reported, cumulative, pctCompleteApp)
    (1, 1, 20),
    (0, 1, 20),
    (1, 2, 40),
    (1, 3, 60),
    (0, 3, 60),
    (1, 4, 80),
    (1, 5, 100),
]


@pytest.fixture
def student():
    return User.objects.create(username="s", sourced_id="student-123")


@pytest.fixture
def course():
    app = PartnerApp.objects.create(name="App")
    return Course.objects.create(
        sourced_id="math-grade-3", title="Math 3", partner_app=app, metadata={"totalUnits": 5}
    )


def test_the_seed_documents_seven_session_progression(student, course):
    for n, (reported, cumulative, pct) in enumerate(SESSIONS, start=1):
        set_mastered_units(
            source_key=f"session-{n}",
            units=reported,
            student_id=student.pk,
            course_id=course.pk,
            occurred_on=date(2026, 11, n),
        )
        progress = course_progress([(student.pk, course.pk)])[(student.pk, course.pk)]
        assert (progress.mastered_units, progress.total_units, progress.pct_complete) == (
            cumulative,
            5,
            pct,
        ), f"after session {n}"


def test_a_source_reporting_again_replaces_its_units_rather_than_adding(student, course):
    for units in (2, 1):
        set_mastered_units(
            source_key="result-1",
            units=units,
            student_id=student.pk,
            course_id=course.pk,
            occurred_on=date(2026, 11, 2),
        )
    assert course_progress([(student.pk, course.pk)])[(student.pk, course.pk)].mastered_units == 1


def test_without_metadata_total_units_the_lesson_count_is_the_total(student, course):
    course.metadata = {}
    course.save()
    unit = CourseComponent.objects.create(sourced_id="u", title="U", course=course, kind="unit")
    for i in range(4):
        CourseComponent.objects.create(
            sourced_id=f"l{i}", title="L", course=course, kind="lesson", parent=unit
        )
    CourseComponent.objects.filter(sourced_id="l3").update(status="tobedeleted")
    set_mastered_units(
        source_key="a",
        units=1,
        student_id=student.pk,
        course_id=course.pk,
        occurred_on=date.today(),
    )
    progress = course_progress([(student.pk, course.pk)])[(student.pk, course.pk)]
    assert progress.total_units == 3
    assert progress.pct_complete.quantize(Decimal("0.01")) == Decimal("33.33")


def test_progress_is_capped_at_100_percent(student, course):
    set_mastered_units(
        source_key="a",
        units=7,
        student_id=student.pk,
        course_id=course.pk,
        occurred_on=date.today(),
    )
    assert course_progress([(student.pk, course.pk)])[(student.pk, course.pk)].pct_complete == 100


def test_many_pairs_cost_two_queries(student, course, django_assert_num_queries):
    others = [User.objects.create(username=f"o{i}", sourced_id=f"o{i}") for i in range(20)]
    with django_assert_num_queries(2):
        result = course_progress([(u.pk, course.pk) for u in [student, *others]])
    assert len(result) == 21 and all(p.pct_complete == 0 for p in result.values())


@pytest.mark.parametrize(
    "mastered, total, expected",
    [(0, 5, 0), (5, 5, 100), (6, 5, 100), (1, 0, 0), (Decimal("0.5"), 2, 25), (-1, 5, 0)],
)
def test_pct_complete(mastered, total, expected):
    assert pct_complete(mastered, total) == expected
