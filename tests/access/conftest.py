"""A small school where every role of docs/access.md has someone, reusable by any access test.

    district ─ school "sch"
    Partner A owns course-a → class-a (guide-a teaches; stu learns; stu's guardian: guard)
    Partner B owns course-b → class-b (guide-b teaches; stu2 learns)
    org-admin administers the district (so the school below it)

`world.clients[role]` is a client acting as that role: browser roles are signed in with a
session; partner roles carry their app's real bearer token *and* a session of the app's
developer (so one client exercises both the APIs and the developer pages).

`add_learning(world)` adds what partner A's students did, through the real APIs and
pipeline: a Caliper envelope (its job, events, XP ledger, daily rollups and the assessment
result the pipeline derives) and a gradebook (category, score scale, line item, result,
assessment line item and result) of class-a, and a try at lesson-a through the
progress-tracking API. `shared_world` builds it all once per module.
"""

import copy
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.db import transaction
from django.test import Client, TestCase
from rest_framework.test import APIClient

from analytics.models import DailyActivity
from gradebook.models import XpEntry
from rostering import partners, scopes, services
from rostering.models import (
    AcademicSession,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Org,
    Resource,
    User,
    UserRole,
)
from tests.conftest import new_partner, new_token
from tests.events.conftest import activity, envelope, time_spent

PASSWORD = "correct horse battery staple"
REDIRECT_URI_A = "https://a.example/callback"
PEOPLE = (
    "student",
    "other_student",
    "guardian",
    "guide",
    "other_guide",
    "org_admin",
)
PARTNERS = ("partner_a", "partner_b")
ROLES = ("anonymous", *PEOPLE, *PARTNERS)


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    apps: dict = field(default_factory=dict)
    oidc_clients: dict = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    # Filled by add_learning: partner A's Caliper job (envelope) id and logger session id.
    job_a: str = ""
    session_a: str = ""
    # Filled by shared_world: partner A's clients granted a single scope each, by scope.
    narrow: dict[str, APIClient] = field(default_factory=dict)

    _signed_in: dict = field(default_factory=dict)

    def fresh_clients(self) -> None:
        """New clients with the sessions and tokens the world signed in with: nothing a
        test's requests set (cookies, messages) carries over to the next test."""
        self._signed_in = self._signed_in or dict(self.clients)
        for role, signed_in in self._signed_in.items():
            client = copy.copy(signed_in)
            client.cookies = copy.deepcopy(signed_in.cookies)
            self.clients[role] = client


def person(username, role, org, *, email="", **extra):
    user = User.objects.create_user(
        username=username, sourced_id=username, password=PASSWORD, email=email, **extra
    )
    UserRole.objects.create(user=user, org=org, role=role)
    return user


def enrol(user, klass, role):
    return Enrollment.objects.create(
        sourced_id=f"{klass.sourced_id}:{user.username}",
        user=user,
        klass=klass,
        school=klass.school,
        role=role,
    )


