"""The benchmark school loader writes what the real pipeline would: processing its stored
events again from scratch gives the same ledger and rollups."""

import sys
from pathlib import Path

import pytest
from django.apps import apps

from analytics.models import DailyActivity
from events import pipeline
from events.models import CaliperEvent, EventStatus
from gradebook.models import ItemResult, LessonMastery, MasteryCredit, XpEntry

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import school as bench_school  # noqa: E402

pytestmark = [
    pytest.mark.django_db,
]

ROLLUP_FIELDS = (
    "student_id",
    "course_id",
    "day",
    "xp",
    "active_seconds",
    "wasted_seconds",
    "inactive_seconds",
    "items_answered",
    "items_correct",
    "lessons_mastered",
    "mastered_units",
)


def rollups():
    return set(DailyActivity.objects.values_list(*ROLLUP_FIELDS))


def test_the_bulk_loaded_school_matches_what_the_pipeline_derives_from_its_events():
    school = bench_school.build_school(
        students=4, class_size=2, days=7, events=200, lessons=3, prefix="t", log=lambda *a: None
    )
    assert school.events == CaliperEvent.objects.count() > 0
    loaded = rollups()
    loaded_xp = sum(XpEntry.objects.values_list("amount", flat=True))

    derived = [
        model
        for model in apps.get_app_config("events").get_models()
        if model is not CaliperEvent and model._meta.db_table != "events_rejectedevent"
    ] + [XpEntry, ItemResult, MasteryCredit, LessonMastery]
    for model in derived:
        model.objects.all().delete()
    CaliperEvent.objects.update(status=EventStatus.PENDING, processed_at=None)
    pipeline.process(list(CaliperEvent.objects.values_list("pk", flat=True)))

    assert CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == school.events
    assert sum(XpEntry.objects.values_list("amount", flat=True)) == loaded_xp
    assert rollups() == loaded
