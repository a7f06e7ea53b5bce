"""Gradebook API: a school with two learning apps, each owning a course with a class, a
lesson and an enrolled student; gradebook objects are then written through the API under
test."""

from dataclasses import dataclass

import pytest

from rostering.models import (
    Class,
    ComponentKind,
    Course,
    CourseComponent,
    Enrollment,
    Org,
    User,
)

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


def _side(api, school, suffix) -> Side:
    course = Course.objects.create(
        sourced_id=f"course-{suffix}", title=f"Course {suffix}", partner_app=api.app
    )
    klass = Class.objects.create(
        sourced_id=f"class-{suffix}", title=f"Class {suffix}", course=course, school=school
    )
    unit = CourseComponent.objects.create(
        sourced_id=f"unit-{suffix}", title="Unit", course=course, kind=ComponentKind.UNIT
    )
    lesson = CourseComponent.objects.create(
        sourced_id=f"lesson-{suffix}",
        title="Lesson",
        course=course,
        parent=unit,
        kind=ComponentKind.LESSON,
    )
    student = User.objects.create(username=f"student-{suffix}", sourced_id=f"student-{suffix}")
    Enrollment.objects.create(
        sourced_id=f"enr-{suffix}", user=student, klass=klass, school=school, role="student"
    )
    return Side(api, course, klass, lesson, student)


@pytest.fixture
def school(db):
    return Org.objects.create(sourced_id="school-1", name="Maple", type="school")


@pytest.fixture
def a(make_partner, school) -> Side:
    return _side(make_partner("App A"), school, "a")


@pytest.fixture
def b(make_partner, school) -> Side:
    return _side(make_partner("App B"), school, "b")


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
                    "class": {"sourcedId": "class-a"},
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
                    "class": {"sourcedId": "class-a"},
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
                    "student": {"sourcedId": "student-a"},
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
                    "component": {"sourcedId": "lesson-a"},
                    "class": {"sourcedId": "class-a"},
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
                    "student": {"sourcedId": "student-a"},
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
