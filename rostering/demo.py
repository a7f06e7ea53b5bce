"""The demo school behind `manage.py seed_demo`: a district, a school, a school year with two
terms, a sandbox partner app owning two Grade 5 courses (3 units × 4 lessons each), a class
per course, students, two guides, a guardian, an admin and the app's developer (who owns it
and holds no school role, so they land on its developer page).

Everything is written through the rostering services and keyed by sourcedId, so seeding twice
changes nothing the second time. Names come from `random.Random(42)`: student n is the same
person whatever `--students` says.

The demo partner app's secret is stored hashed like any other; to print it on every run it
is kept in clear in `<VAR_DIR>/demo-credentials.json` (mode 0600). This is a local demo only:
the command refuses to run without DEBUG unless forced.
"""

import json
import os
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from . import partners, services
from .models import (
    SANDBOX_ORG_SOURCED_ID,
    ClassType,
    ComponentKind,
    EnrollmentRole,
    Org,
    OrgType,
    PartnerApp,
    PartnerClient,
    Role,
    SessionType,
    User,
)
from .services import RoleAssignment

DEMO_APP_NAME = "Timeback Demo App"
CREDENTIALS_FILE = "demo-credentials.json"
NAME_SEED = 42
# Daily goals of the demo courses (docs/xp-and-mastery.md#daily-goals-streaks-and-time-back): within
# reach of a diligent simulated student (seed_demo --days), so streaks and time back show; the
# built-in defaults ask for more.
DEMO_GOALS = {
    "dailyXp": 25,
    "dailyLessons": 0,
    "dailyActiveMinutes": 20,
    "dailyAccuracy": 75,
    "dailyMasteredUnits": 0,
}

ADMIN_PASSWORD = "admin-demo-pass"
GUIDE_PASSWORD = "guide-demo-pass"
STUDENT_PASSWORD = "student-demo-pass"
GUARDIAN_PASSWORD = "guardian-demo-pass"
DEVELOPER_PASSWORD = "developer-demo-pass"

EMAIL_DOMAIN = "timeback-demo.example"

FIRST_NAMES = (
    "Ava", "Liam", "Sofia", "Noah", "Amara", "Mateo", "Hana", "Elijah", "Priya", "Lucas",
    "Zoe", "Kai", "Isabella", "Omar", "Mia", "Ethan", "Aaliyah", "Diego", "Chloe", "Yusuf",
    "Grace", "Jayden", "Layla", "Benjamin", "Nia", "Santiago", "Emma", "Arjun", "Lily", "Malik",
    "Harper", "Hiroshi", "Camila", "Samuel", "Fatima", "Leo", "Maya", "Tariq", "Ella", "Wei",
)  # fmt: skip
LAST_NAMES = (
    "Johnson", "Nguyen", "Garcia", "Patel", "Okafor", "Smith", "Kim", "Hernandez", "Brown",
    "Chen", "Williams", "Ali", "Martinez", "Davis", "Kowalski", "Lopez", "Singh", "Wilson",
    "Tanaka", "Anderson", "Rossi", "Thomas", "Mensah", "Jackson", "Ivanova", "White", "Moreno",
    "Harris", "Haddad", "Clark", "Novak", "Lewis", "Sato", "Walker", "Dubois", "Young", "Reyes",
    "King", "Osei", "Wright",
)  # fmt: skip


@dataclass(frozen=True)
class CourseSpec:
    key: str
    title: str
    course_code: str
    subject: str
    units: tuple[tuple[str, tuple[str, ...]], ...]
    class_title: str
    class_code: str
    location: str


COURSES = (
    CourseSpec(
        key="math-g5",
        title="Math Grade 5",
        course_code="MATH-5",
        subject="Math",
        units=(
            (
                "Place Value and Decimals",
                ("Powers of Ten", "Reading and Writing Decimals", "Comparing Decimals",
                 "Rounding Decimals"),
            ),
            (
                "Fractions",
                ("Equivalent Fractions", "Adding Fractions with Unlike Denominators",
                 "Subtracting Mixed Numbers", "Multiplying Fractions"),
            ),
            (
                "Geometry and Measurement",
                ("Volume of Rectangular Prisms", "Converting Units of Measure",
                 "The Coordinate Plane", "Classifying Two-Dimensional Figures"),
            ),
        ),
        class_title="Grade 5 Math",
        class_code="MATH5-A",
        location="Room 12",
    ),
    CourseSpec(
        key="reading-g5",
        title="Reading Grade 5",
        course_code="READ-5",
        subject="Reading",
        units=(
            (
                "Story Elements",
                ("Characters and Motivation", "Setting and Mood", "Plot and Conflict", "Theme"),
            ),
            (
                "Informational Text",
                ("Main Idea and Key Details", "Text Structure", "Comparing Accounts",
                 "Using Evidence from the Text"),
            ),
            (
                "Poetry and Figurative Language",
                ("Similes and Metaphors", "Rhythm and Rhyme", "Idioms and Proverbs",
                 "Point of View in Poems"),
            ),
        ),
        class_title="Grade 5 Reading",
        class_code="READ5-A",
        location="Room 14",
    ),
)  # fmt: skip

