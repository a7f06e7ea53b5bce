"""The sweep never re-queues an event whose task still waits in the queue
(docs/operations.md#nothing-accepted-is-lost): a sweep that came through the queue re-queues
only what was handed over before it was queued, and marks what it re-queues so that a sweep
queued before that hand-over leaves it alone. tests/integration runs it with a real worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import sweep
from events.models import CaliperEvent, EventStatus
from events.tasks import queued_at

from .conftest import activity, envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_over(monkeypatch):
    """What the sweep hands to the queue: a broker that takes tasks, no worker yet."""
    tasks = []
    monkeypatch.setattr(sweep, "enqueue", tasks.append)
    return tasks


@pytest.fixture
def two_pending(app_api, catalogue):
    """Two stored pending events (the commit never runs in a test transaction, so no task
    was handed over), received ten and one minute ago."""
    response = app_api.post(
        "/ims/caliper/v1p2/events",
        envelope(activity(xpEarned=1), activity(xpEarned=2)),
        format="json",
    )
    assert response.json()["accepted"] == 2
    old, new = CaliperEvent.objects.order_by("pk")
    now = timezone.now()
    CaliperEvent.objects.filter(pk=old.pk).update(received_at=now - timedelta(minutes=10))
    CaliperEvent.objects.filter(pk=new.pk).update(received_at=now - timedelta(minutes=1))
    return old.pk, new.pk


def test_a_queued_sweep_re_queues_only_what_was_handed_over_before_it_was_queued(
    two_pending, handed_over
):
    old, new = two_pending
    queued = timezone.now() - timedelta(minutes=5)  # the sweep waited behind a backlog

    counts = sweep.run(min_age=timedelta(0), queued_at=queued)

    assert counts["pending"] == 1
    assert handed_over == [[old]]  # the newer event's task is still behind the sweep


def test_a_sweep_run_by_hand_re_queues_every_pending_event_older_than_the_minimum_age(
    two_pending, handed_over
):
    old, new = two_pending
    assert sweep.run(min_age=timedelta(seconds=30))["pending"] == 2
    assert handed_over == [[old, new]]


def test_an_event_re_queued_is_left_alone_by_a_sweep_queued_before_it_and_retried_after(
    two_pending, handed_over
):
    old, new = two_pending
    sweep.run(min_age=timedelta(0))
    assert CaliperEvent.objects.filter(queued_at__isnull=False).count() == 2
    handed_over.clear()

    queued_before = timezone.now() - timedelta(seconds=1)
    assert sweep.run(min_age=timedelta(0), queued_at=queued_before)["pending"] == 0
    assert handed_over == []

    queued_after = timezone.now() + timedelta(seconds=1)
    assert sweep.run(min_age=timedelta(0), queued_at=queued_after)["pending"] == 2
    assert CaliperEvent.objects.filter(status=EventStatus.PENDING).count() == 2


def test_a_task_knows_when_its_message_was_published_from_its_header():
    class Request(dict):
        pass

    assert queued_at(Request()) is None
    stamp = timezone.now().timestamp()
    assert queued_at(Request(queued_at=stamp)).timestamp() == pytest.approx(stamp)
