"""Concurrent starts and updates of one student's content, on PostgreSQL: starts land on
the same summary and try, and no update's time or attempt is lost."""

import threading

import pytest
from django.db import connection

from logger import mastery, selectors, services
from logger.models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog
from rostering.models import CourseComponent, User

# serialized_rollback: like tests/integration, so the data migrations' rows survive the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_threads(count: int, work) -> None:
    errors = []
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            work(index)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def exercise(student) -> services.Start:
    lesson = CourseComponent.objects.get(sourced_id="lesson-1")
    return services.Start(
        student=student,
        content=selectors.Content(course=lesson.course, lesson=lesson, node_id="lesson-1"),
        content_id="lesson-1",
        kind="exercise",
        criterion=mastery.parse({"type": "m_of_n", "m": 50, "n": 50}),
        context={"node_id": "lesson-1"},
    )


def test_concurrent_starts_land_on_one_summary_and_one_try(logger_course):
    start = exercise(User.objects.get(sourced_id="stu-1"))

    in_threads(4, lambda _: services.start_session(start))

    assert ContentSummaryLog.objects.count() == 1
    assert MasteryLog.objects.count() == 1
    assert ContentSessionLog.objects.count() == 4


def test_concurrent_updates_lose_no_time_and_no_attempt(logger_course):
    student = User.objects.get(sourced_id="stu-1")
    session = services.start_session(exercise(student))["session_id"]
    sessions = selectors.sessions_of(selectors.Caller(student=student, app=None))

    def update(index):
        for n in range(5):
            interaction = {"item": f"t{index}-{n}", "correct": 0.0, "time_spent": 1, "answer": {}}
            services.update_session(
                sessions,
                session,
                services.Update(time_spent_delta=3, interactions=[interaction]),
            )

    in_threads(4, update)

    try_ = MasteryLog.objects.get()
    assert (try_.attempt_count, try_.time_spent) == (20, 60)
    assert sorted(AttemptLog.objects.values_list("number", flat=True)) == list(range(1, 21))
    assert ContentSummaryLog.objects.get().time_spent == 60


def test_concurrent_updates_through_two_sessions_of_one_try_credit_and_roll_up_exactly(
    logger_course,
):
    from analytics import rollups
    from analytics.models import DailyActivity
    from gradebook import credit
    from gradebook.models import XpEntry

    student = User.objects.get(sourced_id="stu-1")
    sessions = [services.start_session(exercise(student))["session_id"] for _ in range(2)]
    scope = selectors.sessions_of(selectors.Caller(student=student, app=None))

    def update(index):
        for n in range(6):
            interaction = {"item": f"t{index}-{n}", "correct": 1.0, "time_spent": 1, "answer": {}}
            services.update_session(
                scope,
                sessions[index % 2],
                services.Update(time_spent_delta=7, interactions=[interaction]),
            )

    in_threads(4, update)

    # Each update read the try's window and XP so far after its locks: no attempt numbered
    # twice, the ledger's entries numbered 0, 1, 2... and summing to what the final try earns.
    try_ = MasteryLog.objects.get()
    assert (try_.attempt_count, try_.time_spent, try_.correct) == (24, 168, 24)
    assert sorted(AttemptLog.objects.values_list("number", flat=True)) == list(range(1, 25))
    entries = XpEntry.objects.filter(source_key=credit.logger_try_key(try_.pk))
    assert sorted(entries.values_list("seq", flat=True)) == list(range(entries.count()))
    earned = credit.try_credit(
        time_spent=try_.time_spent,
        correct=try_.correct,
        attempts=try_.attempt_count,
        try_number=try_.mastery_level,
    )
    assert sum(e.amount for e in entries) == earned.xp
    # The day's rollup, written by whichever update locked it last, is the fresh derivation.
    row = DailyActivity.objects.get()
    fresh = rollups._derive({(row.student_id, row.course_id, row.day)})
    assert {f: getattr(row, f) for f in rollups.EMPTY} == fresh[
        (row.student_id, row.course_id, row.day)
    ]
    assert row.items_answered == 24
