"""Two workers processing envelopes of the same students at once
(docs/operations.md#workers-scale-out) credit exactly what one worker would: an activity and the
time spent on it, in envelopes two workers process concurrently, still credit the activity once."""

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

RUNS = 1_000  # 2,000 events, 20 envelopes


def test_two_workers_at_once_credit_each_activity_once(app_api, students, broker, start_worker):
    envelopes, expected = workload(students, RUNS, seed=11)
    post_all(app_api, envelopes)
    workers = [start_worker(), start_worker()]

    wait_for(
        lambda: unprocessed() == 0 and broker.queued_messages() == 0,
        timeout=120,
        what="the two workers to process every event",
        workers=workers,
        details=lambda: f"statuses: {status_counts()}",
    )
    assert_processed_exactly_once(app_api.app.pk, expected, RUNS)
