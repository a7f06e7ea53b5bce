"""Hole filling over the example world (tests/world.py): a small framework, lessons of the
Math App (and one of the Science App) aligned to it, and helpers that take a mastery test
through the gradebook API or Caliper, and master lessons through Caliper, as apps do."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from rostering.models import CourseComponent
from standards.models import CFAssociation, CFDocument, CFItem
from tests.events.conftest import envelope
from tests.factories import LessonFactory

V1P2 = "/ims/oneroster/gradebook/v1p2"
TEST_DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

# code -> identifier; the framework (parent, prerequisites):
#   G3.MUL (domain) > G3.MUL.1, G3.MUL.2, G3.MUL.3 ;  G3.MUL.1, G3.MUL.2 precede G3.MUL.3
#   G3.FRA (domain) > G3.FRA.1 ; G3.FRA.1 isRelatedTo G3.MUL.1
CODES = ["G3.MUL", "G3.MUL.1", "G3.MUL.2", "G3.MUL.3", "G3.FRA", "G3.FRA.1"]
ID = {code: f"std-{code.lower().replace('.', '-')}" for code in CODES}


def add_framework() -> CFDocument:
    now = timezone.now()
    document = CFDocument.objects.create(
        identifier="doc-math",
        uri="https://case.example/doc-math",
        title="Test Math Framework",
        subject=["Mathematics"],
        last_change_date_time=now,
    )
    items = {}
    for position, code in enumerate(CODES):
        items[code] = CFItem.objects.create(
            document=document,
            identifier=ID[code],
            uri=f"https://case.example/items/{ID[code]}",
            full_statement=f"Statement of {code}",
            human_coding_scheme=code,
            last_change_date_time=now,
            position=position,
        )

    def edge(kind, origin, destination):
        CFAssociation.objects.create(
            document=document,
            identifier=f"assoc-{uuid.uuid4()}",
            uri="https://case.example/assoc",
            association_type=kind,
            origin_identifier=ID[origin],
            origin_item=items[origin],
            destination_identifier=ID[destination],
            destination_item=items[destination],
            last_change_date_time=now,
        )

    for child, parent in [
        ("G3.MUL.1", "G3.MUL"),
        ("G3.MUL.2", "G3.MUL"),
        ("G3.MUL.3", "G3.MUL"),
        ("G3.FRA.1", "G3.FRA"),
    ]:
        edge("isChildOf", child, parent)
    edge("precedes", "G3.MUL.1", "G3.MUL.3")
    edge("precedes", "G3.MUL.2", "G3.MUL.3")
    edge("isRelatedTo", "G3.FRA.1", "G3.MUL.1")
    return document


def align(lesson: CourseComponent, *codes):
    lesson.learning_standards = [ID[c] for c in codes]
    lesson.save(update_fields=["learning_standards"])


@pytest.fixture
def holes(world):
    """The framework; Math App lessons: lesson-1 → G3.MUL.1, lesson-2 → G3.MUL.3, a new
    lesson-mul-2 → G3.MUL.2; the Science App's lesson-3 → G3.MUL.3 too (Ada is not enrolled
    with it); and the Math App's mastery test lesson ("test-1", metadata.masteryTest)."""
    add_framework()
    math = world.math
    align(math.lessons[0], "G3.MUL.1")
    align(math.lessons[1], "G3.MUL.3")
    extra = LessonFactory(
        sourced_id="lesson-mul-2",
        title="Groups of objects",
        course=math.course,
        parent=math.units[0],
        sort_order=3,
    )
    align(extra, "G3.MUL.2")
    align(world.science.lesson, "G3.MUL.3")
    test = LessonFactory(
        sourced_id="test-1",
        title="Unit test",
        course=math.course,
        parent=math.units[0],
        sort_order=9,
        metadata={"masteryTest": True},
    )
    return test


def scores(**by_code) -> list[dict]:
    """A learningObjectiveSet: scores(G3_MUL_1=80) → CASE results by identifier."""
    return [
        {
            "source": "CASE",
            "learningObjectiveResults": [
                {"learningObjectiveId": ID[code.replace("_", ".")], "score": score}
                for code, score in by_code.items()
            ],
        }
    ]


def put_mastery_test(api, student="stu-1", *, sourced_id="mt-1", at=TEST_DAY, **by_code):
    """The Math App writes a mastery-test line item and the student's result on it."""
    line_item = {
        "title": "Multiplication check",
        "course": {"sourcedId": "course-1"},
        "metadata": {"masteryTest": True},
        "resultValueMin": 0,
        "resultValueMax": 100,
    }
    response = api.put_json(
        f"{V1P2}/assessmentLineItems/mastery-check", {"assessmentLineItem": line_item}
    )
    assert response.status_code in (200, 201), response.json()
    result = {
        "assessmentLineItem": {"sourcedId": "mastery-check"},
        "student": {"sourcedId": student},
        "scoreStatus": "fully graded",
        "scoreDate": at.isoformat().replace("+00:00", "Z"),
        "score": 70,
        "learningObjectiveSet": scores(**by_code),
    }
    response = api.put_json(f"{V1P2}/assessmentResults/{sourced_id}", {"assessmentResult": result})
    assert response.status_code in (200, 201), response.json()
    return response


def grade_event(student="stu-1", lesson="lesson-1", *, given, at, objectives=None):
    """A points GradeEvent on a lesson (≥ 90 % masters it), optionally carrying per-standard
    scores in generated.extensions.learningObjectiveSet."""
    generated = {
        "id": f"https://app.example/scores/{uuid.uuid4()}",
        "type": "Score",
        "scoreGiven": given,
        "maxScore": 100,
    }
    if objectives is not None:
        generated["extensions"] = {"learningObjectiveSet": objectives}
    return {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "GradeEvent",
        "action": "Graded",
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "actor": {"id": "https://app.example/grader", "type": "SoftwareApplication"},
        "object": {
            "id": f"https://app.example/attempts/{uuid.uuid4()}",
            "type": "Attempt",
            "assignee": {"id": f"https://timeback.example/users/{student}", "type": "Person"},
            "assignable": {
                "id": f"https://app.example/lessons/{lesson}",
                "type": "AssignableDigitalResource",
            },
        },
        "generated": generated,
        "extensions": {"course": {"id": "course-1"}, "lesson": {"id": lesson}},
    }


@pytest.fixture
def send(world, django_capture_on_commit_callbacks):
    """send(*events) posts one envelope as the Math App and runs the pipeline (eagerly)."""

    def post(*events, api=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = (api or world.math.api).post(
                "/ims/caliper/v1p2/events", envelope(*events), format="json"
            )
        assert response.status_code == 200, response.json()
        assert response.json()["accepted"] == len(events), response.json()
        return response

    return post


def later(days: int) -> datetime:
    return TEST_DAY + timedelta(days=days)
