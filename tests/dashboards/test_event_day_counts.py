"""The developer page's events chart sums per-(app, day) deltas that triggers on the event
store append (analytics.counts, migration analytics.0004). Whatever stores, deletes or
moves events, the chart equals a COUNT over the events it shows; duplicates and rejected
events are not counted (they are not stored); writers never wait on each other for it."""

import importlib
from collections import Counter
from datetime import UTC, timedelta

import orjson
import psycopg
import pytest
from django.db import connection

from analytics import counts
from analytics.models import EventDayCount
from events import services
from events.models import CaliperEvent, RejectedEvent
from tests.factories import PartnerAppFactory

from .test_developer_why import DATA_VERSION, NOW, timeback_event

pytestmark = [pytest.mark.django_db]


def counted(app) -> dict:
    """The truth: a COUNT over the app's stored events per UTC day of event time."""
    return dict(
        Counter(
            t.astimezone(UTC).date()
            for t in CaliperEvent.objects.filter(partner_app=app).values_list(
                "event_time", flat=True
            )
        )
    )


def charted(school, login) -> dict:
    page = login(school.developer).get(f"/developers/apps/{school.app.pk}/")
    return {d.day: d.accepted for d in page.context["report"].event_days if d.accepted}


def in_chart(school, login) -> dict:
    chart = charted(school, login)
    days = {d.day for d in _days(school, login)}
    return chart, {d: n for d, n in counted(school.app).items() if d in days}


def _days(school, login):
    return (
        login(school.developer)
        .get(f"/developers/apps/{school.app.pk}/")
        .context["report"]
        .event_days
    )


def post(app, *events):
    body = orjson.dumps(
        {
            "sensor": "https://app.example",
            "sendTime": NOW.isoformat(),
            "dataVersion": DATA_VERSION,
            "data": list(events),
        }
    )
    return services.ingest(app=app, body=body)


def test_the_chart_equals_a_count_of_the_stored_events_as_envelopes_arrive(school, login):
    student, course = school.students[0].sourced_id, school.course.sourced_id
    other = PartnerAppFactory(name="Other app", client=False)

    def event(days_ago, **extra):
        return timeback_event(
            "TimeSpentEvent",
            student,
            course,
            "https://app.example/a",
            {"active": 60},
            at=NOW - timedelta(days=days_ago, hours=extra.pop("hours", 0)),
        )

    first = [event(0), event(0), event(1), event(3, hours=15)]
    post(school.app, *first)
    post(other, event(0), event(1))  # another app's: not on this chart
    chart, truth = in_chart(school, login)
    assert chart == truth == {NOW.date(): 2, (NOW - timedelta(days=1)).date(): 1,
                              (NOW - timedelta(days=4)).date(): 1}  # fmt: skip

    # A history sent late (days already viewed), a duplicate of a stored event, and an event
    # whose eventTime is not a date-time (rejected, kept apart): only the new ones count.
    broken = event(2)
    broken["eventTime"] = "20/11/2026"
    post(school.app, event(5), event(5), event(1), first[0], broken)
    assert RejectedEvent.objects.filter(partner_app=school.app).count() == 1
    chart, truth = in_chart(school, login)
    assert chart == truth
    assert chart[(NOW - timedelta(days=5)).date()] == 2
    assert chart[(NOW - timedelta(days=1)).date()] == 2
    assert chart[NOW.date()] == 2  # the duplicate is not stored, not counted


def test_the_chart_follows_events_deleted_or_moved_to_another_day_or_app(school, login):
    def store(n, days_ago):
        CaliperEvent.objects.bulk_create(
            CaliperEvent(
                partner_app=school.app,
                event_id=f"e-{days_ago}-{i}",
                type="ViewEvent",
                action="Viewed",
                event_time=NOW - timedelta(days=days_ago),
                received_at=NOW,
                raw={},
                status="processed",
            )
            for i in range(n)
        )

    store(5, 0)
    store(4, 2)
    CaliperEvent.objects.filter(event_id__in=["e-0-0", "e-0-1"]).delete()
    CaliperEvent.objects.filter(event_id="e-2-0").update(event_time=NOW - timedelta(days=6))
    CaliperEvent.objects.filter(event_id="e-2-1").update(
        partner_app=PartnerAppFactory(name="Elsewhere", client=False)
    )
    moved = CaliperEvent.objects.get(event_id="e-2-2")
    moved.event_time = NOW - timedelta(days=1)
    moved.save()  # every column set: the moved day counts once, the unmoved rows not at all
    CaliperEvent.objects.filter(event_id__startswith="e-0-").update(status="failed")
    chart, truth = in_chart(school, login)
    assert chart == truth
    assert chart == {NOW.date(): 3, (NOW - timedelta(days=1)).date(): 1,
                     (NOW - timedelta(days=2)).date(): 1, (NOW - timedelta(days=6)).date(): 1}  # fmt: skip


