"""What a batch leaves to settle after its commit (lesson masteries, rollups) is never lost
(docs/decisions.md, "Two workers never wait on each other"): a worker that finds another
settling goes on, and the rows wait for the next settling; a worker killed before settling
leaves them to the sweep."""

from datetime import timedelta

import pytest
from django.db import connection

from analytics import rollups
from analytics.models import DailyActivity, PendingRollup
from core import locks
from events import pipeline, sweep
from events.models import CaliperEvent
from gradebook.models import LessonMastery, PendingLessonMastery

from .conftest import START, activity, envelope, time_spent
from .test_batched_equals_one_by_one import grade

pytestmark = pytest.mark.django_db

SEND = "/ims/caliper/v1p2/events"


@pytest.fixture
def stored(app_api, catalogue):
    """An activity with its time and a grade that masters its lesson, stored and pending
    (the commit never runs in a test transaction, so no task processes them)."""
    at = START + timedelta(hours=1)
    body = envelope(
        time_spent("stu-1", "lesson-1", run="run-1", active=300, at=at),
        activity("stu-1", "lesson-1", run="run-1", xpEarned=6, at=at + timedelta(minutes=1)),
        grade("stu-1", "lesson-1", given=10, maximum=10, at=at + timedelta(minutes=2)),
    )
    assert app_api.post(SEND, body, format="json").json()["rejected"] == []
    return list(CaliperEvent.objects.order_by("pk").values_list("pk", flat=True))


def assert_settled() -> None:
    assert not PendingLessonMastery.objects.exists()
    assert not PendingRollup.objects.exists()
    assert LessonMastery.objects.count() == 1
    rollup = DailyActivity.objects.get()
    key = (rollup.student_id, rollup.course_id, rollup.day)
    assert rollup.lessons_mastered == 1 and rollup.xp > 0 and rollup.active_seconds == 300
    derived = rollups._derive({key})[key]
    assert {name: getattr(rollup, name) for name in derived} == derived


def test_a_worker_that_finds_another_settling_goes_on_and_leaves_its_rows_pending(stored):
    other = connection.copy()  # another worker's session, settling
    try:
        other.connect()
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            for what in ("lesson masteries", "rollups"):
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [locks.SETTLERS.id, locks.key_of(what)],
                )
            with connection.cursor() as ours:
                ours.execute("SET lock_timeout = '2s'")  # a wait would fail, not hang
            assert pipeline.process(stored) == 3  # did not wait for the other
            assert PendingLessonMastery.objects.count() == 1
            assert PendingRollup.objects.exists()
            assert not LessonMastery.objects.exists() and not DailyActivity.objects.exists()
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    pipeline.settle()  # the next settling (any worker's) records them
    assert_settled()


def test_rows_a_killed_worker_left_to_settle_are_settled_by_the_sweep(stored, monkeypatch):
    monkeypatch.setattr(pipeline, "settle", lambda: None)  # killed right after its commit
    assert pipeline.process(stored) == 3
    assert PendingLessonMastery.objects.exists() and PendingRollup.objects.exists()
    assert not DailyActivity.objects.exists()

    counts = sweep.run(min_age=timedelta(0))
    assert counts["pending_masteries"] == 1
    assert counts["pending_rollups"] >= 1
    assert_settled()
