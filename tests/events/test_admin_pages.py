"""The admin shows the event store, rejections, facts, rollups and the gradebook."""

import pytest
from django.contrib import admin

from events.models import CaliperEvent

from .conftest import activity, time_spent

pytestmark = pytest.mark.django_db
APPS = ("events", "gradebook", "logger", "analytics")


def test_every_events_gradebook_and_logger_model_has_a_working_changelist(
    admin_client, catalogue, send
):
    event = activity(run="r", totalQuestions=10, correctQuestions=10, masteredUnits=1)
    event["object"]["process"] = True
    send(event, time_spent(run="r", active=600), activity(student="ghost", xpEarned=1))
    assert CaliperEvent.objects.count() == 3

    models = [m for m in admin.site._registry if m._meta.app_label in APPS]
    assert {"CaliperEvent", "XpEntry", "AssessmentResult", "AttemptLog", "DailyActivity"} <= {
        m.__name__ for m in models
    }
    for model in models:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = admin_client.get(url)
        assert response.status_code == 200, url
