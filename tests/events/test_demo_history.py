"""`seed_demo --days D`: simulated students whose work goes through the real ingestion and
pipeline, varied enough for the dashboards to be worth looking at; the history ends
yesterday, and a demo started again later gets only the days it misses."""

import copy
import math
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max, Sum

from analytics.models import DailyActivity
from events import demo as history
from events.models import CaliperEvent, Envelope, EventStatus, RejectedEvent
from gradebook.models import ItemResult, LessonMastery, XpEntry, XpFlag
from rostering.models import Course, PartnerApp, User

TODAY = date(2026, 11, 20)  # a Friday
YESTERDAY = date(2026, 11, 19)
FIRST = date(2026, 11, 6)  # 14 days up to yesterday
LATER = date(2026, 11, 25)  # the next Wednesday


def seed(*args):
    out = StringIO()
    call_command("seed_demo", "--students", "6", "--days", "14", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks, time_machine):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    time_machine.move_to("2026-11-20T18:00:00Z", tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        return seed()


def demo_events():
    return CaliperEvent.objects.filter(partner_app__name="Timeback Demo App")


def state():
    """What the history wrote, to compare before and after a rerun."""
    return {
        "events": sorted(demo_events().values_list("event_id", "status")),
        "envelopes": Envelope.objects.count(),
        "xp": sorted(XpEntry.objects.values_list("source_key", "seq", "amount")),
        "rollups": sorted(
            DailyActivity.objects.values_list("student_id", "course_id", "day", "xp", "updated_at")
        ),
        "masteries": LessonMastery.objects.count(),
        "rejected": RejectedEvent.objects.count(),
    }


@pytest.mark.django_db(transaction=False)
def test_the_history_goes_through_ingestion_and_the_pipeline(seeded):
    assert "Learning history: 14 days (2026-11-06 to 2026-11-19) of 6 students" in seeded
    stored = demo_events().count()
    assert demo_events().filter(status=EventStatus.PROCESSED).count() > 500
    # Every stored event was processed, but the few sent for a student nobody rostered.
    assert set(demo_events().values_list("status", flat=True)) == {
        EventStatus.PROCESSED,
        EventStatus.PARKED,
    }
    assert demo_events().filter(status=EventStatus.PARKED).count() < 10
    # Sent as an app sends them: envelopes of up to a thousand events, each counted.
    envelopes = Envelope.objects.filter(partner_app__name="Timeback Demo App")
    assert envelopes.count() == math.ceil((stored + RejectedEvent.objects.count()) / 1000)
    assert envelopes.aggregate(n=Sum("accepted"))["n"] == stored
    # What the pipeline derives from the events: items, XP, rollups, masteries.
    assert ItemResult.objects.count() == demo_events().filter(type="AssessmentItemEvent").count()
    assert XpEntry.objects.exists()
    assert LessonMastery.objects.exists()
    assert (
        DailyActivity.objects.aggregate(xp=Sum("xp"))["xp"]
        == XpEntry.objects.aggregate(xp=Sum("amount"))["xp"]
    )
    days = set(DailyActivity.objects.values_list("day", flat=True))
    assert max(days) == YESTERDAY and min(days) >= FIRST
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
def test_seeding_again_the_same_day_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = state()

    with django_capture_on_commit_callbacks(execute=True):
        out = seed()

    assert "Learning history: up to date" in out
    assert state() == before
    assert User.objects.filter(sourced_id__startswith="demo-student-").count() == 6


@pytest.mark.django_db
def test_a_demo_started_days_later_tops_its_history_up_to_yesterday(
    seeded, django_capture_on_commit_callbacks, time_machine
):
    days_before = dict(
        demo_events().filter(event_time__date__lt=TODAY).values_list("event_id", "status")
    )
    xp_before = dict(DailyActivity.objects.filter(day__lt=TODAY).values_list("pk", "xp"))
    time_machine.move_to("2026-11-25T07:30:00Z", tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        out = seed()

    assert "Learning history: 5 days (2026-11-20 to 2026-11-24) of 6 students" in out
    # Only the missing days were simulated; what was there is untouched.
    new = demo_events().exclude(event_id__in=list(days_before))
    assert new.exists()
    assert {e.date() for e in new.values_list("event_time", flat=True)} <= {
        TODAY,
        date(2026, 11, 23),
        date(2026, 11, 24),
    }
    assert (
        dict(demo_events().filter(event_time__date__lt=TODAY).values_list("event_id", "status"))
        == days_before
    )
    assert dict(DailyActivity.objects.filter(day__lt=TODAY).values_list("pk", "xp")) == xp_before
    # Nobody looks stale: the students who work most days were last active yesterday.
    last_active = dict(
        DailyActivity.objects.values_list("student__sourced_id").annotate(last=Max("day"))
    )
    assert last_active["demo-student-01"] == date(2026, 11, 24)
    assert max(last_active.values()) == date(2026, 11, 24)
    # And a third run, the same day, has nothing to add.
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        assert "up to date" in seed()
    assert state() == before


@pytest.mark.django_db
def test_topped_up_days_are_those_one_longer_history_would_have_had(
    seeded, django_capture_on_commit_callbacks, time_machine
):
    """Each day is drawn from its own generator, and the progress a top-up starts from is
    read back from what the pipeline derived: simulating 19 days in one go gives the same
    events as 14 days and then the 5 missing ones."""
    app = PartnerApp.objects.get(name="Timeback Demo App")
    students = list(
        User.objects.filter(sourced_id__startswith="demo-student-").order_by("sourced_id")
    )
    courses = list(Course.objects.filter(partner_app=app).order_by("sourced_id"))
    lessons = history.lessons_of(courses)
    in_one_go = history.Progress()

    def days(first, last, progress):
        events = []
        day = first
        while day <= last:
            events += history.day_events(students, courses, lessons, day, FIRST, progress, 7)
            day += timedelta(days=1)
        return events

    first_part = days(FIRST, YESTERDAY, in_one_go)
    after_first_part = copy.deepcopy(in_one_go)
    rest = days(TODAY, date(2026, 11, 24), in_one_go)

    stored = history.Progress.stored(students, courses, lessons)
    assert stored == after_first_part
    assert any(stored.position.values())  # some students moved on: the check has teeth
    assert {e["id"] for e in first_part} >= set(demo_events().values_list("event_id", flat=True))
    time_machine.move_to("2026-11-25T07:30:00Z", tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    topped_up = dict(
        demo_events().filter(event_time__date__gte=TODAY).values_list("event_id", "raw")
    )
    rejected = set(RejectedEvent.objects.values_list("event_id", flat=True))
    # The same events, to the lesson each student was on and every answer they gave.
    assert topped_up == {e["id"]: e for e in rest if e["id"] not in rejected}
    assert topped_up
