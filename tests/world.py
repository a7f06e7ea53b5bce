"""The one example world every test folder builds on: Maple Elementary.

    Maple District (district) ─ Maple Elementary (school "school"), Fall term "term-1"
    with its first grading period "gp-1".

    Math App (partner A, developer dev-a) owns the course "Fractions" (course-1):
        Unit 1 (unit-1) → Lesson 1 (lesson-1, with the video "video-1"), Lesson 2 (lesson-2)
        class "Fractions A" (class-1): Ms Rivera (guide-1) guides Ada (stu-1) and Ben (stu-2)
    Science App (partner B, developer dev-b) owns the course "Plants" (course-2):
        Unit 1 (unit-2) → Lesson 1 (lesson-3)
        class "Plants B" (class-2): Mr Okafor (guide-2) guides Cleo (stu-3)
    Grace (guardian-1) is Ada's guardian; Dana (admin-1) administers the district, so the
    school below it.

Everyone signs in with `PASSWORD`; each app has an OAuth2 client and `World.math.api` /
`World.science.api` are API clients carrying a real bearer token of it. Tests that need
more (a twin student, a second school, a history of learning) add it with tests/factories.py.
"""

from dataclasses import dataclass, field
from datetime import date

from rostering.models import (
    AcademicSession,
    Class,
    Course,
    CourseComponent,
    Org,
    PartnerApp,
    Resource,
    User,
)
from tests.factories import (
    PASSWORD,
    AcademicSessionFactory,
    ClassFactory,
    CourseFactory,
    DistrictFactory,
    EnrollmentFactory,
    GuardianFactory,
    GuideFactory,
    LessonFactory,
    PartnerAppFactory,
    PartnerClient,
    ResourceFactory,
    SchoolFactory,
    StudentFactory,
    UnitFactory,
    UserFactory,
    api_of,
    obtain_token,
)

__all__ = ["PASSWORD", "Offering", "World", "build_world"]


@dataclass
class Offering:
    """What one partner app brings to the school: its course, taught in one class."""

    app: PartnerApp
    api: PartnerClient
    developer: User
    course: Course
    units: list[CourseComponent]
    lessons: list[CourseComponent]
    resource: Resource
    klass: Class
    guide: User
    students: list[User]

    @property
    def lesson(self) -> CourseComponent:
        return self.lessons[0]


@dataclass
class World:
    district: Org
    school: Org
    term: AcademicSession
    grading_period: AcademicSession
    math: Offering
    science: Offering
    ada: User
    ben: User
    cleo: User
    rivera: User
    okafor: User
    guardian: User
    admin: User
    extra: dict = field(default_factory=dict)


def offering(
    *,
    app_name,
    key,
    developer,
    course,
    title,
    units,
    klass,
    class_title,
    guide,
    students,
    school,
    term,
) -> Offering:
    """A partner app with its course of `units` ({unit id: [lesson ids]}), a video in its
    first lesson, and `klass` where `guide` guides `students`."""
    app = PartnerAppFactory(name=app_name, owner=developer)
    course_row = CourseFactory(
        sourced_id=course, title=title, org=school, partner_app=app, metadata={"totalUnits": 10}
    )
    unit_rows, lesson_rows = [], []
    for u, (unit_id, lesson_ids) in enumerate(units.items(), start=1):
        unit = UnitFactory(sourced_id=unit_id, title=f"Unit {u}", course=course_row, sort_order=u)
        unit_rows.append(unit)
        for n, lesson_id in enumerate(lesson_ids, start=1):
            lesson_rows.append(
                LessonFactory(
                    sourced_id=lesson_id,
                    title=f"Lesson {n}",
                    course=course_row,
                    parent=unit,
                    sort_order=n,
                )
            )
    resource = ResourceFactory(
        sourced_id=f"video-{key}",
        title="Video",
        vendor_resource_id=f"v{key}",
        partner_app=app,
        lessons=[lesson_rows[0]],
    )
    klass_row = ClassFactory(
        sourced_id=klass, title=class_title, course=course_row, school=school, terms=[term]
    )
    EnrollmentFactory(user=guide, klass=klass_row, role="teacher")
    for student in students:
        EnrollmentFactory(user=student, klass=klass_row, role="student")
    return Offering(
        app=app,
        api=PartnerClient(app, _token(app)),
        developer=developer,
        course=course_row,
        units=unit_rows,
        lessons=lesson_rows,
        resource=resource,
        klass=klass_row,
        guide=guide,
        students=list(students),
    )


def _token(app) -> str:
    return obtain_token(app.oauth_client.id, app.client_secret)


def build_world() -> World:
    district = DistrictFactory(sourced_id="district", name="Maple District")
    school = SchoolFactory(sourced_id="school", name="Maple Elementary", parent=district)
    term = AcademicSessionFactory(
        sourced_id="term-1",
        title="Fall",
        org=school,
        start_date=date(2026, 8, 1),
        end_date=date(2027, 1, 31),
    )
    grading_period = AcademicSessionFactory(
        sourced_id="gp-1",
        title="Q1",
        type="gradingPeriod",
        parent=term,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 11, 1),
    )

    def student(sid, first, last):
        return StudentFactory(
            sourced_id=sid,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@maple.example",
            org=school,
        )

    ada = student("stu-1", "Ada", "Lovelace")
    ben = student("stu-2", "Ben", "Carter")
    cleo = student("stu-3", "Cleo", "Park")
    rivera = GuideFactory(sourced_id="guide-1", first_name="Rosa", last_name="Rivera", org=school)
    okafor = GuideFactory(sourced_id="guide-2", first_name="Sam", last_name="Okafor", org=school)
    guardian = GuardianFactory(
        sourced_id="guardian-1", first_name="Grace", last_name="Lovelace", org=school, of=[ada]
    )
    admin = UserFactory(
        sourced_id="admin-1",
        first_name="Dana",
        last_name="Reyes",
        role="administrator",
        org=district,
    )
    math = offering(
        app_name="Math App",
        key="1",
        developer=UserFactory(sourced_id="dev-a", first_name="Devi"),
        course="course-1",
        title="Fractions",
        units={"unit-1": ["lesson-1", "lesson-2"]},
        klass="class-1",
        class_title="Fractions A",
        guide=rivera,
        students=[ada, ben],
        school=school,
        term=term,
    )
    science = offering(
        app_name="Science App",
        key="3",
        developer=UserFactory(sourced_id="dev-b", first_name="Bao"),
        course="course-2",
        title="Plants",
        units={"unit-2": ["lesson-3"]},
        klass="class-2",
        class_title="Plants B",
        guide=okafor,
        students=[cleo],
        school=school,
        term=term,
    )
    return World(
        district=district,
        school=school,
        term=term,
        grading_period=grading_period,
        math=math,
        science=science,
        ada=ada,
        ben=ben,
        cleo=cleo,
        rivera=rivera,
        okafor=okafor,
        guardian=guardian,
        admin=admin,
    )


def another_api(app: PartnerApp, *, scopes=None) -> PartnerClient:
    """One more API client of `app` (a new OAuth2 client), e.g. with a single scope."""
    return api_of(app, scopes=scopes)