def catalogue(app, key, school):
    course = Course.objects.create(sourced_id=f"course-{key}", title=f"Course {key}", org=school)
    course.partner_app = app
    course.save()
    unit = CourseComponent.objects.create(
        sourced_id=f"unit-{key}", kind="unit", course=course, title="Unit"
    )
    lesson = CourseComponent.objects.create(
        sourced_id=f"lesson-{key}", kind="lesson", course=course, parent=unit, title="Lesson"
    )
    resource = Resource.objects.create(
        sourced_id=f"resource-{key}", title="Video", vendor_resource_id=key, partner_app=app
    )
    ComponentResource.objects.create(
        sourced_id=f"cr-{key}", course_component=lesson, resource=resource
    )
    return Class.objects.create(
        sourced_id=f"class-{key}", title=f"Class {key}", course=course, school=school
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    w = World()
    district = Org.objects.create(sourced_id="district", name="District", type="district")
    school = Org.objects.create(sourced_id="sch", name="School", type="school", parent=district)

    for key, role in (("a", "partner_a"), ("b", "partner_b")):
        api = new_partner(f"Partner {key.upper()}")
        developer = User.objects.create_user(username=f"dev-{key}", password=PASSWORD)
        api.app.owners.add(developer)
        # A plain client (no JSON default, which allauth would take for AJAX) with the
        # app's token and its developer's session.
        both = APIClient()
        both.credentials(**api._credentials)
        both.force_login(developer)
        w.apps[role] = api.app
        w.clients[role] = both
        catalogue(api.app, key, school)
        w.oidc_clients[role] = api.app.clients.get().client

    class_a, class_b = (
        Class.objects.get(sourced_id="class-a"),
        Class.objects.get(sourced_id="class-b"),
    )
    term = AcademicSession.objects.create(
        sourced_id="term-1",
        title="Fall",
        type="term",
        school_year="2027",
        org=school,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 31),
    )
    AcademicSession.objects.create(
        sourced_id="gp-1",
        title="Q1",
        type="gradingPeriod",
        school_year="2027",
        parent=term,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 11, 1),
    )
    w.classes.update(class_a=class_a, class_b=class_b)
    class_a.terms.add(term)
    class_b.terms.add(term)
    partners.set_redirect_uris(client=w.oidc_clients["partner_a"], uris=[REDIRECT_URI_A])
    w.users["student"] = person("stu", "student", school, email="stu@school.example")
    w.users["other_student"] = person("stu2", "student", school)
    w.users["guardian"] = person("guard", "guardian", school)
    w.users["guide"] = person("guide-a", "teacher", school)
    w.users["other_guide"] = person("guide-b", "teacher", school)
    w.users["org_admin"] = person("org-admin", "administrator", district)
    services.link_agent(student=w.users["student"], agent=w.users["guardian"])
    enrol(w.users["student"], class_a, "student")
    enrol(w.users["guide"], class_a, "teacher")
    enrol(w.users["other_student"], class_b, "student")
    enrol(w.users["other_guide"], class_b, "teacher")
    Demographics.objects.create(sourced_id="stu", user=w.users["student"], sex="female")
    Demographics.objects.create(sourced_id="stu2", user=w.users["other_student"], sex="male")

    w.clients["anonymous"] = Client()
    for role in PEOPLE:
        w.clients[role] = Client()
        w.clients[role].force_login(w.users[role])
    return w


EVENT_A = "urn:uuid:aaaaaaaa-0000-4000-8000-00000000000a"
SENSOR_A = "https://sensor-a.example"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
GRADEBOOK_A = {
    "categories/cat-a": {"category": {"title": "Quizzes"}},
    "scoreScales/scale-a": {
        "scoreScale": {
            "title": "Letters",
            "type": "letter",
            "class": {"sourcedId": "class-a"},
            "scoreScaleValue": [{"itemValueLHS": "90", "itemValueRHS": "A"}],
        }
    },
    "lineItems/li-a": {
        "lineItem": {
            "title": "Quiz",
            "assignDate": "2026-11-01T08:00:00Z",
            "dueDate": "2026-11-08T08:00:00Z",
            "class": {"sourcedId": "class-a"},
            "category": {"sourcedId": "cat-a"},
            "academicSession": {"sourcedId": "term-1"},
        }
    },
    "results/res-a": {
        "result": {
            "lineItem": {"sourcedId": "li-a"},
            "student": {"sourcedId": "stu"},
            "scoreStatus": "fully graded",
            "score": 8,
            "scoreDate": "2026-11-02",
        }
    },
    "results/res-a-twin": {
        "result": {
            "lineItem": {"sourcedId": "li-a"},
            "student": {"sourcedId": "twin"},
            "scoreStatus": "fully graded",
            "score": 7,
            "scoreDate": "2026-11-02",
        }
    },
    "assessmentLineItems/ali-a": {
        "assessmentLineItem": {"title": "Lesson quiz", "component": {"sourcedId": "lesson-a"}}
    },
    "assessmentResults/ar-a": {
        "assessmentResult": {
            "assessmentLineItem": {"sourcedId": "ali-a"},
            "student": {"sourcedId": "stu"},
            "scoreStatus": "fully graded",
            "score": 70,
            "scoreDate": "2026-11-02T10:00:00Z",
        }
    },
    "assessmentResults/ar-a-twin": {
        "assessmentResult": {
            "assessmentLineItem": {"sourcedId": "ali-a"},
            "student": {"sourcedId": "twin"},
            "scoreStatus": "fully graded",
            "score": 60,
            "scoreDate": "2026-11-02T10:00:00Z",
        }
    },
}


