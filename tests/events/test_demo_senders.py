"""The demo's history sent by several senders at once (`events.demo.simulate(clients=N)`,
what `seed_demo` does on a committed roster): each sender its own thread and connection,
its envelopes naming its students only. What the pipeline derives must be exactly what one
sender's envelopes give."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from analytics.models import DailyActivity
from events import demo as history
from events.models import CaliperEvent, Envelope, EventStatus
from gradebook.models import AssessmentResult, ItemResult, LessonMastery, XpEntry, XpFlag
from rostering import demo
from rostering.models import Course, User

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 5)  # Monday to Thursday
STUDENTS = 5


def derived() -> dict:
    """Everything the pipeline derived from the history, by natural keys (no row ids)."""
    return {
        "events": sorted(CaliperEvent.objects.values_list("event_id", "status")),
        "xp": sorted(
            XpEntry.objects.values_list("student__sourced_id", "source_key", "seq", "amount")
        ),
        "flags": sorted(XpFlag.objects.values_list("source_key", "flagged", "reported_xp")),
        "masteries": sorted(
            LessonMastery.objects.values_list(
                "student__sourced_id", "lesson__sourced_id", "mastered_at"
            )
        ),
        "results": sorted(
            AssessmentResult.objects.values_list(
                "sourced_id", "line_item__sourced_id", "score", "score_date", "metadata"
            ),
            key=repr,
        ),
        "items": sorted(
            ItemResult.objects.values_list("student__sourced_id", "item_ref", "correct")
        ),
        "rollups": sorted(
            DailyActivity.objects.values_list(
                "student__sourced_id",
                "course__sourced_id",
                "day",
                "xp",
                "active_seconds",
                "wasted_seconds",
                "items_answered",
                "items_correct",
                "lessons_mastered",
                "mastered_units",
            )
        ),
    }


def forget_the_history() -> None:
    """Empty what the history wrote and derived; the roster and catalogue stay."""
    tables = [
        model._meta.db_table
        for label in ("events", "gradebook", "analytics")
        for model in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def send(clients: int) -> history.SimulationResult:
    app = demo.current_logins().app
    students = list(
        User.objects.filter(sourced_id__startswith="demo-student-").order_by("sourced_id")
    )
    courses = list(Course.objects.filter(partner_app=app).order_by("sourced_id"))
    return history.simulate(
        app=app, students=students, courses=courses, first=FIRST, last=LAST, clients=clients
    )


def senders_per_envelope(envelopes) -> set[int]:
    """How many senders' students (students dealt n % 2) each envelope names."""
    return {
        len(
            {
                int(ref.removeprefix("demo-student-")) % 2
                for ref in CaliperEvent.objects.filter(
                    envelope_id=envelope.pk, student_ref__startswith="demo-student-"
                ).values_list("student_ref", flat=True)
            }
        )
        for envelope in envelopes
    }


# serialized_rollback: its flush then skips post_migrate, so a serialized-rollback test after
# it does not meet content types created twice (an IntegrityError at its set-up).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_several_senders_derive_what_one_sender_derives(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    # Transactional tests elsewhere flush what migrations wrote: put the sandbox org back
    # with the data migration's own (idempotent) function, as tests/e2e's demo does.
    import_module("rostering.migrations.0003_partner_sandbox_org").create_sandbox_org(apps, None)
    monkeypatch.setattr(history, "ENVELOPE_EVENTS", 100)  # several envelopes per sender
    demo.seed_demo(students=STUDENTS, today=LAST)

    alone = send(clients=1)
    one_sender = derived()
    alone_envelopes = list(Envelope.objects.all())
    assert senders_per_envelope(alone_envelopes) == {2}
    forget_the_history()
    together = send(clients=2)
    two_senders = derived()

    assert two_senders == one_sender
    assert (together.events, together.accepted, together.rejected) == (
        alone.events,
        alone.accepted,
        alone.rejected,
    )
    assert len(one_sender["events"]) > 400 and one_sender["masteries"]
    assert {status for _, status in one_sender["events"]} == {
        EventStatus.PROCESSED,
        EventStatus.PARKED,
    }
    # One sender's envelopes mixed the students; the two senders' name one sender's each.
    assert senders_per_envelope(Envelope.objects.all()) == {1}
