"""`seed_demo --days D`: simulated students whose work goes through the real ingestion and
pipeline, varied enough for the dashboards to be worth looking at."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from analytics.models import DailyActivity
from events.models import CaliperEvent, EventStatus, RejectedEvent
from gradebook.models import ItemResult, LessonMastery, XpEntry, XpFlag
from rostering.models import User

TODAY = date(2026, 11, 20)  # a Friday


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks, time_machine):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    time_machine.move_to("2026-11-20T18:00:00Z", tick=False)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--students", "6", "--days", "14", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=False)
def test_the_history_goes_through_ingestion_and_the_pipeline(seeded):
    assert "Learning history: 14 days of 6 students" in seeded
    assert CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() > 500
    # What the pipeline derives from the events: items, XP, rollups, masteries.
    assert ItemResult.objects.exists()
    assert XpEntry.objects.exists()
    assert LessonMastery.objects.exists()
    days = set(DailyActivity.objects.values_list("day", flat=True))
    assert max(days) == TODAY and min(days) >= date(2026, 11, 7)
    assert all(day.weekday() < 5 for day in days)


@pytest.mark.django_db
def test_the_simulated_students_differ_in_effort_and_accuracy(seeded):
    def totals(sourced_id):
        return DailyActivity.objects.filter(student__sourced_id=sourced_id).aggregate(
            active=Sum("active_seconds"),
            answered=Sum("items_answered"),
            correct=Sum("items_correct"),
        )

    diligent, struggling, distracted = (
        totals("demo-student-01"),
        totals("demo-student-03"),
        totals("demo-student-05"),
    )
    assert (
        diligent["correct"] / diligent["answered"] > struggling["correct"] / struggling["answered"]
    )
    assert diligent["active"] > 2 * distracted["active"]
    assert XpFlag.objects.filter(flagged=True, student__sourced_id="demo-student-05").exists()


@pytest.mark.django_db
def test_the_demo_app_also_sends_events_that_are_parked_or_rejected(seeded):
    assert RejectedEvent.objects.exists()
    assert CaliperEvent.objects.filter(status=EventStatus.PARKED).exists()


@pytest.mark.django_db
def test_seeding_again_leaves_the_history_alone(seeded, django_capture_on_commit_callbacks):
    before = CaliperEvent.objects.count(), XpEntry.objects.count()
    out = StringIO()
    call_command("seed_demo", "--students", "6", "--days", "14", stdout=out)
    assert "already there" in out.getvalue()
    assert (CaliperEvent.objects.count(), XpEntry.objects.count()) == before
    assert User.objects.filter(sourced_id__startswith="demo-student-").count() == 6
