"""A batch gives what its events give one by one (docs/architecture.md#the-event-pipeline):
a worker's task processes up to a thousand events in one transaction, with one statement
per kind of effect, and its ledger totals, results, facts, mastery and rollups must equal
those of the same events processed one at a time, in any order."""

import random
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import Sum

from analytics.models import DailyActivity
from events import pipeline
from events.models import (
    AssignableFact,
    CaliperEvent,
    EventStatus,
    SessionFact,
    TimeSpentFact,
    ViewFact,
)
from gradebook.models import (
    AssessmentResult,
    ItemResult,
    LessonMastery,
    MasteryCredit,
    XpEntry,
    XpFlag,
)

from .conftest import START, activity, envelope, item, time_spent

pytestmark = pytest.mark.django_db


def grade(student, lesson, *, at, given, maximum=None, score_type=None):
    score = {"scoreGiven": given}
    if maximum is not None:
        score["maxScore"] = maximum
    if score_type:
        score["scoreType"] = score_type
    return {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "GradeEvent",
        "action": "Graded",
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "actor": {"id": "https://app.example/grader", "type": "SoftwareApplication"},
        "object": {
            "id": f"https://app.example/attempts/{student}-{lesson}-{given}-{at:%H%M}",
            "type": "Attempt",
            "assignee": {"id": f"https://timeback.example/users/{student}", "type": "Person"},
            "assignable": {
                "id": f"https://app.example/lessons/{lesson}",
                "type": "AssignableDigitalResource",
            },
        },
        "generated": {
            "id": f"https://app.example/scores/{student}-{lesson}-{given}-{at:%H%M}",
            "type": "Score",
            **score,
        },
        "extensions": {"course": {"id": "course-1"}, "lesson": {"id": lesson}},
    }


def the_mix():
    """Two students, two lessons, over two days: runs whose time arrives before and after
    their activity, a re-attempt, reported and computed XP, points grades that master a
    lesson (the later one first), an XP grade, answered items."""
    events = []
    for day in (0, 1):
        at = START + timedelta(days=day)
        for student in ("stu-1", "stu-2"):
            for n, lesson in enumerate(("lesson-1", "lesson-2")):
                run = f"{student}-{lesson}-{day}"
                t = at + timedelta(minutes=10 * n)
                events += [
                    time_spent(student, lesson, run=run, active=200 + 60 * n, at=t),
                    activity(
                        student,
                        lesson,
                        run=run,
                        attempt=1 + day,
                        totalQuestions=10,
                        correctQuestions=7 + n + day,
                        **({"masteredUnits": 1} if n else {}),
                        at=t + timedelta(minutes=1),
                    ),
                    time_spent(student, lesson, run=run, active=100, inactive=30, at=t),
                    item(student, lesson, correct=bool(n), at=t + timedelta(minutes=2)),
                    grade(student, lesson, given=9 + n, maximum=10, at=t + timedelta(minutes=3)),
                    grade(student, lesson, given=5, score_type="XP", at=t + timedelta(minutes=4)),
                ]
            events.append(activity(student, "lesson-1", xpEarned=12, at=at + timedelta(hours=1)))
    return events


def outcome() -> dict:
    return {
        "xp": sorted(
            XpEntry.objects.values_list("source_key", "student_id", "course_id", "occurred_on")
            .annotate(total=Sum("amount"))
            .filter(total__gt=0)
        ),
        "flags": sorted(
            XpFlag.objects.values_list(
                "source_key", "reported_xp", "active_seconds", "flagged", "occurred_on"
            )
        ),
        "units": sorted(
            MasteryCredit.objects.values_list(
                "source_key", "units", "questions", "correct_questions", "occurred_on"
            )
        ),
        "lessons": sorted(
            LessonMastery.objects.values_list("student_id", "lesson_id", "mastered_at")
        ),
        "results": sorted(
            AssessmentResult.objects.values_list(
                "sourced_id",
                "line_item__sourced_id",
                "student_id",
                "course_id",
                "lesson_id",
                "score",
                "score_status",
                "score_date",
                "metadata",
            ),
            key=repr,
        ),
        "facts": [
            sorted(TimeSpentFact.objects.values_list("event_id", "active", "occurred_on")),
            sorted(SessionFact.objects.values_list("event_id")),
            sorted(ViewFact.objects.values_list("event_id")),
            sorted(AssignableFact.objects.values_list("event_id")),
            sorted(ItemResult.objects.values_list("source_event", "correct", "occurred_on")),
        ],
        "rollups": sorted(
            DailyActivity.objects.values_list(
                "student_id",
                "course_id",
                "day",
                "xp",
                "active_seconds",
                "wasted_seconds",
                "inactive_seconds",
                "items_answered",
                "items_correct",
                "lessons_mastered",
                "mastered_units",
            )
        ),
        "statuses": sorted(CaliperEvent.objects.values_list("pk", "status")),
    }


def forget_processing() -> None:
    """Back to stored and pending: what processing derived is deleted."""
    for model in (
        XpEntry,
        XpFlag,
        MasteryCredit,
        LessonMastery,
        AssessmentResult,
        TimeSpentFact,
        SessionFact,
        ViewFact,
        AssignableFact,
        ItemResult,
        DailyActivity,
    ):
        model.objects.all().delete()
    CaliperEvent.objects.update(status=EventStatus.PENDING, processed_at=None)


@pytest.fixture
def stored(app_api, catalogue):
    """The mix, stored and pending (the commit never runs in a test transaction, so no task
    processes them)."""
    response = app_api.post("/ims/caliper/v1p2/events", envelope(*the_mix()), format="json")
    assert response.json()["rejected"] == [], response.content[:500]
    return list(CaliperEvent.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("seed", [1, 2])
def test_one_batch_claiming_every_event_equals_the_events_one_by_one_in_any_order(stored, seed):
    order = list(stored)
    random.Random(seed).shuffle(order)
    for pk in order:
        assert pipeline.process([pk]) == 1
    one_by_one = outcome()
    assert one_by_one["lessons"] and one_by_one["results"] and one_by_one["rollups"]

    forget_processing()
    # One task of one event that claims the rest, as a worker's task does.
    assert pipeline.process(order[:1], claim=settings.PIPELINE_CLAIM_UP_TO) == len(stored)

    assert outcome() == one_by_one


def test_a_task_claims_other_pending_events_only_up_to_its_limit(stored):
    done = pipeline.process(stored[-1:], claim=10)

    assert done == 10
    processed = set(
        CaliperEvent.objects.filter(status=EventStatus.PROCESSED).values_list("pk", flat=True)
    )
    # Its own event, then the oldest others.
    assert processed == {stored[-1], *stored[:9]}


def test_a_task_run_in_process_claims_nothing_beyond_its_own_events(stored):
    assert pipeline.process(stored[:3]) == 3
    assert CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == 3