def test_a_view_folds_a_windows_many_deltas_into_one_row_a_day(school, login):
    for i in range(counts.FOLD_ABOVE + 5):  # one statement each: one delta row each
        CaliperEvent.objects.create(
            partner_app=school.app,
            event_id=f"single-{i}",
            type="ViewEvent",
            action="Viewed",
            event_time=NOW - timedelta(days=i % 3),
            received_at=NOW,
            raw={},
            status="processed",
        )
    rows = EventDayCount.objects.filter(partner_app=school.app)
    assert rows.count() == counts.FOLD_ABOVE + 5
    chart, truth = in_chart(school, login)
    assert chart == truth
    assert rows.count() == 3  # folded by the view: one row a day
    assert charted(school, login) == truth
    CaliperEvent.objects.filter(event_id="single-0").delete()
    assert counts.fold_events() == 2  # the day's row and the deletion's, into one
    assert charted(school, login) == counted(school.app)


def test_the_migration_backfills_the_counts_of_events_stored_before_it(school, login):
    for days_ago, n in ((0, 3), (4, 2), (40, 1)):
        CaliperEvent.objects.bulk_create(
            CaliperEvent(
                partner_app=school.app,
                event_id=f"old-{days_ago}-{i}",
                type="ViewEvent",
                action="Viewed",
                event_time=NOW - timedelta(days=days_ago),
                received_at=NOW,
                raw={},
                status="processed",
            )
            for i in range(n)
        )
    EventDayCount.objects.all().delete()
    assert charted(school, login) == {}
    migration = importlib.import_module("analytics.migrations.0004_event_day_counts")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert {r.day: r.events for r in EventDayCount.objects.all()} == counted(school.app)
    chart, truth = in_chart(school, login)
    assert chart == truth and len(chart) == 2


@pytest.mark.django_db(transaction=True)
def test_writers_of_the_same_app_and_day_and_a_fold_do_not_wait_on_each_other(school):
    """An envelope whose transaction is still open does not hold up another of the same app
    and day, nor a fold (a single counter row per day would)."""

    def event(key):
        return (
            "INSERT INTO events_caliperevent (partner_app_id, event_id, envelope_id, type,"
            " action, event_time, received_at, raw, student_ref, course_ref, lesson_refs,"
            " run_key, activity_key, status)"
            f" VALUES ({school.app.pk}, '{key}', gen_random_uuid(), 'ViewEvent', 'Viewed',"
            f" '{NOW.isoformat()}', now(), '{{}}', '', '', '[]', '', '', 'processed')"
        )

    params = connection.get_connection_params()
    with psycopg.connect(**params) as first, psycopg.connect(**params) as second:
        first.execute(event("first"))  # open: not committed
        second.execute("SET lock_timeout = '2s'")
        second.execute(event("second"))
        second.commit()
        folded = psycopg.connect(**params)
        folded.execute("SET lock_timeout = '2s'")
        folded.execute(f"INSERT INTO {EventDayCount._meta.db_table} (partner_app_id, day,"
                       f" events) VALUES ({school.app.pk}, '{NOW.date()}', 0)")  # fmt: skip
        folded.commit()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        assert counts.fold_events() == 2  # the committed delta and the zero one
        first.commit()
        folded.close()
    assert counts.events_per_day(school.app.pk, NOW.date(), NOW.date()) == {NOW.date(): 2}


def test_emptying_the_event_store_empties_the_counts(school, login):
    post(school.app, timeback_event("TimeSpentEvent", school.students[0].sourced_id,
                                    school.course.sourced_id, "https://app.example/a",
                                    {"active": 60}))  # fmt: skip
    assert charted(school, login) == {NOW.date(): 1}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE events_caliperevent CASCADE")
    assert charted(school, login) == {} and not EventDayCount.objects.exists()


def test_the_beat_task_folds_every_apps_days(school):
    from analytics.tasks import fold_counts

    other = PartnerAppFactory(name="Other app", client=False)
    for n, app in enumerate([school.app, other, school.app, other, school.app]):
        CaliperEvent.objects.create(
            partner_app=app, event_id=f"b-{n}", type="ViewEvent", action="Viewed",
            event_time=NOW - timedelta(days=400 * (n % 2)), received_at=NOW, raw={},
            status="processed",
        )  # fmt: skip
    assert EventDayCount.objects.count() == 5
    assert fold_counts.apply().get() == 5
    assert sorted(EventDayCount.objects.values_list("partner_app_id", "events")) == sorted(
        [(school.app.pk, 3), (other.pk, 2)]
    )
