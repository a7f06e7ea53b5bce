"""A worker killed with SIGKILL in the middle of a 10,000-event run loses nothing and credits
nothing twice (docs/operations.md#nothing-accepted-is-lost): the events are stored before the
answer, the killed task's transaction rolls back, and the sweep hands what stayed pending to a new
worker."""

import random
import time

import pytest
from django.core.management import call_command

from .conftest import (
    assert_processed_exactly_once,
    other_database_sessions,
    post_all,
    processed,
    status_counts,
    unprocessed,
    wait_for,
    workload,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RUNS = 5_000  # an ActivityEvent and its TimeSpentEvent each: 10,000 events, 100 envelopes
KILL_AFTER = 2_500  # events processed by the first worker before it is killed


def test_a_worker_killed_mid_run_loses_nothing_and_credits_nothing_twice(
    app_api, students, broker, start_worker
):
    envelopes, expected = workload(students, RUNS)
    events = 2 * RUNS
    posting = post_all(app_api, envelopes)
    assert status_counts() == {"pending": events}
    assert broker.queued_messages() == len(envelopes)  # one task per envelope

    # Worker 1 takes the queue and is killed once part of the run is processed.
    first = start_worker()
    wait_for(
        lambda: processed() > 0,
        timeout=60,
        interval=0.01,
        what="the first worker to process its first task",
        workers=[first],
    )
    first_started, done_at_start = time.monotonic(), processed()
    wait_for(
        lambda: processed() >= KILL_AFTER,
        timeout=120,
        interval=0.02,
        what=f"the first worker to process {KILL_AFTER} events",
        workers=[first],
    )
    time.sleep(random.uniform(0, 0.1))  # land anywhere inside the task being processed
    first.sigkill()
    first_seconds = time.monotonic() - first_started
    done_by_first = processed()
    assert done_by_first < events, "every event was processed before the kill: no test"
    lost_deliveries = broker.client.hlen("unacked")  # the killed task's message, never acked
    # Until PostgreSQL notices the killed worker is gone, its session keeps the row locks
    # of the task it was running, and workers skip rows another session has locked.
    wait_for(
        lambda: not other_database_sessions(),
        timeout=30,
        what="the killed worker's database session to end",
    )

    # A new worker, and the sweep hands over whatever the killed worker left pending.
    second = start_worker()
    second_started = time.monotonic()
    call_command("process_pending", "--min-age", "0")
    wait_for(
        lambda: unprocessed() == 0,
        timeout=240,
        what="every event to be processed after the kill",
        workers=[second],
        details=lambda: f"statuses: {status_counts()}",
    )
    second_seconds = time.monotonic() - second_started
    # The sweep's copies of tasks already done still run (and write nothing). The killed
    # task's message stays unacknowledged until Redis's visibility timeout (an hour) puts
    # it back: that is why the sweep exists.
    wait_for(
        lambda: (
            broker.client.llen("celery") == 0 and broker.client.hlen("unacked") == lost_deliveries
        ),
        timeout=60,
        what="the queue to drain",
        workers=[second],
    )
    print(
        f"\n{events:,}-event run: posted {len(envelopes)} envelopes in {posting:.1f}s "
        f"({events / posting:.0f} events/s); first worker: {done_by_first - done_at_start} "
        f"events in {first_seconds:.1f}s ({(done_by_first - done_at_start) / first_seconds:.0f}"
        f" events/s), killed at {done_by_first}; second worker after the sweep: "
        f"{events - done_by_first} events in {second_seconds:.1f}s "
        f"({(events - done_by_first) / second_seconds:.0f} events/s)"
    )
    assert_processed_exactly_once(app_api.app.pk, expected, RUNS)
