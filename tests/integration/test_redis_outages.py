"""Workers survive their broker (docs/operations.md#nothing-accepted-is-lost): Redis stopped
and started again while a task is running leaves a worker that reconnects by itself, and the
task's events are processed once, with no person restarting anything."""

from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from core import locks
from gradebook.models import XpEntry
from rostering.models import User

from ..events.conftest import START, activity, envelope, time_spent
from .conftest import (
    database_url,
    ledger_total,
    post_envelope,
    sources_credited_more_than_once,
    status_counts,
    unprocessed,
    wait_for,
)


def sessions_waiting_for_an_advisory_lock() -> list[int]:
    with connection.cursor() as cursor:
        # Within a transaction PostgreSQL answers from one snapshot of the activity.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def holding_the_rollup_lock(student_pk: int, course_pk: int, day):
    """Another session takes the (student, course, day) rollup lock the pipeline takes
    (analytics.rollups), so that a worker processing that day's events waits in the middle
    of its task until the session ends."""
    holder = psycopg.connect(database_url(), autocommit=False)
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [locks.ROLLUPS.id, locks.key_of(f"rollup:{student_pk}:{course_pk}:{day}")],
        )
    return holder


pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_prefork_worker_survives_redis_stopping_while_its_task_runs(
    app_api, catalogue, broker, start_worker, monkeypatch
):
    monkeypatch.setenv("SWEEP_EVERY_SECONDS", "1")
    monkeypatch.setenv("SWEEP_MIN_AGE_SECONDS", "0")
    redis_server = broker
    worker = start_worker(pool="prefork", concurrency=2)
    student = User.objects.get(sourced_id="stu-1")
    expected = Decimal(0)
    for outage in range(5):
        run = f"outage-{outage}"
        at = START.replace(day=START.day + outage)
        quiz = activity(run=run, at=at, xpEarned=10 + outage)
        quiz["object"]["activity"]["id"] = run  # every activity its own XP source
        body = envelope(quiz, time_spent(run=run, at=at, active=600))
        expected += 10 + outage
        # The rollup lock of the batch's (student, course, day), held elsewhere, keeps the
        # task in the middle of its work while Redis goes away under the worker.
        holder = holding_the_rollup_lock(student.pk, catalogue.pk, at.date())
        try:
            response, _ = post_envelope(app_api, body)
            assert response.json()["accepted"] == 2
            wait_for(
                sessions_waiting_for_an_advisory_lock,
                timeout=60,
                what=f"the worker's task to be running (outage {outage + 1})",
                workers=[worker],
            )
            lost_before = worker.log.read_text(errors="replace").count("broker lost")
            redis_server.stop()
            wait_for(
                lambda before=lost_before: (
                    worker.log.read_text(errors="replace").count("broker lost") > before
                ),
                timeout=30,
                what="the worker to notice the outage",
                workers=[worker],
            )
        finally:
            holder.close()  # the task goes on while Redis is still down
        redis_server.start()
        wait_for(
            lambda: unprocessed() == 0,
            timeout=90,
            what=f"the events of outage {outage + 1} to be processed after it",
            workers=[worker],
            details=lambda: f"statuses: {status_counts()}",
        )
        assert worker.alive(), worker.describe()
    assert status_counts() == {"processed": 10}
    assert sources_credited_more_than_once() == []
    assert XpEntry.objects.count() == 5
    assert ledger_total() == expected
