"""The same work earns the same credit through every entry point — a Caliper ActivityEvent,
a logger session and an assessment result written through the gradebook API — because all
three ask gradebook.credit. One test per rule that had drifted apart or was written once per
entry point: the mastery threshold (its 90 % default existed twice), computed XP, and the
questions and mastered units a source reports."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from analytics.models import DailyActivity
from gradebook.models import LessonMastery, XpEntry
from rostering import services
from rostering.models import User
from rostering.services import RoleAssignment

from .conftest import START, activity, time_spent

pytestmark = pytest.mark.django_db
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
LOGGER = "/api/logger/contentsession"


@pytest.fixture
def world(catalogue, school, app_api):
    """course-1's class with stu-1 (Caliper), stu-2 (logger) and stu-3 (gradebook API)
    enrolled, and an assessment line item on lesson-1 for the API's results."""
    services.upsert_user(
        sourced_id="stu-3",
        first_name="S",
        last_name="stu-3",
        roles=[RoleAssignment(org=school, role="student")],
    )
    klass, _ = services.upsert_class(
        sourced_id="class-1", title="C", course=catalogue, school=school
    )
    for sid in ("stu-1", "stu-2", "stu-3"):
        services.upsert_enrollment(
            sourced_id=f"enr-{sid}",
            user=User.objects.get(sourced_id=sid),
            klass=klass,
            role="student",
        )
    response = app_api.put(
        f"{GRADEBOOK}/assessmentLineItems/ali-1",
        {
            "assessmentLineItem": {
                "title": "Lesson quiz",
                "component": {"sourcedId": "lesson-1"},
                "class": {"sourcedId": "class-1"},
                "resultValueMax": 100,
            }
        },
        format="json",
    )
    assert response.status_code in (200, 201), response.json()
    return catalogue


def through_caliper(send, *, correct, total, seconds):
    send(
        activity(student="stu-1", run="r1", totalQuestions=total, correctQuestions=correct),
        time_spent(student="stu-1", run="r1", active=seconds),
    )
    return "stu-1"


def _logger_session(app_api, body, *, correct, total, seconds, then=None):
    started = app_api.post(LOGGER, {"user_id": "stu-2", **body}, format="json").json()
    interactions = [
        {"item": f"q{n}", "correct": 1 if n < correct else 0, "time_spent": 1, "answer": {}}
        for n in range(total)
    ]
    url = f"{LOGGER}/{started['session_id']}"
    response = app_api.put(
        url, {"time_spent_delta": seconds, "interactions": interactions}, format="json"
    )
    assert response.status_code == 200, response.json()
    if then:
        assert app_api.put(url, then, format="json").status_code == 200
    return "stu-2"


def through_logger_quiz(app_api, *, correct, total, seconds):
    """A coach-assigned quiz on lesson-1, answered and submitted."""
    return _logger_session(
        app_api,
        {"quiz_id": "ali-1"},
        correct=correct,
        total=total,
        seconds=seconds,
        then={"progress": 1},
    )


def through_logger_exercise(app_api, *, correct, total, seconds):
    return _logger_session(
        app_api,
        {
            "node_id": "lesson-1",
            "kind": "exercise",
            "mastery_model": {"type": "do_all", "n": total},
        },
        correct=correct,
        total=total,
        seconds=seconds,
    )


def through_gradebook_api(app_api, *, correct, total):
    response = app_api.put(
        f"{GRADEBOOK}/assessmentResults/ar-1",
        {
            "assessmentResult": {
                "assessmentLineItem": {"sourcedId": "ali-1"},
                "student": {"sourcedId": "stu-3"},
                "scoreStatus": "fully graded",
                "scoreDate": "2026-11-02T10:00:00Z",
                "metadata": {"totalQuestions": total, "correctQuestions": correct},
            }
        },
        format="json",
    )
    assert response.status_code in (200, 201), response.json()
    return "stu-3"


def mastered(student_ref) -> bool:
    return LessonMastery.objects.filter(
        student__sourced_id=student_ref, lesson__sourced_id="lesson-1"
    ).exists()


@pytest.mark.parametrize(
    ("threshold", "correct", "masters"),
    [
        (None, 9, True),  # 90 %: the default threshold, inclusive
        (None, 8, False),
        (60, 6, True),  # the course's own threshold
        (60, 5, False),
        (80, 7, False),
    ],
)
def test_every_entry_point_masters_a_lesson_at_the_same_threshold(
    world, app_api, send, threshold, correct, masters
):
    if threshold is not None:
        world.metadata = {**world.metadata, "masteryThreshold": threshold}
        world.save()

    students = [
        through_caliper(send, correct=correct, total=10, seconds=600),
        through_logger_quiz(app_api, correct=correct, total=10, seconds=600),
        through_gradebook_api(app_api, correct=correct, total=10),
    ]

    assert [mastered(s) for s in students] == [masters] * 3


@pytest.mark.parametrize(
    ("correct", "total", "seconds", "xp"),
    [
        (9, 10, 600, Decimal(10)),  # 10 minutes × 1.0
        (4, 4, 480, Decimal(10)),  # 8 minutes × 1.25
        (3, 4, 900, Decimal(0)),  # under 80 %: nothing
    ],
)
def test_caliper_and_the_logger_compute_the_same_xp_for_the_same_attempt(
    world, app_api, send, correct, total, seconds, xp
):
    students = [
        through_caliper(send, correct=correct, total=total, seconds=seconds),
        through_logger_exercise(app_api, correct=correct, total=total, seconds=seconds),
    ]

    earned = [
        XpEntry.objects.filter(student__sourced_id=s).aggregate(xp=Sum("amount"))["xp"] or 0
        for s in students
    ]
    assert earned == [xp, xp]


def test_caliper_and_the_gradebook_api_count_the_same_questions_and_units(world, app_api, send):
    send(
        activity(
            student="stu-1",
            run="r1",
            at=START,
            totalQuestions=10,
            correctQuestions=7,
            masteredUnits=2,
        ),
        time_spent(student="stu-1", run="r1", at=START, active=600),
    )
    response = app_api.put(
        f"{GRADEBOOK}/assessmentResults/ar-1",
        {
            "assessmentResult": {
                "assessmentLineItem": {"sourcedId": "ali-1"},
                "student": {"sourcedId": "stu-3"},
                "scoreStatus": "fully graded",
                "scoreDate": "2026-11-02T10:00:00Z",
                "metadata": {"totalQuestions": 10, "correctQuestions": 7, "masteredUnits": 2},
            }
        },
        format="json",
    )
    assert response.status_code in (200, 201), response.json()

    fields = ("items_answered", "items_correct", "mastered_units", "lessons_mastered")
    rows = [
        DailyActivity.objects.filter(student__sourced_id=s, day=START.date()).values(*fields)
        for s in ("stu-1", "stu-3")
    ]
    assert list(rows[0]) == list(rows[1])
    assert list(rows[0]) == [
        {"items_answered": 10, "items_correct": 7, "mastered_units": 2, "lessons_mastered": 0}
    ]
