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
