"""Gradebook API over the example world (tests/world.py): two learning apps, each owning a
course with a class, a lesson and an enrolled student; gradebook objects are then written
through the API under test."""

from dataclasses import dataclass

import pytest

from rostering.models import Class, Course, CourseComponent, User

V1P2 = "/ims/oneroster/gradebook/v1p2"
PARTNER = "/gradebook/1.0"


@dataclass
class Side:
    """What one app owns: its API client, course, class, lesson and enrolled student."""

    api: object
    course: Course
    klass: Class
    lesson: CourseComponent
    student: User


def _side(offering) -> Side:
    return Side(
        offering.api, offering.course, offering.klass, offering.lesson, offering.students[0]
    )


@pytest.fixture
def a(world) -> Side:
    """The Math App's side: course-1, class-1, lesson-1 and Ada (stu-1)."""
    return _side(world.math)


@pytest.fixture
def b(world) -> Side:
    """The Science App's side: course-2, class-2, lesson-3 and Cleo (stu-3)."""
    return _side(world.science)


def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201)), response.json()
    return response.json()


@pytest.fixture
def gradebook(a):
    """App A's gradebook: a category, a score scale, a line item and a result, and an
    assessment line item on its lesson with one result."""
    api = a.api
    ok(api.put_json(f"{V1P2}/categories/cat-1", {"category": {"title": "Quizzes", "weight": 0.5}}))
    ok(
        api.put_json(
            f"{V1P2}/scoreScales/scale-1",
            {
                "scoreScale": {
                    "title": "Letters",
                    "type": "letter",
                    "class": {"sourcedId": "class-1"},
                    "scoreScaleValue": [{"itemValueLHS": "90", "itemValueRHS": "A"}],
                }
            },
        )
    )
    ok(
        api.put_json(
            f"{V1P2}/lineItems/li-1",
            {
                "lineItem": {
                    "title": "Quiz 1",
                    "assignDate": "2026-11-01T08:00:00Z",
                    "dueDate": "2026-11-08T08:00:00Z",
                    "class": {"sourcedId": "class-1"},
                    "category": {"sourcedId": "cat-1"},
                    "scoreScale": {"sourcedId": "scale-1"},
                    "resultValueMin": 0,
                    "resultValueMax": 10,
                    "learningObjectiveSet": [{"source": "case", "learningObjectiveIds": ["lo-1"]}],
                }
            },
        )
    )
    ok(
        api.put_json(
            f"{V1P2}/results/res-1",
            {
                "result": {
                    "lineItem": {"sourcedId": "li-1"},
                    "student": {"sourcedId": "stu-1"},
                    "scoreStatus": "fully graded",
                    "score": 8,
                    "scoreDate": "2026-11-02",
                    "late": True,
                    "comment": "Well done",
                }
            },
        )
    )
    ok(
        api.put_json(
            f"{V1P2}/assessmentLineItems/ali-1",
            {
                "assessmentLineItem": {
                    "title": "Lesson quiz",
                    "component": {"sourcedId": "lesson-1"},
                    "class": {"sourcedId": "class-1"},
                    "resultValueMax": 100,
                }
            },
        )
    )
    ok(
        api.put_json(
            f"{V1P2}/assessmentResults/ar-1",
            {
                "assessmentResult": {
                    "assessmentLineItem": {"sourcedId": "ali-1"},
                    "student": {"sourcedId": "stu-1"},
                    "scoreStatus": "fully graded",
                    "score": 70,
                    "scoreDate": "2026-11-02T10:00:00Z",
                    "metadata": {"xp": 5, "masteredUnits": 1, "accuracy": 70},
                    "learningObjectiveSet": [
                        {
                            "source": "case",
                            "learningObjectiveResults": [
                                {"learningObjectiveId": "lo-1", "score": 0.5}
                            ],
                        }
                    ],
                    "inProgress": "false",
                }
            },
        )
    )
    return a
