"""The sweep runs without `celery beat` (docs/operations.md#nothing-accepted-is-lost): every
worker asks for it periodically, so events whose task the broker lost are processed with no
beat and no person running `process_pending`."""

import pytest

from .conftest import (
    assert_processed_exactly_once,
    post_all,
    status_counts,
    unprocessed,
    wait_for,
    workload,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RUNS = 100  # 200 events in 2 envelopes


def test_a_worker_alone_sweeps_the_events_whose_tasks_were_lost(
    app_api, students, broker, start_worker, monkeypatch
):
    monkeypatch.setenv("SWEEP_EVERY_SECONDS", "1")
    monkeypatch.setenv("SWEEP_MIN_AGE_SECONDS", "0")
    envelopes, expected = workload(students, RUNS)
    post_all(app_api, envelopes)
    assert status_counts() == {"pending": 2 * RUNS}
    broker.flush()  # the broker lost every task
    assert broker.queued_messages() == 0

    worker = start_worker()  # no beat anywhere, and nobody runs the sweep by hand

    wait_for(
        lambda: unprocessed() == 0,
        timeout=90,
        what="the worker's own sweep to process the events whose tasks were lost",
        workers=[worker],
    )
    assert_processed_exactly_once(app_api.app.pk, expected, RUNS)
