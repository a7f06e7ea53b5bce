"""Two workers' batches about the same student, day and lesson never wait on each other
(docs/decisions.md, "Two workers never wait on each other"): the lesson's line item is
created before a batch's transaction, lesson masteries and rollups are settled after it
commits, and what both leave is right: one line item, the earliest mastery, rollups equal
to their derivation, nothing left pending."""

import threading
from datetime import timedelta

import orjson
import pytest
from django.db import connection, transaction

from analytics import rollups
from analytics.models import DailyActivity, PendingRollup
from events import pipeline, services
from events.models import CaliperEvent, EventStatus
from gradebook.models import (
    AssessmentLineItem,
    AssessmentResult,
    LessonMastery,
    PendingLessonMastery,
    XpEntry,
)
from rostering.models import User

from .conftest import START, activity, envelope, item, time_spent
from .test_batched_equals_one_by_one import grade

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20  # seconds a batch waits at the meeting point for the other before giving up


def store(app, *events) -> list[int]:
    """The events stored and pending (no task queued): their ids."""
    answer = services.ingest(app=app, body=orjson.dumps(envelope(*events)))
    assert not getattr(answer, "rejected", None)
    stored = list(
        CaliperEvent.objects.filter(event_id__in=[e["id"] for e in events]).values_list(
            "pk", flat=True
        )
    )
    assert len(stored) == len(events)
    return stored


def sessions_waiting_on_a_lock() -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT wait_event, query FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        waiting = cursor.fetchall()
        cursor.execute("SELECT locktype, mode FROM pg_locks WHERE NOT granted")
        return waiting + cursor.fetchall()


def test_two_batches_about_the_same_student_day_and_lesson_neither_waits(
    app_api, catalogue, monkeypatch
):
    monkeypatch.setattr(services, "enqueue", lambda event_ids: None)  # no worker: ours below
    app = app_api.app
    day = START + timedelta(hours=1)
    first = store(
        app,
        time_spent("stu-1", "lesson-1", run="run-a", active=300, at=day),
        activity("stu-1", "lesson-1", run="run-a", xpEarned=7, at=day + timedelta(minutes=1)),
        item("stu-1", "lesson-1", correct=True, at=day + timedelta(minutes=2)),
        grade("stu-1", "lesson-1", given=10, maximum=10, at=day + timedelta(minutes=30)),
    )
    second = store(
        app,
        time_spent("stu-1", "lesson-1", run="run-b", active=200, at=day),
        activity(
            "stu-1", "lesson-1", run="run-b", attempt=2, xpEarned=5, at=day + timedelta(minutes=3)
        ),
        item("stu-1", "lesson-1", correct=False, at=day + timedelta(minutes=4)),
        grade("stu-1", "lesson-1", given=9, maximum=10, at=day + timedelta(minutes=10)),
    )
    assert not AssessmentLineItem.objects.exists()

    # Two attempts (two XP sources: the events of one attempt in two batches are recomputed
    # one batch after the other, under the attempt's lock, docs/decisions.md).
    # Each batch, once it has written everything and before it commits, waits for the other
    # to get as far: had one waited on a row or lock of the other, neither would arrive.
    arrived, released = threading.Barrier(3, timeout=WAIT), threading.Barrier(3, timeout=WAIT)
    announce = pipeline.notify_learning_changed

    def meet_before_commit(keys, **kwargs):
        announce(keys, **kwargs)
        arrived.wait()
        released.wait()

    monkeypatch.setattr(pipeline, "notify_learning_changed", meet_before_commit)
    done, failures = {}, []

    def worker(name, ids):
        try:
            with connection.cursor() as cursor:
                # A wait that slipped through fails at once rather than at the barrier.
                cursor.execute("SET lock_timeout = '2s'")
            done[name] = pipeline.process(ids)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(f"{name}: {type(error).__name__}: {error}")
            arrived.abort()
            released.abort()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(name, ids))
        for name, ids in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    try:
        arrived.wait()  # both batches' transactions are open, every write done
        waiting = sessions_waiting_on_a_lock()
        released.wait()
    except threading.BrokenBarrierError:
        waiting = None
    for thread in threads:
        thread.join(WAIT * 3)
    assert failures == [], failures
    assert waiting == [], waiting
    assert done == {"first": 4, "second": 4}

    student = User.objects.get(sourced_id="stu-1")
    statuses = set(CaliperEvent.objects.values_list("status", flat=True))
    assert statuses == {EventStatus.PROCESSED}
    # One line item for the lesson, both results under it.
    assert list(AssessmentLineItem.objects.values_list("sourced_id", flat=True)) == [
        "lesson-1:assessment"
    ]
    assert AssessmentResult.objects.filter(line_item__sourced_id="lesson-1:assessment").count() == 2
    # The earliest mastery wins (the second batch's grade, 20 minutes before the first's).
    mastery = LessonMastery.objects.get()
    assert (mastery.student_id, mastery.mastered_at) == (student.pk, day + timedelta(minutes=10))
    # Nothing earned lost or counted twice; nothing left pending.
    assert XpEntry.objects.filter(student=student).count() == 2
    assert not PendingLessonMastery.objects.exists()
    assert not PendingRollup.objects.exists()
    rollup = DailyActivity.objects.get()
    key = (rollup.student_id, rollup.course_id, rollup.day)
    assert key == (student.pk, catalogue.pk, day.date())
    credited = sum(XpEntry.objects.filter(student=student).values_list("amount", flat=True))
    assert credited > 0
    assert (rollup.xp, rollup.active_seconds, rollup.items_answered, rollup.items_correct) == (
        credited,
        500,
        2,
        1,
    )
    assert rollup.lessons_mastered == 1
    derived = rollups._derive({key})[key]
    assert {name: getattr(rollup, name) for name in derived} == derived


def test_two_claims_at_once_never_split_an_envelope_between_them(app_api, catalogue, monkeypatch):
    """A batch takes an envelope's events only with its claim lock, so a second batch
    claiming at the same time skips every event of an envelope the first took part of
    (the events of one run in two batches would recompute its XP twice, one waiting)."""
    monkeypatch.setattr(services, "enqueue", lambda event_ids: None)
    app = app_api.app
    day = START + timedelta(hours=1)
    envelopes = [
        store(
            app,
            *(
                time_spent(f"stu-{1 + n % 2}", "lesson-1", run=f"run-{e}-{n}", active=60, at=day)
                for n in range(4)
            ),
        )
        for e in range(3)
    ]
    first_taken, released = threading.Event(), threading.Event()
    taken, failures = {}, []

    def first_batch():
        try:
            with transaction.atomic():
                # Its claim ends inside the second envelope: 4 + 2 of the 12 events.
                taken["first"] = {e.pk for e in pipeline._take([], 6)}
                first_taken.set()
                released.wait(WAIT)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(f"{type(error).__name__}: {error}")
            first_taken.set()
        finally:
            connection.close()

    thread = threading.Thread(target=first_batch)
    thread.start()
    try:
        assert first_taken.wait(WAIT)
        with transaction.atomic():
            taken["second"] = {e.pk for e in pipeline._take([], 100)}
    finally:
        released.set()
        thread.join(WAIT)
    assert failures == [], failures
    first = [set(ids) for ids in envelopes if taken["first"] & set(ids)]
    assert len(taken["first"]) == 6 and len(first) == 2  # one envelope and part of another
    untouched = [set(ids) for ids in envelopes if not taken["first"] & set(ids)]
    assert taken["second"] == set().union(*untouched)  # and none of the part left
    assert len(taken["second"]) == 4
