"""The same envelope sent twice is stored and credited once (docs/events.md#duplicates), with a real
worker process taking the work from Redis."""

from decimal import Decimal
from unittest.mock import ANY

import pytest

from analytics.models import DailyActivity
from events.models import CaliperEvent, EventStatus, TimeSpentFact
from events.tasks import process_events
from gradebook.models import XpEntry

from ..events.conftest import START, activity, envelope, time_spent
from .conftest import ledger_total, post_envelope, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_same_envelope_posted_twice_credits_once(app_api, catalogue, broker, start_worker):
    worker = start_worker()
    body = envelope(
        activity(run="run-1", at=START, xpEarned=12), time_spent(run="run-1", at=START, active=600)
    )

    first, _ = post_envelope(app_api, body)
    second, _ = post_envelope(app_api, body)

    assert first.status_code == 200, first.content
    assert first.json() == {"accepted": 2, "duplicates": 0, "rejected": [], "jobId": ANY}
    assert second.status_code == 200, second.content
    assert second.json() == {"accepted": 0, "duplicates": 2, "rejected": [], "jobId": ANY}

    def all_done():
        return (
            CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == 2
            and broker.queued_messages() == 0
        )

    wait_for(all_done, timeout=60, what="the worker to process both envelopes", workers=[worker])
    assert CaliperEvent.objects.count() == 2
    assert ledger_total() == Decimal("12.00")
    assert XpEntry.objects.count() == 1

    # The broker may deliver a task twice (acks_late): a redelivery writes nothing new.
    # The solo worker takes messages in order, so once a later envelope is processed, the
    # redelivered task has run.
    process_events.delay(list(CaliperEvent.objects.values_list("pk", flat=True)))
    later, _ = post_envelope(app_api, envelope(time_spent("stu-2", run="later", active=60)))
    assert later.json()["accepted"] == 1
    wait_for(
        lambda: CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == 3,
        timeout=60,
        what="the worker to run the redelivered task and the later envelope",
        workers=[worker],
    )
    assert ledger_total() == Decimal("12.00")
    assert XpEntry.objects.count() == 1
    assert TimeSpentFact.objects.filter(student__sourced_id="stu-1").count() == 1
    rollup = DailyActivity.objects.get(student__sourced_id="stu-1")
    assert (rollup.xp, rollup.active_seconds) == (Decimal("12.00"), 600)
