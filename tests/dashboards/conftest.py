"""A course for the dashboards, taught at the example world's school (tests/world.py), its
roster made with tests/factories.py, its learning history as rollups and gradebook rows
(what the pipeline would have written); sized on demand (in a school of its own) so query
counts can be compared at two sizes."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import orjson
import pytest

from analytics.models import DailyActivity
from events import services
from gradebook.models import LessonMastery, MasteryCredit
from rostering.models import Class, Course, CourseComponent, PartnerApp, User
from tests.factories import (
    PASSWORD,
    ClassFactory,
    CourseFactory,
    DistrictFactory,
    EnrollmentFactory,
    GuardianFactory,
    LessonFactory,
    PartnerAppFactory,
    SchoolFactory,
    UnitFactory,
    UserFactory,
)

TODAY = date(2026, 11, 20)  # a Friday
__all__ = ["PASSWORD"]


@dataclass
class School:
    app: PartnerApp
    course: Course
    klass: Class
    other_class: Class
    lessons: list[CourseComponent]
    students: list[User]
    guide: User
    other_guide: User
    guardian: User
    developer: User
    admin: User
    outsider: User = None
    extra: dict = field(default_factory=dict)


def _user(sid, org, role, **fields):
    return UserFactory(
        sourced_id=sid,
        first_name=fields.pop("first_name", sid.title()),
        last_name=fields.pop("last_name", "Family"),
        role=role,
        org=org if role else None,
        **fields,
    )


def build_school(
    *, students: int = 3, days: int = 10, lessons: int = 4, prefix: str = "", org=None
) -> School:
    """A course of `lessons` lessons taught in two classes with `students` students and
    `days` days of history, in `org` (a new district and school unless given); `prefix`
    keeps the ids of a second school in the same database apart."""
    if org is None:
        district = DistrictFactory(sourced_id=f"{prefix}d-district", name="District")
        org = SchoolFactory(sourced_id=f"{prefix}d-school", name="School", parent=district)
    developer = _user(f"{prefix}dev", org, None)
    app = PartnerAppFactory(name=f"{prefix}Fractions App", owner=developer, client=False)
    course = CourseFactory(
        sourced_id=f"{prefix}d-course",
        title="Fractions",
        partner_app=app,
        org=org,
        metadata={"totalUnits": lessons, "goals": {"dailyXp": 20}},
    )
    unit = UnitFactory(sourced_id=f"{prefix}d-unit", title="Unit 1", course=course, sort_order=1)
    lesson_rows = [
        LessonFactory(
            sourced_id=f"{prefix}d-lesson-{n}",
            title=f"Lesson {n}",
            course=course,
            parent=unit,
            sort_order=n,
        )
        for n in range(1, lessons + 1)
    ]
    klass = ClassFactory(
        sourced_id=f"{prefix}d-class", title="Fractions A", course=course, school=org
    )
    other_class = ClassFactory(
        sourced_id=f"{prefix}d-class-b", title="Fractions B", course=course, school=org
    )
    guide = _user(f"{prefix}guide", org, "teacher")
    other_guide = _user(f"{prefix}guide-b", org, "teacher")
    EnrollmentFactory(user=guide, klass=klass, role="teacher")
    EnrollmentFactory(user=other_guide, klass=other_class, role="teacher")
    roster = []
    for n in range(students):
        student = _user(f"{prefix}stu-{n:03d}", org, "student", first_name=f"Kid{n:03d}")
        EnrollmentFactory(user=student, klass=klass)
        roster.append(student)
    outsider = _user(f"{prefix}stu-other", org, "student", first_name="Other")
    EnrollmentFactory(user=outsider, klass=other_class)
    guardian = GuardianFactory(
        sourced_id=f"{prefix}guardian",
        first_name="Guardian",
        last_name="Family",
        org=org,
        of=[roster[0]],
    )
    admin = _user(f"{prefix}admin", org, None, is_staff=True, is_superuser=True)
    history(roster, course, lesson_rows, days=days)
    return School(
        app=app,
        course=course,
        klass=klass,
        other_class=other_class,
        lessons=lesson_rows,
        students=roster,
        guide=guide,
        other_guide=other_guide,
        guardian=guardian,
        developer=developer,
        admin=admin,
        outsider=outsider,
    )


def history(students, course, lessons, *, days):
    """Student n works every day; each of them masters lesson k on day 2k."""
    rows, masteries, credits = [], [], []
    for n, student in enumerate(students):
        for back in range(days):
            day = TODAY - timedelta(days=back)
            rows.append(
                DailyActivity(
                    student=student,
                    course=course,
                    day=day,
                    xp=Decimal(10 + n),
                    active_seconds=600 + 60 * n,
                    wasted_seconds=60,
                    items_answered=10,
                    items_correct=8,
                    lessons_mastered=0,
                )
            )
        for k, lesson in enumerate(lessons):
            if 2 * k < days:
                at = datetime.combine(TODAY - timedelta(days=days - 1 - 2 * k), time(10), UTC)
                masteries.append(
                    LessonMastery(
                        student=student,
                        lesson=lesson,
                        course=course,
                        mastered_at=at,
                        source_key=f"m-{student.pk}-{lesson.pk}",
                    )
                )
                credits.append(
                    MasteryCredit(
                        source_key=f"m-{student.pk}-{lesson.pk}",
                        student=student,
                        course=course,
                        units=1,
                        occurred_on=at.date(),
                    )
                )
    DailyActivity.objects.bulk_create(rows)
    LessonMastery.objects.bulk_create(masteries)
    MasteryCredit.objects.bulk_create(credits)


# A Caliper envelope's send time and data version for the developer page's tests (`send`).
NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)
DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"


@pytest.fixture
def frozen_today():
    import time_machine

    with time_machine.travel(datetime.combine(TODAY, time(15), UTC), tick=False):
        yield TODAY


@pytest.fixture
def school(world, frozen_today):
    """The dashboards' course, classes and people, at the example world's Maple Elementary."""
    return build_school(org=world.school)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def send(school, django_capture_on_commit_callbacks):
    def post(*events):
        body = orjson.dumps(
            {
                "sensor": "https://app.example",
                "sendTime": NOW.isoformat(),
                "dataVersion": DATA_VERSION,
                "data": list(events),
            }
        )
        with django_capture_on_commit_callbacks(execute=True):
            return services.ingest(app=school.app, body=body)

    return post
