"""Every worker asks for the sweep each period (timeback/celery.py); it runs once a period
across them (docs/operations.md#nothing-accepted-is-lost). tests/integration runs it in a real
worker with no beat."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from events import sweep
from events.models import CaliperEvent, EventStatus
from events.tasks import sweep_if_due

from .conftest import activity, envelope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_new_period():
    cache.delete(sweep.DUE_KEY)
    yield
    cache.delete(sweep.DUE_KEY)


def test_the_first_worker_asking_in_a_period_sweeps_and_the_others_skip(
    catalogue, app_api, settings
):
    settings.SWEEP_MIN_AGE = timedelta(0)
    app_api.post("/events/1.0/", envelope(activity(xpEarned=5)), format="json")  # task lost

    first, second = sweep_if_due(), sweep_if_due()

    assert first["pending"] == 1
    assert second is None
    assert CaliperEvent.objects.get().status == EventStatus.PROCESSED


def test_the_next_period_sweeps_again(catalogue):
    assert sweep_if_due() is not None
    cache.delete(sweep.DUE_KEY)  # the period's mark expires
    assert sweep_if_due() is not None
