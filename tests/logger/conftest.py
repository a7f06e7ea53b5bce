"""Logger API: a course of a partner app with students enrolled, and clients for the
partner's server (bearer token) and a student's browser (Django session)."""

import pytest
from rest_framework.test import APIClient

from rostering import services
from rostering.models import Course, CourseComponent, User
from rostering.services import RoleAssignment

START = "/api/logger/contentsession"


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
