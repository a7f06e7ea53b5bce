"""Read-back tests over the example world (tests/world.py): its school, term and Math App
(`math_app`, from tests/conftest.py), another app, factories of courses and students (a
course "math" and its student "ada" by default), and helpers that write rollup rows the way
the pipeline leaves them."""

from datetime import date
from decimal import Decimal

import pytest

from analytics import rollups
from analytics.models import DailyActivity
from tests.factories import (
    ClassFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    StudentFactory,
    UnitFactory,
)

TODAY = date(2026, 11, 20)  # a Friday


@pytest.fixture
def make_student(school):
    """make_student(sourced_id) → a student of the world's school (tests/world.py)."""

    def make(sourced_id):
        return StudentFactory(
            sourced_id=sourced_id,
            first_name="S",
            last_name=sourced_id,
            email=f"{sourced_id}@school.example",
            org=school,
        )

    return make


@pytest.fixture
def make_course(school, term):
    """make_course(app, sourced_id, metadata=None, subjects=None) → a course with one class
    ('{sourced_id}-class') of the world's school and term, and two lessons ('{sourced_id}-l1',
    '-l2') in one unit."""

    def make(app, sourced_id, metadata=None, subjects=("Math",)):
        course = CourseFactory(
            sourced_id=sourced_id,
            title=sourced_id.title(),
            partner_app=app,
            subjects=list(subjects),
            metadata=metadata or {},
        )
        unit = UnitFactory(sourced_id=f"{sourced_id}-u1", title="Unit", course=course)
        for n in (1, 2):
            LessonFactory(
                sourced_id=f"{sourced_id}-l{n}", title=f"Lesson {n}", course=course, parent=unit
            )
        ClassFactory(
            sourced_id=f"{sourced_id}-class",
            title=f"{sourced_id} class",
            course=course,
            school=school,
            terms=[term],
        )
        return course

    return make


@pytest.fixture
def enroll():
    """enroll(student, course, metadata=None, role='student') in the course's class."""

    def make(student, course, metadata=None, role="student"):
        return EnrollmentFactory(
            sourced_id=f"enr-{student.sourced_id}-{course.sourced_id}-{role}",
            user=student,
            klass=course.classes.get(),
            role=role,
            metadata=metadata or {},
        )

    return make


def rollup(student, course, day, **figures):
    """One DailyActivity row, as analytics.rollups would leave it."""
    values = {**rollups.EMPTY, **figures}
    return DailyActivity.objects.create(student=student, course=course, day=day, **values)


# A day on which every default goal (100 XP, 3 lessons, 25 min, 80 %, 2 units) is met.
GOOD_DAY = {
    "xp": Decimal(120),
    "active_seconds": 30 * 60,
    "items_answered": 20,
    "items_correct": 18,
    "lessons_mastered": 3,
    "mastered_units": Decimal(2),
}


@pytest.fixture
def other_app(make_partner):
    return make_partner("Other App")


@pytest.fixture
def math(math_app, make_course):
    return make_course(math_app.app, "math", metadata={"totalUnits": 10})


@pytest.fixture
def ada(make_student, enroll, math):
    student = make_student("ada")
    enroll(student, math)
    return student