GUIDES = (
    # (number, first name, last name, course key they teach)
    (1, "Maria", "Alvarez", "math-g5"),
    (2, "James", "Okafor", "reading-g5"),
)


class DemoSeedError(Exception):
    """The demo cannot be seeded as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Login:
    role: str  # admin, guide, student, guardian, developer
    username: str
    password: str  # empty when an existing account was reused and its password left alone
    description: str


@dataclass
class DemoResult:
    app: PartnerApp
    client_id: str
    client_secret: str
    logins: list[Login] = field(default_factory=list)
    student_count: int = 0
    credentials_path: Path | None = None


@dataclass(frozen=True)
class Calendar:
    year_start: date
    year_end: date
    fall_end: date
    spring_start: date

    @property
    def school_year(self) -> str:
        return str(self.year_end.year)

    @property
    def label(self) -> str:
        return f"{self.year_start.year}-{self.year_end.year}"


def school_calendar(today: date) -> Calendar:
    """The school year that contains `today`: 1 August to 31 July, split into two terms."""
    start = today.year if today.month >= 8 else today.year - 1
    return Calendar(
        year_start=date(start, 8, 1),
        year_end=date(start + 1, 7, 31),
        fall_end=date(start, 12, 31),
        spring_start=date(start + 1, 1, 1),
    )


def student_names(count: int) -> list[tuple[str, str]]:
    """Deterministic (first, last) names; the n-th name does not depend on `count`."""
    rng = random.Random(NAME_SEED)
    return [(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(count)]


def student_number(n: int) -> str:
    return f"{n:02d}"


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


def seed_demo(*, students: int = 30, today: date | None = None) -> DemoResult:
    if students < 1:
        raise DemoSeedError("--students must be at least 1.")
    today = today or timezone.localdate()
    with transaction.atomic():
        return _seed(students=students, calendar=school_calendar(today))


def _seed(*, students: int, calendar: Calendar) -> DemoResult:
    if not Org.objects.filter(sourced_id=SANDBOX_ORG_SOURCED_ID).exists():
        raise DemoSeedError(
            f"The {SANDBOX_ORG_SOURCED_ID!r} org is missing: run `python manage.py migrate` first."
        )
    people = _People()
    district, _ = services.upsert_org(
        sourced_id="demo-district",
        name="Timeback Demo District",
        type=OrgType.DISTRICT,
        identifier="DEMO-DISTRICT",
        parent=None,
    )
    school, _ = services.upsert_org(
        sourced_id="demo-school",
        name="Timeback Demo School",
        type=OrgType.SCHOOL,
        identifier="DEMO-SCHOOL",
        parent=district,
    )
    year, terms = _sessions(calendar, district)

    admin = people.admin(district)
    app = PartnerApp.objects.filter(name=DEMO_APP_NAME).first() or partners.create_partner_app(
        name=DEMO_APP_NAME, sandbox=True, owner=admin
    )
    classes = {
        spec.key: _course_and_class(spec, app, school, year, terms, calendar) for spec in COURSES
    }

    developer = people.upsert(
        sourced_id="demo-developer-01",
        username="developer1",
        password=DEVELOPER_PASSWORD,
        first_name="Dana",
        last_name="Developer",
        email=f"developer@{EMAIL_DOMAIN}",
    )
    partners.add_owner(app=app, user=developer)

    for number, first, last, course_key in GUIDES:
        guide = people.upsert(
            sourced_id=f"demo-guide-{number:02d}",
            username=f"guide{number}",
            password=GUIDE_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@{EMAIL_DOMAIN}".lower(),
            primary_org=school,
            roles=[RoleAssignment(org=school, role=Role.TEACHER)],
        )
        klass = classes[course_key]
        _enroll(guide, klass, EnrollmentRole.TEACHER, calendar, primary=True)

    roster = []
    for n, (first, last) in enumerate(student_names(students), start=1):
        number = student_number(n)
        student = people.upsert(
            sourced_id=f"demo-student-{number}",
            username=f"student{number}",
            password=STUDENT_PASSWORD,
            first_name=first,
            last_name=last,
            email="",  # young students often have no email
            primary_org=school,
            grades=["05"],
            roles=[RoleAssignment(org=school, role=Role.STUDENT)],
        )
        for klass in classes.values():
            _enroll(student, klass, EnrollmentRole.STUDENT, calendar)
        roster.append(student)
    first_student = roster[0]

    children = roster[:2]
    guardian = people.upsert(
        sourced_id="demo-guardian-01",
        username="guardian1",
        password=GUARDIAN_PASSWORD,
        first_name="Robin",
        last_name=first_student.last_name,
        email=f"robin.{first_student.last_name}@{EMAIL_DOMAIN}".lower(),
        primary_org=school,
        roles=[RoleAssignment(org=school, role=Role.GUARDIAN)],
    )
    for child in children:
        services.link_agent(student=child, agent=guardian)

    _demo_credentials(app, credentials_path())
    return current_logins()


def current_logins() -> DemoResult:
    """The demo's logins and partner credentials as seeded, read without writing anything
    (`manage.py demo_logins`). Raises DemoSeedError when the demo is not seeded."""
    app = PartnerApp.objects.filter(name=DEMO_APP_NAME).first()
    saved = _read_credentials(credentials_path())
    if app is None or saved is None:
        raise DemoSeedError("The demo is not seeded yet: run `python manage.py seed_demo`.")
    client_id, secret = saved
    if not PartnerClient.objects.filter(client_id=client_id, app=app).exists():
        raise DemoSeedError(
            f"The demo app's client {client_id!r} is gone: run `python manage.py seed_demo`."
        )
    users = {
        u.sourced_id: u
        for u in User.objects.filter(sourced_id__startswith="demo-").exclude(
            sourced_id__startswith="demo-student-"
        )
    }
    students = list(
        User.objects.filter(sourced_id__startswith="demo-student-").order_by("sourced_id")
    )
    logins = []
    admin = User.objects.filter(username="admin").first()
    if admin is not None:
        mine = admin.sourced_id == "demo-admin"
        logins.append(
            Login(
                "admin",
                "admin",
                ADMIN_PASSWORD if mine else "",
                "superuser, /admin/" if mine else "your own password",
            )
        )
    for number, _, _, course_key in GUIDES:
        guide = users.get(f"demo-guide-{number:02d}")
        if guide is not None:
            title = next(spec.class_title for spec in COURSES if spec.key == course_key)
            logins.append(Login("guide", guide.username, GUIDE_PASSWORD, title))
    if students:
        first = students[0]
        logins.append(
            Login(
                "student",
                first.username,
                STUDENT_PASSWORD,
                f"{first.username}..{students[-1].username}",
            )
        )
    guardian = users.get("demo-guardian-01")
    if guardian is not None:
        children = guardian.agents.order_by("sourced_id").values_list("username", flat=True)
        logins.append(
            Login("guardian", guardian.username, GUARDIAN_PASSWORD, "of " + ", ".join(children))
        )
    developer = users.get("demo-developer-01")
    if developer is not None:
        logins.append(Login("developer", developer.username, DEVELOPER_PASSWORD, app.name))
    return DemoResult(
        app=app,
        client_id=client_id,
        client_secret=secret,
        logins=logins,
        student_count=len(students),
        credentials_path=credentials_path(),
    )


def _sessions(calendar: Calendar, org: Org):
    year, _ = services.upsert_academic_session(
        sourced_id="demo-school-year",
        title=f"{calendar.label} School Year",
        type=SessionType.SCHOOL_YEAR,
        start_date=calendar.year_start,
        end_date=calendar.year_end,
        school_year=calendar.school_year,
        parent=None,
        org=org,
    )
    fall, _ = services.upsert_academic_session(
        sourced_id="demo-term-fall",
        title=f"Fall {calendar.year_start.year}",
        type=SessionType.TERM,
        start_date=calendar.year_start,
        end_date=calendar.fall_end,
        school_year=calendar.school_year,
        parent=year,
        org=org,
    )
    spring, _ = services.upsert_academic_session(
        sourced_id="demo-term-spring",
        title=f"Spring {calendar.year_end.year}",
        type=SessionType.TERM,
        start_date=calendar.spring_start,
        end_date=calendar.year_end,
        school_year=calendar.school_year,
        parent=year,
        org=org,
    )
    return year, [fall, spring]


def _course_and_class(spec: CourseSpec, app, school, year, terms, calendar):
    course_id = f"demo-{spec.key}"
    lesson_count = sum(len(lessons) for _, lessons in spec.units)
    course, _ = services.upsert_course(
        sourced_id=course_id,
        title=spec.title,
        course_code=spec.course_code,
        grades=["05"],
        subjects=[spec.subject],
        org=school,
        school_year=year,
        partner_app=app,
        metadata={"totalUnits": lesson_count, "goals": DEMO_GOALS},
    )
    for u, (unit_title, lessons) in enumerate(spec.units, start=1):
        unit, _ = services.upsert_course_component(
            sourced_id=f"{course_id}-u{u}",
            kind=ComponentKind.UNIT,
            course=course,
            parent=None,
            title=f"Unit {u}: {unit_title}",
            sort_order=u,
        )
        for n, lesson_title in enumerate(lessons, start=1):
            services.upsert_course_component(
                sourced_id=f"{course_id}-u{u}-l{n}",
                kind=ComponentKind.LESSON,
                course=course,
                parent=unit,
                title=lesson_title,
                sort_order=n,
            )
    klass, _ = services.upsert_class(
        sourced_id=f"demo-class-{spec.key}",
        title=spec.class_title,
        class_code=spec.class_code,
        class_type=ClassType.SCHEDULED,
        location=spec.location,
        grades=["05"],
        subjects=[spec.subject],
        course=course,
        school=school,
        terms=terms,
    )
    return klass


def _enroll(user, klass, role, calendar, *, primary=False):
    services.upsert_enrollment(
        sourced_id=f"demo-enrollment-{klass.sourced_id.removeprefix('demo-class-')}-{user.sourced_id}",
        user=user,
        klass=klass,
        role=role,
        primary=primary,
        begin_date=calendar.year_start,
        end_date=calendar.year_end,
    )


class _People:
    """Upserts demo people. A password is set only when the person is created, so a rerun
    hashes nothing and a password someone changed since is left alone. Each demo password is
    hashed once and its hash shared by everyone who has it (thirty students, one hash):
    these passwords are printed for anyone to read, a salt per account protects nothing."""

    def __init__(self):
        self.hashes: dict[str, str] = {}

    def upsert(self, *, sourced_id: str, username: str, password: str, **fields) -> User:
        holder = User.objects.filter(username=username).values_list("sourced_id", flat=True).first()
        if holder is not None and holder != sourced_id:
            raise DemoSeedError(
                f"The username {username!r} belongs to another user (sourcedId {holder!r}); "
                "rename or remove that user, or seed a fresh database."
            )
        exists = holder == sourced_id or User.objects.filter(sourced_id=sourced_id).exists()
        if not exists and password not in self.hashes:
            self.hashes[password] = make_password(password)
        user, _ = services.upsert_user(
            sourced_id=sourced_id,
            username=username,
            password_hash=None if exists else self.hashes[password],
            **fields,
        )
        return user

    def admin(self, district: Org) -> User:
        """The `admin` superuser: created by the demo, or an existing `admin` reused as is."""
        existing = User.objects.filter(username="admin").first()
        if existing is not None and existing.sourced_id != "demo-admin":
            return existing
        user = self.upsert(
            sourced_id="demo-admin",
            username="admin",
            password=ADMIN_PASSWORD,
            first_name="Demo",
            last_name="Administrator",
            email=f"admin@{EMAIL_DOMAIN}",
            is_staff=True,
            is_superuser=True,
            primary_org=district,
            roles=[RoleAssignment(org=district, role=Role.ADMINISTRATOR)],
        )
        return user


def _demo_credentials(app: PartnerApp, path: Path) -> tuple[str, str]:
    """The demo app's client id and clear secret, the same on every run."""
    saved = _read_credentials(path)
    if saved is not None:
        client_id, secret = saved
        client = Client.objects.filter(id=client_id).first()
        if client is None:
            # A fresh database with an old credentials file: restore the same client.
            partners.issue_client_credentials(app=app, client_id=client_id, client_secret=secret)
            return client_id, secret
        if (
            client.check_secret(secret)
            and PartnerClient.objects.filter(client=client, app=app).exists()
        ):
            return client_id, secret
    client, secret = partners.issue_client_credentials(app=app)
    _write_credentials(path, client.id, secret)
    return client.id, secret


def _read_credentials(path: Path) -> tuple[str, str] | None:
    try:
        data = json.loads(path.read_text())
        client_id, secret = data["client_id"], data["client_secret"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(client_id, str) and isinstance(secret, str) and client_id and secret):
        return None
    return client_id, secret


def _write_credentials(path: Path, client_id: str, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"client_id": client_id, "client_secret": secret}, f)
        f.write("\n")
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a leftover file
    os.replace(tmp, path)
