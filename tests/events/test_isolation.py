"""Processing isolates failures (docs/operations.md#failed-events): a batch that fails is
retried event by event; an event that still fails is set aside as `failed` with its error,
never retried by the sweep, and re-processed by `manage.py reprocess_failed` once fixed."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from events import pipeline, sweep
from events.models import CaliperEvent, EventStatus
from gradebook.models import XpEntry

from .conftest import activity, envelope

POISON_XP = 10**12  # beyond the ledger's decimal(12, 2) column: the insert fails


def total_xp():
    return XpEntry.objects.aggregate(s=Sum("amount"))["s"] or Decimal(0)


@pytest.fixture
def stored(app_api, catalogue):
    """100 stored, unprocessed ActivityEvents (the commit never runs in a test transaction,
    so nothing is handed to a worker); the 50th is made poison behind ingestion's back."""
    events = [activity(xpEarned=1, attempt=n + 1) for n in range(100)]
    response = app_api.post("/ims/caliper/v1p2/events", envelope(*events), format="json")
    assert response.json()["accepted"] == 100
    ids = list(CaliperEvent.objects.order_by("pk").values_list("pk", flat=True))
    poison = CaliperEvent.objects.get(pk=ids[49])
    poison.raw["generated"]["items"] = [{"type": "xpEarned", "value": POISON_XP}]
    poison.save(update_fields=["raw"])
    return ids, poison.pk


def test_a_poison_event_in_a_batch_fails_alone_and_the_99_others_are_credited(stored):
    ids, poison = stored
    assert pipeline.process(ids) == 99

    assert total_xp() == Decimal(99)
    assert CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == 99
    failed = CaliperEvent.objects.get(pk=poison)
    assert failed.status == EventStatus.FAILED
    assert "numeric" in failed.error.lower()


def test_the_sweep_does_not_retry_a_failed_event(stored):
    ids, poison = stored
    pipeline.process(ids)
    counts = sweep.run(min_age=timedelta(0))
    assert counts["pending"] == 0 and counts["parked"] == 0
    assert CaliperEvent.objects.get(pk=poison).status == EventStatus.FAILED


def test_a_failed_event_is_reprocessed_by_the_command_once_fixed(stored, app_api):
    ids, poison = stored
    pipeline.process(ids)
    event = CaliperEvent.objects.get(pk=poison)
    event.raw["generated"]["items"] = [{"type": "xpEarned", "value": 1}]
    event.save(update_fields=["raw"])

    out = StringIO()
    call_command("reprocess_failed", "--app", str(app_api.app.pk), stdout=out)

    assert "1 failed event" in out.getvalue()
    event.refresh_from_db()
    assert (event.status, event.error) == (EventStatus.PROCESSED, "")
    assert total_xp() == Decimal(100)


def test_reprocessing_an_event_that_still_fails_sets_it_aside_again(stored):
    ids, poison = stored
    pipeline.process(ids)
    call_command("reprocess_failed", stdout=StringIO())
    assert CaliperEvent.objects.get(pk=poison).status == EventStatus.FAILED
    assert total_xp() == Decimal(99)


def test_reprocess_failed_takes_only_the_named_apps_events(stored, make_partner):
    ids, poison = stored
    pipeline.process(ids)
    other = make_partner("Other App").app
    call_command("reprocess_failed", "--app", str(other.pk), stdout=StringIO())
    assert CaliperEvent.objects.get(pk=poison).status == EventStatus.FAILED


def test_the_admin_lists_failed_events_with_their_error(stored, admin_client):
    ids, poison = stored
    pipeline.process(ids)
    response = admin_client.get("/admin/events/caliperevent/", {"status__exact": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert CaliperEvent.objects.get(pk=poison).event_id in page
    assert "NumericValueOutOfRange" in page or "numeric field overflow" in page


def test_the_job_of_an_envelope_with_a_failed_event_is_failed_not_waiting(stored, app_api):
    ids, poison = stored
    pipeline.process(ids)
    envelope_id = CaliperEvent.objects.get(pk=poison).envelope_id
    response = app_api.get(f"/jobs/{envelope_id}/status")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["job"]["state"] == "failed"
