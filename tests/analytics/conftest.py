"""A school for read-back tests: two partner apps, each with a course and a class of
students, and helpers that write rollup rows the way the pipeline leaves them."""

from datetime import date
from decimal import Decimal

import pytest

from analytics import rollups
from analytics.models import DailyActivity
from rostering import services
from rostering.services import RoleAssignment

TODAY = date(2026, 11, 20)  # a Friday


@pytest.fixture
def school(db):
    school, _ = services.upsert_org(sourced_id="school", name="School", type="school")
    return school


@pytest.fixture
def term(school):
    session, _ = services.upsert_academic_session(
        sourced_id="term-1",
        title="Fall",
        type="term",
        start_date=date(2026, 8, 1),
        end_date=date(2026, 12, 31),
        school_year="2027",
    )
    return session


@pytest.fixture
def make_student(school):
    def make(sourced_id):
        user, _ = services.upsert_user(
            sourced_id=sourced_id,
            first_name="S",
            last_name=sourced_id,
            email=f"{sourced_id}@school.example",
            roles=[RoleAssignment(org=school, role="student")],
        )
        return user

    return make


@pytest.fixture
def make_course(school, term):
    """make_course(app, sourced_id, metadata=None, subjects=None) → a course with one class
    ('{sourced_id}-class') and two lessons ('{sourced_id}-l1', '-l2')."""

    def make(app, sourced_id, metadata=None, subjects=("Math",)):
        course, _ = services.upsert_course(
            sourced_id=sourced_id,
            title=sourced_id.title(),
            partner_app=app,
            subjects=list(subjects),
            metadata=metadata or {},
        )
        unit, _ = services.upsert_course_component(
            sourced_id=f"{sourced_id}-u1", title="Unit", course=course, kind="unit"
        )
        for n in (1, 2):
            services.upsert_course_component(
                sourced_id=f"{sourced_id}-l{n}",
                title=f"Lesson {n}",
                course=course,
                parent=unit,
                kind="lesson",
            )
        services.upsert_class(
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
        klass = course.classes.get()
        enrollment, _ = services.upsert_enrollment(
            sourced_id=f"enr-{student.sourced_id}-{course.sourced_id}-{role}",
            user=student,
            klass=klass,
            role=role,
            metadata=metadata or {},
        )
        return enrollment

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
def math_app(make_partner):
    return make_partner("Math App")


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