def add_learning(w: World) -> None:
    """Partner A's learning data, written as partner A would: through its APIs. Its
    students are stu and twin; twin is also partner B's student (in class-b), so B may
    read about twin, but never what twin did in A's course."""
    twin = person("twin", "student", Org.objects.get(sourced_id="sch"))
    for klass in Class.objects.filter(sourced_id__in=("class-a", "class-b")):
        enrol(twin, klass, "student")
    w.users["twin"] = twin
    partner_a = w.clients["partner_a"]
    sent = {**envelope(*events_of("stu", EVENT_A), *events_of("twin")), "sensor": SENSOR_A}
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = partner_a.post("/caliper/event", sent, format="json")
    assert answer.status_code == 200 and answer.json()["accepted"] == 4, answer.content
    w.job_a = answer.json()["jobId"]
    for path, body in GRADEBOOK_A.items():
        written = partner_a.put(f"{GRADEBOOK}/{path}", body, format="json")
        assert written.status_code == 201, (path, written.content)
    w.session_a = logger_try(partner_a, "stu")
    logger_try(partner_a, "twin")
    # The pipeline ran: without these rows the read-back rows would prove nothing.
    for student in (w.users["student"], twin):
        assert XpEntry.objects.filter(student=student).exists()
        assert DailyActivity.objects.filter(student=student).exists()


def events_of(student, graded_id=None) -> list[dict]:
    """Ten minutes on lesson-a, then a graded activity asking for an assessment result."""
    run = {"student": student, "lesson": "lesson-a", "course": "course-a", "run": f"run-{student}"}
    graded = activity(**run, totalQuestions=10, correctQuestions=8)
    graded["object"]["process"] = True  # asks the pipeline for an assessment result
    if graded_id:
        graded["id"] = graded_id
    return [time_spent(**run, active=600), graded]


def logger_try(partner_a, student) -> str:
    """A mastered try at lesson-a through the progress-tracking API: a session, attempt
    logs and a mastery log of the student. Answers the session id."""
    start = {
        "user_id": student,
        "node_id": "lesson-a",
        "channel_id": "course-a",
        "kind": "exercise",
        "mastery_model": {"type": "num_correct_in_a_row_2"},
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = partner_a.post("/api/logger/contentsession", start, format="json")
        assert started.status_code == 200, started.content
        session = started.json()["session_id"]
        items = [
            {"item": item, "correct": 1, "time_spent": 10, "answer": {"x": 1}}
            for item in ("q1", "q2")
        ]
        body = {"user_id": student, "time_spent_delta": 20, "interactions": items}
        answered = partner_a.put(f"/api/logger/contentsession/{session}", body, format="json")
        assert answered.status_code == 200, answered.content
    return session


NARROW_SCOPES = (
    scopes.oneroster("roster-core.readonly"),
    scopes.oneroster("gradebook.readonly"),
    scopes.EVENTS_WRITE,
    scopes.ANALYTICS_READONLY,
)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world with learning data for a whole module, rolled back at its end. Each test
    runs inside it (pytest-django's per-test transaction nests as a savepoint), so a test's
    writes are undone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        add_learning(w)
        for scope in NARROW_SCOPES:
            w.narrow[scope] = APIClient()
            token = new_token(w.apps["partner_a"], scopes=[scope])
            w.narrow[scope].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        yield w
        transaction.set_rollback(True)
