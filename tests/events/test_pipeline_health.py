"""`manage.py pipeline_health`: whether the pipeline keeps up (docs/operations.md#health),
for a monitor that reads its exit code and its one JSON line."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import CaliperEvent, EventStatus

from .conftest import activity, envelope

pytestmark = pytest.mark.django_db


def health(*args):
    """The command's exit status and its JSON answer."""
    out = StringIO()
    try:
        call_command("pipeline_health", *args, stdout=out)
        status = 0
    except SystemExit as leaving:
        status = leaving.code
    return status, json.loads(out.getvalue())


def lose_tasks(app_api, *events, age_seconds):
    """Post the events without running the on-commit hand-off (as if the broker lost their
    task), received `age_seconds` ago."""
    app_api.post("/events/1.0/", envelope(*events), format="json")
    received = timezone.now() - timedelta(seconds=age_seconds)
    CaliperEvent.objects.filter(status=EventStatus.PENDING).update(received_at=received)


def test_an_idle_pipeline_is_healthy(catalogue):
    status, answer = health()

    assert status == 0
    assert answer == {
        "healthy": True,
        "pending": 0,
        "oldest_pending_seconds": None,
        "parked": 0,
        "failed": 0,
        "max_pending_age_seconds": 300,
    }


def test_a_fresh_backlog_is_counted_and_still_healthy(catalogue, app_api):
    lose_tasks(app_api, activity(xpEarned=5), activity(xpEarned=6), age_seconds=20)

    status, answer = health()

    assert status == 0
    assert answer["pending"] == 2
    assert 20 <= answer["oldest_pending_seconds"] < 60


def test_events_pending_longer_than_the_limit_make_it_exit_non_zero(catalogue, app_api):
    lose_tasks(app_api, activity(xpEarned=5), age_seconds=400)

    status, answer = health()

    assert status == 1
    assert answer["healthy"] is False
    assert answer["pending"] == 1
    assert answer["oldest_pending_seconds"] >= 400


def test_the_limit_is_an_option(catalogue, app_api):
    lose_tasks(app_api, activity(xpEarned=5), age_seconds=90)

    assert health("--max-age", "60")[0] == 1
    assert health("--max-age", "120")[0] == 0


def test_the_sweep_brings_it_back_to_healthy(catalogue, app_api):
    lose_tasks(app_api, activity(xpEarned=5), age_seconds=400)

    call_command("process_pending", min_age=0)

    assert health() == (0, {**health()[1], "healthy": True, "pending": 0})
