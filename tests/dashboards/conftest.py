"""A school built for the dashboards: roster through rostering.services, learning history as
rollups and gradebook rows (what the pipeline would have written), sized on demand so query
counts can be compared at two sizes."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from analytics.models import DailyActivity
from gradebook.models import LessonMastery, MasteryCredit
from rostering import partners, services
from rostering.models import Class, Course, CourseComponent, PartnerApp, User
from rostering.services import RoleAssignment

TODAY = date(2026, 11, 20)  # a Friday
PASSWORD = "dash-pass-123"


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


def _user(sid, school, role, **fields):
    user, _ = services.upsert_user(
        sourced_id=sid,
        username=sid,
        password=PASSWORD,
        first_name=fields.pop("first_name", sid.title()),
        last_name=fields.pop("last_name", "Family"),
        roles=[RoleAssignment(org=school, role=role)] if role else [],
        **fields,
    )
    return user


def build_school(
    *, students: int = 3, days: int = 10, lessons: int = 4, prefix: str = ""
) -> School:
    """A school; `prefix` keeps the ids of a second school in the same database apart."""
    district, _ = services.upsert_org(
        sourced_id=f"{prefix}d-district", name="District", type="district"
    )
    org, _ = services.upsert_org(
        sourced_id=f"{prefix}d-school", name="School", type="school", parent=district
    )
    developer = _user(f"{prefix}dev", org, None)
    app = partners.create_partner_app(name=f"{prefix}Fractions App", owner=developer)
    course, _ = services.upsert_course(
        sourced_id=f"{prefix}d-course",
        title="Fractions",
        partner_app=app,
        org=org,
        metadata={"totalUnits": lessons, "goals": {"dailyXp": 20}},
    )
    unit, _ = services.upsert_course_component(
        sourced_id=f"{prefix}d-unit", title="Unit 1", course=course, kind="unit", sort_order=1
    )
    lesson_rows = [
        services.upsert_course_component(
            sourced_id=f"{prefix}d-lesson-{n}",
            title=f"Lesson {n}",
            course=course,
            parent=unit,
            kind="lesson",
            sort_order=n,
        )[0]
        for n in range(1, lessons + 1)
    ]
    klass, _ = services.upsert_class(
        sourced_id=f"{prefix}d-class", title="Fractions A", course=course, school=org
    )
    other_class, _ = services.upsert_class(
        sourced_id=f"{prefix}d-class-b", title="Fractions B", course=course, school=org
    )
    guide = _user(f"{prefix}guide", org, "teacher")
    other_guide = _user(f"{prefix}guide-b", org, "teacher")
    services.upsert_enrollment(
        sourced_id=f"{prefix}e-guide", user=guide, klass=klass, role="teacher"
    )
    services.upsert_enrollment(
        sourced_id=f"{prefix}e-guide-b", user=other_guide, klass=other_class, role="teacher"
    )
    roster = []
    for n in range(students):
        student = _user(f"{prefix}stu-{n:03d}", org, "student", first_name=f"Kid{n:03d}")
        services.upsert_enrollment(
            sourced_id=f"{prefix}e-{n}", user=student, klass=klass, role="student"
        )
        roster.append(student)
    outsider = _user(f"{prefix}stu-other", org, "student", first_name="Other")
    services.upsert_enrollment(
        sourced_id=f"{prefix}e-other", user=outsider, klass=other_class, role="student"
    )
    guardian = _user(f"{prefix}guardian", org, "guardian")
    services.link_agent(student=roster[0], agent=guardian)
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


@pytest.fixture
def frozen_today():
    import time_machine

    with time_machine.travel(datetime.combine(TODAY, time(15), UTC), tick=False):
        yield TODAY


@pytest.fixture
def school(db, frozen_today):
    return build_school()


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
