"""The example world (tests/world.py) by role: every role of docs/access.md has someone.

    district ─ school "school" (Maple Elementary)
    partner A, the Math App, owns course-1 → class-1 (guide-1 teaches; stu-1 and stu-2
        learn; stu-1's guardian: guardian-1)
    partner B, the Science App, owns course-2 → class-2 (guide-2 teaches; stu-3 learns)
    admin-1 administers the district (so the school below it)

`world.clients[role]` is a client acting as that role: browser roles are signed in with a
session; partner roles carry their app's real bearer token *and* a session of the app's
developer (so one client exercises both the APIs and the developer pages).

`add_learning(world)` adds what partner A's students did, through the real APIs and
pipeline: a Caliper envelope (its job, events, XP ledger, daily rollups and the assessment
result the pipeline derives) and a gradebook (category, score scale, line item, result,
assessment line item and result) of class-1, and a try at lesson-1 through the
progress-tracking API. `shared_world` builds it all once per module.
"""

import copy
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client, TestCase
from rest_framework.test import APIClient

from analytics.models import DailyActivity
from core import scopes
from gradebook.models import XpEntry
from rostering import partners
from rostering.models import User
from standards.services import import_package_from
from tests.events.conftest import activity, envelope, time_spent
from tests.factories import DemographicsFactory, EnrollmentFactory, UserFactory, new_token
from tests.world import PASSWORD
from tests.world import World as ExampleWorld
from tests.world import build_world as build_example_world

CASE_FRAMEWORK = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "case-v1p1"
    / "synthetic"
    / "demo-math-cfpackage-v1p1.json"
)

__all__ = ["PASSWORD"]

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
    """The example world seen by role: who plays each role, and a client acting as them."""

    example: ExampleWorld
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

    def __getattr__(self, name):
        """world.school, world.math, world.ada, ...: the example world's own names (so the
        fixtures of tests/conftest.py built on `world` work here too)."""
        if name.startswith("_") or name == "example":
            raise AttributeError(name)
        return getattr(self.example, name)

    def fresh_clients(self) -> None:
        """New clients with the sessions and tokens the world signed in with: nothing a
        test's requests set (cookies, messages) carries over to the next test."""
        self._signed_in = self._signed_in or dict(self.clients)
        for role, signed_in in self._signed_in.items():
            client = copy.copy(signed_in)
            client.cookies = copy.deepcopy(signed_in.cookies)
            self.clients[role] = client


def person(username, role, org, **extra):
    return UserFactory(sourced_id=username, role=role, org=org, **extra)


def enrol(user, klass, role):
    return EnrollmentFactory(user=user, klass=klass, role=role)


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """The example world (tests/world.py), with a client signed in as each role."""
    example = build_example_world()
    w = World(example=example)
    for role, offering in (("partner_a", example.math), ("partner_b", example.science)):
        # A plain client (no JSON default, which allauth would take for AJAX) with the
        # app's token and its developer's session.
        both = APIClient()
        both.credentials(**offering.api._credentials)
        both.force_login(offering.developer)
        w.apps[role] = offering.app
        w.clients[role] = both
        w.oidc_clients[role] = offering.app.oauth_client
    w.classes.update(class_a=example.math.klass, class_b=example.science.klass)
    partners.set_redirect_uris(client=w.oidc_clients["partner_a"], uris=[REDIRECT_URI_A])
    w.users.update(
        student=example.ada,
        other_student=example.cleo,
        guardian=example.guardian,
        guide=example.rivera,
        other_guide=example.okafor,
        org_admin=example.admin,
    )
    DemographicsFactory(user=example.ada, sex="female")
    DemographicsFactory(user=example.cleo, sex="male")

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
            "class": {"sourcedId": "class-1"},
            "scoreScaleValue": [{"itemValueLHS": "90", "itemValueRHS": "A"}],
        }
    },
    "lineItems/li-a": {
        "lineItem": {
            "title": "Quiz",
            "assignDate": "2026-11-01T08:00:00Z",
            "dueDate": "2026-11-08T08:00:00Z",
            "class": {"sourcedId": "class-1"},
            "category": {"sourcedId": "cat-a"},
            "academicSession": {"sourcedId": "term-1"},
        }
    },
    "results/res-a": {
        "result": {
            "lineItem": {"sourcedId": "li-a"},
            "student": {"sourcedId": "stu-1"},
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
        "assessmentLineItem": {"title": "Lesson quiz", "component": {"sourcedId": "lesson-1"}}
    },
    "assessmentResults/ar-a": {
        "assessmentResult": {
            "assessmentLineItem": {"sourcedId": "ali-a"},
            "student": {"sourcedId": "stu-1"},
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
    """Math App's learning data, written as partner A would: through its APIs. Its
    students are stu-1 and twin; twin is also partner B's student (in class-2), so B may
    read about twin, but never what twin did in A's course."""
    twin = person("twin", "student", w.example.school)
    for klass in (w.example.math.klass, w.example.science.klass):
        enrol(twin, klass, "student")
    w.users["twin"] = twin
    partner_a = w.clients["partner_a"]
    sent = {**envelope(*events_of("stu-1", EVENT_A), *events_of("twin")), "sensor": SENSOR_A}
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = partner_a.post("/caliper/event", sent, format="json")
    assert answer.status_code == 200 and answer.json()["accepted"] == 4, answer.content
    w.job_a = answer.json()["jobId"]
    for path, body in GRADEBOOK_A.items():
        written = partner_a.put(f"{GRADEBOOK}/{path}", body, format="json")
        assert written.status_code == 201, (path, written.content)
    w.session_a = logger_try(partner_a, "stu-1")
    logger_try(partner_a, "twin")
    # The pipeline ran: without these rows the read-back rows would prove nothing.
    for student in (w.users["student"], twin):
        assert XpEntry.objects.filter(student=student).exists()
        assert DailyActivity.objects.filter(student=student).exists()


def events_of(student, graded_id=None) -> list[dict]:
    """Ten minutes on lesson-1, then a graded activity asking for an assessment result."""
    run = {"student": student, "lesson": "lesson-1", "course": "course-1", "run": f"run-{student}"}
    graded = activity(**run, totalQuestions=10, correctQuestions=8)
    graded["object"]["process"] = True  # asks the pipeline for an assessment result
    if graded_id:
        graded["id"] = graded_id
    return [time_spent(**run, active=600), graded]


def logger_try(partner_a, student) -> str:
    """A mastered try at lesson-1 through the progress-tracking API: a session, attempt
    logs and a mastery log of the student. Answers the session id."""
    start = {
        "user_id": student,
        "node_id": "lesson-1",
        "channel_id": "course-1",
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
        # A CASE framework (public to every app): the CASE API's rows read it.
        import_package_from(str(CASE_FRAMEWORK))
        for scope in NARROW_SCOPES:
            w.narrow[scope] = APIClient()
            token = new_token(w.apps["partner_a"], scopes=[scope])
            w.narrow[scope].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        yield w
        transaction.set_rollback(True)
