"""Accept fast (docs/architecture.md#the-event-pipeline): an envelope costs the same two
statements whatever its size and whatever it holds (new events, duplicates, rejections):
one resolving its students, courses and lessons, one storing its events, the envelope and
its rejections. Each statement more is a round trip on every request."""

import uuid

import orjson
import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import CaliperEvent, Envelope, RejectedEvent

from .conftest import activity, envelope, time_spent


def test_an_envelope_of_many_events_is_resolved_and_stored_in_two_statements(world, catalogue):
    events = [activity(xpEarned=5) for _ in range(30)] + [time_spent(active=60)] * 2
    bad = activity()
    bad["actor"] = "not a user"
    with CaptureQueriesContext(connection) as queries:
        answer = services.ingest(app=world.math.app, body=orjson.dumps(envelope(*events, bad)))
    assert len(queries.captured_queries) == 2, [q["sql"][:80] for q in queries]
    assert (answer.accepted, answer.duplicates, len(answer.rejected)) == (31, 1, 1)
    stored = Envelope.objects.get(pk=answer.envelope_id)
    assert (stored.accepted, stored.duplicates, stored.rejected) == (31, 1, 1)
    assert CaliperEvent.objects.filter(envelope_id=answer.envelope_id).count() == 31
    kept = RejectedEvent.objects.get(envelope_id=answer.envelope_id)
    assert kept.index == 32 and kept.partner_app_id == world.math.app.pk and kept.errors


def test_an_envelope_sent_again_is_stored_as_duplicates_with_its_own_envelope_row(world, catalogue):
    body = orjson.dumps(envelope(activity(xpEarned=5), time_spent(active=60)))
    first = services.ingest(app=world.math.app, body=body)
    again = services.ingest(app=world.math.app, body=body)
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates, again.stored_ids) == (0, 2, [])
    stored = Envelope.objects.get(pk=again.envelope_id)
    assert (stored.accepted, stored.duplicates, stored.rejected) == (0, 2, 0)
    assert CaliperEvent.objects.count() == 2


def test_an_envelope_of_rejected_events_only_is_kept_with_its_counts(world, catalogue):
    bad = activity()
    bad["eventTime"] = "yesterday"
    answer = services.ingest(app=world.math.app, body=orjson.dumps(envelope(bad, bad)))
    assert (answer.accepted, len(answer.rejected)) == (0, 2)
    stored = Envelope.objects.get(pk=answer.envelope_id)
    assert (stored.accepted, stored.duplicates, stored.rejected) == (0, 0, 2)
    assert RejectedEvent.objects.filter(envelope_id=answer.envelope_id).count() == 2
    assert not CaliperEvent.objects.exists()


def test_submissions_asking_for_results_are_numbered_in_the_same_two_statements(world, catalogue):
    """The stored attempts a resent submission may repeat (services.RetriedAttempts) are
    read with the references, not in a query of their own."""
    first = activity(xpEarned=5, attempt=1)
    first["object"]["process"] = True
    services.ingest(app=world.math.app, body=orjson.dumps(envelope(first)))
    resent = {**first, "id": f"urn:uuid:{uuid.uuid4()}", "generated": {**first["generated"]}}
    resent["generated"]["attempt"] = 2  # the SDK numbers a resend as a new attempt
    other = activity(xpEarned=7, attempt=1)
    other["object"]["process"] = True
    with CaptureQueriesContext(connection) as queries:
        answer = services.ingest(app=world.math.app, body=orjson.dumps(envelope(resent, other)))
    assert len(queries.captured_queries) == 2, [q["sql"][:80] for q in queries]
    assert answer.accepted == 2
    keys = dict(
        CaliperEvent.objects.filter(envelope_id=answer.envelope_id).values_list(
            "event_id", "activity_key"
        )
    )
    # the resend is the stored attempt 1 again; the other submission keeps its own number
    assert keys == {resent["id"]: "lesson-1|1", other["id"]: "lesson-1|1"}


def test_a_student_with_stored_events_cannot_be_deleted_without_a_database_constraint(
    world, catalogue
):
    """The events table's references carry no foreign-key constraint (docs/decisions.md,
    "The events table: references checked by ingestion"); Django's PROTECT still refuses
    to delete what a stored event names."""
    services.ingest(app=world.math.app, body=orjson.dumps(envelope(activity(xpEarned=5))))
    student = CaliperEvent.objects.get().student
    with pytest.raises(ProtectedError):
        student.delete()
    assert CaliperEvent.objects.get().student_id == student.pk


def test_each_stored_event_keeps_its_body_as_sent_and_its_envelopes_app_id_and_time(
    world, catalogue
):
    """The store statement passes the app, the envelope id and the time received once for
    the envelope, and each event's columns in one JSON document."""
    sent = [activity(xpEarned=5.5, totalQuestions=10), time_spent(active=61, inactive=3)]
    sent[0]["extensions"] = {"note": 'quote " and backslash \\ and é', "n": [1, 2.5, None]}
    answer = services.ingest(app=world.math.app, body=orjson.dumps(envelope(*sent)))
    stored = Envelope.objects.get(pk=answer.envelope_id)
    rows = CaliperEvent.objects.filter(envelope_id=answer.envelope_id).order_by("pk")
    assert [row.raw for row in rows] == sent
    assert {(row.partner_app_id, row.received_at) for row in rows} == {
        (world.math.app.pk, stored.received_at)
    }
    assert [(row.type, row.student.sourced_id, row.lesson.sourced_id) for row in rows] == [
        ("ActivityEvent", "stu-1", "lesson-1"),
        ("TimeSpentEvent", "stu-1", "lesson-1"),
    ]
