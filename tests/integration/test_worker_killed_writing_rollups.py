"""A worker killed while it writes a batch's daily rollups leaves no rollup stale: the
batch marks its rollups pending in its own transaction and recomputes them after its
commit, so the kill leaves the markers, and the sweep recomputes them."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from analytics.models import DailyActivity
from rostering.models import User

from ..events.conftest import START, activity, envelope, time_spent
from .conftest import (
    other_database_sessions,
    post_envelope,
    status_counts,
    unprocessed,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sessions_waiting_to_write_a_rollup() -> list[int]:
    with connection.cursor() as cursor:
        # Within a transaction PostgreSQL answers from one snapshot of the activity.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ['INSERT INTO "events_dailyactivity"%'],
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_a_worker_killed_while_writing_rollups_leaves_none_stale(
    app_api, catalogue, broker, start_worker
):
    body = envelope(
        activity(run="run-1", at=START, xpEarned=12), time_spent(run="run-1", at=START, active=600)
    )
    response, _ = post_envelope(app_api, body)
    assert response.json()["accepted"] == 2
    student = User.objects.get(sourced_id="stu-1")

    # An uncommitted rollup row of the batch's (student, course, day) makes the worker
    # wait when it writes that rollup: it is killed right there.
    with transaction.atomic():
        DailyActivity.objects.create(student=student, course=catalogue, day=START.date())
        worker = start_worker()
        wait_for(
            sessions_waiting_to_write_a_rollup,
            timeout=60,
            what="the worker to reach the rollup of its batch",
            workers=[worker],
        )
        worker.sigkill()
        transaction.set_rollback(True)
    # PostgreSQL ends the killed worker's session once it notices the client is gone; until
    # then the session keeps its row locks and other workers skip those events.
    wait_for(
        lambda: not other_database_sessions(),
        timeout=30,
        what="the killed worker's database session to end",
    )

    second = start_worker()
    call_command("process_pending", "--min-age", "0")
    wait_for(
        lambda: unprocessed() == 0 and DailyActivity.objects.exists(),
        timeout=60,
        what="the batch to be processed and rolled up after the kill",
        workers=[second],
        details=lambda: (
            f"statuses: {status_counts()}, rollups: "
            f"{list(DailyActivity.objects.values_list('xp', 'active_seconds'))}"
        ),
    )
    rollup = DailyActivity.objects.get()
    assert (rollup.student_id, rollup.day) == (student.pk, START.date())
    assert (rollup.xp, rollup.active_seconds) == (Decimal("12.00"), 600)
