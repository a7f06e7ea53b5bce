"""A prefork pool process killed with SIGKILL while it runs tasks: with acks_late and
reject_on_worker_lost the worker puts those tasks back in the queue at once and a
replacement process runs them, with no sweep; nothing is credited twice."""

import os
import signal

import pytest

from .conftest import (
    assert_processed_exactly_once,
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

RUNS = 1_000  # 2,000 events, 20 envelopes
# Batches of two envelopes: the 2,000 events are ten tasks' work, so the kill lands while
# some of them run and others wait (with the default 4,000 one task took all of them, and
# the first commit was the last).
CLAIM = {"PIPELINE_CLAIM_UP_TO": "200"}


def test_tasks_of_a_killed_pool_process_are_requeued_and_run_once(
    app_api, students, broker, start_worker
):
    envelopes, expected = workload(students, RUNS, seed=7)
    post_all(app_api, envelopes)
    worker = start_worker(pool="prefork", concurrency=2, env=CLAIM)
    wait_for(
        lambda: processed() >= 200,
        timeout=60,
        interval=0.02,
        what="the pool processes to be busy",
        workers=[worker],
    )
    pool = worker.pool_processes()
    assert len(pool) == 2, pool
    for pid in pool:  # both: each runs a task (prefetch 1 per process, the queue is long)
        os.kill(pid, signal.SIGKILL)
    assert processed() < 2 * RUNS, "every event was processed before the kill: no test"

    wait_for(
        lambda: unprocessed() == 0 and broker.queued_messages() == 0,
        timeout=120,
        what="the requeued tasks to run (no sweep) and the queue to drain",
        workers=[worker],
        details=lambda: f"statuses: {status_counts()}",
    )
    log = worker.log.read_text(errors="replace")
    assert "WorkerLostError" in log, "the kill did not interrupt a running task"
    assert_processed_exactly_once(app_api.app.pk, expected, RUNS)
