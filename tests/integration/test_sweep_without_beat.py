"""The sweep runs without `celery beat` (docs/operations.md#nothing-accepted-is-lost): every
worker asks for it periodically, so events whose task the broker lost are processed with no
beat and no person running `process_pending`."""

import pytest

from events.models import CaliperEvent
from timeback.celery import app as celery_app

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


def test_a_sweep_queued_before_a_backlog_leaves_its_events_to_their_own_tasks(
    app_api, students, broker, start_worker, monkeypatch
):
    monkeypatch.setenv("SWEEP_EVERY_SECONDS", "0")  # only the sweep queued here runs
    monkeypatch.setenv("SWEEP_MIN_AGE_SECONDS", "0")
    celery_app.send_task("events.tasks.sweep_pending")  # as beat queues it
    envelopes, expected = workload(students, RUNS)
    post_all(app_api, envelopes)  # their tasks wait behind the sweep
    assert broker.queued_messages() == 1 + len(envelopes)

    worker = start_worker()

    wait_for(
        lambda: unprocessed() == 0 and broker.queued_messages() == 0,
        timeout=90,
        what="the sweep and the backlog to be processed",
        workers=[worker],
    )
    # The sweep found every event pending but handed none over again: their tasks were
    # queued after it (re-queued events carry the sweep's mark).
    assert CaliperEvent.objects.filter(queued_at__isnull=False).count() == 0
    assert_processed_exactly_once(app_api.app.pk, expected, RUNS)
