"""Gradebook API: a school with two learning apps, each owning a course with a class, a
lesson and an enrolled student; gradebook objects are then written through the API under
test. Logger API: a course of a partner app with students enrolled, and clients for the
partner's server (bearer token) and a student's browser (Django session)."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from rostering import services
from rostering.models import (
    Class,
    ComponentKind,
    Course,
    CourseComponent,
    Enrollment,
    Org,
    User,
)
from rostering.services import RoleAssignment

V1P2 = "/ims/oneroster/gradebook/v1p2"
PARTNER = "/gradebook/1.0"
START = "/api/logger/contentsession"


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


@pytest.fixture
def logger_app(make_partner):
    return make_partner("Reading App")


@pytest.fixture
def logger_course(logger_app):
    """course-r (the app's) with lesson-r1, lesson-r2 and a video resource in lesson-r1;
    stu-r1 and stu-r2 enrolled in class-r; stu-out enrolled nowhere."""
    school, _ = services.upsert_org(sourced_id="school-r", name="School", type="school")
    course, _ = services.upsert_course(
        sourced_id="course-r", title="Reading", partner_app=logger_app.app
    )
    lessons = [
        services.upsert_course_component(
            sourced_id=f"lesson-r{i}", title=f"Lesson {i}", course=course, kind="lesson"
        )[0]
        for i in (1, 2)
    ]
    services.upsert_resource(
        sourced_id="video-r1", title="Video", vendor_resource_id="v1", lessons=[lessons[0]]
    )
    klass, _ = services.upsert_class(
        sourced_id="class-r", title="Class", course=course, school=school
    )
    for sid in ("stu-r1", "stu-r2", "stu-out"):
        student, _ = services.upsert_user(
            sourced_id=sid,
            username=sid,
            first_name="S",
            last_name=sid,
            roles=[RoleAssignment(org=school, role="student")],
        )
        if sid != "stu-out":
            services.upsert_enrollment(
                sourced_id=f"enr-{sid}", user=student, klass=klass, role="student"
            )
    return Course.objects.get(sourced_id="course-r")


@pytest.fixture
def student(logger_course):
    return User.objects.get(sourced_id="stu-r1")


@pytest.fixture
def lesson(logger_course):
    return CourseComponent.objects.get(sourced_id="lesson-r1")


@pytest.fixture
def browser(student):
    """stu-r1's browser, logged in."""
    client = APIClient()
    client.force_login(student)
    return client


@pytest.fixture
def partner(logger_app, logger_course):
    return logger_app


def exercise_start(node="lesson-r1", model=None, **extra) -> dict:
    return {
        "node_id": node,
        "content_id": node,
        "channel_id": "course-r",
        "kind": "exercise",
        "mastery_model": model or {"type": "num_correct_in_a_row_3"},
        **extra,
    }


def answer(item: str, correct: float = 1, **extra) -> dict:
    return {"item": item, "correct": correct, "time_spent": 10, "answer": {"x": 1}, **extra}
