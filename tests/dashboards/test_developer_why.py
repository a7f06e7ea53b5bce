"""The developer page says why events don't count (docs/dashboards.md#developer): parked
events with what would resolve them, rejected samples as JSON, the events chart by event
time with rejections on their own scale, and activities outside the catalogue."""

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from events.models import CaliperEvent, RejectedEvent

from .conftest import DATA_VERSION, NOW, TODAY

ACTIVITY = "https://app.example/activities/Math/g3/fractions-warmup"


def timeback_event(kind, student, course, object_id, items, *, at=NOW, run="run-1", attempt=1):
    event = {
        "@context": DATA_VERSION,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": kind,
        "action": "Completed" if kind == "ActivityEvent" else "SpentTime",
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "profile": "TimebackProfile",
        "actor": {"id": f"https://sis.example/users/{student}", "type": "TimebackUser"},
        "object": {
            "id": object_id,
            "type": "TimebackActivityContext",
            "course": {"id": f"https://sis.example/courses/{course}"},
            "activity": {"name": "Fractions warm-up"},
        },
        "generated": {
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": "TimebackActivityMetricsCollection"
            if kind == "ActivityEvent"
            else "TimebackTimeSpentMetricsCollection",
            "items": [{"type": name, "value": value} for name, value in items.items()],
        },
        "extensions": {"runId": run},
    }
    if kind == "ActivityEvent":
        event["generated"]["attempt"] = attempt
    return event


def page_of(school, login):
    return login(school.developer).get(f"/developers/apps/{school.app.pk}/")


def test_parked_events_are_listed_with_what_would_resolve_them(school, login, send):
    course = school.course.sourced_id
    send(
        timeback_event("ActivityEvent", "not-yet-rostered", course, ACTIVITY, {"xpEarned": 3}),
        timeback_event(
            "ActivityEvent",
            school.students[0].sourced_id,
            "course-to-come",
            ACTIVITY,
            {"xpEarned": 1},
        ),
    )
    page = page_of(school, login)
    reasons = sorted(r for _, rs in page.context["report"].parked for r in rs)
    assert reasons == [
        "course 'course-to-come' not published",
        "student 'not-yet-rostered' not rostered",
    ]
    html = page.content.decode()
    assert "student &#x27;not-yet-rostered&#x27; not rostered" in html
    assert 'data-testid="parked-events"' in html


def test_a_rejected_sample_is_shown_as_indented_json(school, login):
    RejectedEvent.objects.create(
        partner_app=school.app,
        envelope_id=uuid.uuid4(),
        index=0,
        errors=["actor: required"],
        raw={"id": "bad-1", "ok": True, "none": None},
        received_at=NOW,
    )
    html = page_of(school, login).content.decode()
    assert "&quot;ok&quot;: true" in html and "&quot;none&quot;: null" in html
    assert "&#x27;ok&#x27;: True" not in html  # not Python's repr


def test_the_events_chart_counts_by_event_time_with_rejections_on_their_own_scale(school, login):
    history = datetime(2026, 11, 12, 10, tzinfo=UTC)  # sent today, learnt a week ago
    CaliperEvent.objects.bulk_create(
        CaliperEvent(
            partner_app=school.app,
            event_id=f"h-{n}",
            type="ViewEvent",
            action="Viewed",
            event_time=history,
            received_at=NOW,
            raw={},
            status="processed",
        )
        for n in range(40)
    )
    RejectedEvent.objects.create(
        partner_app=school.app,
        envelope_id=uuid.uuid4(),
        index=0,
        errors=["object: required"],
        raw={"id": "bad", "eventTime": "2026-11-12T09:00:00Z"},
        received_at=NOW,
    )
    page = page_of(school, login)
    by_day = {d.day: (d.accepted, d.rejected) for d in page.context["report"].event_days}
    assert by_day[history.date()] == (40, 1)
    assert by_day[TODAY] == (0, 0)
    chart = page.context["events_chart"]
    assert [(s["label"], s["axis"]) for s in chart["series"]] == [
        ("Accepted", "y"),
        ("Rejected", "y2"),
    ]
    script = page.content.decode().split('id="events-data"')[1].split(">", 1)[1]
    data = json.loads(script.split("</script>")[0])
    assert data["series"][1]["axis"] == "y2"


def test_activities_outside_the_catalogue_get_their_own_figures(school, login, send):
    student = school.students[0].sourced_id
    course = school.course.sourced_id
    send(
        timeback_event("TimeSpentEvent", student, course, ACTIVITY, {"active": 420, "waste": 60}),
        timeback_event(
            "ActivityEvent",
            student,
            course,
            ACTIVITY,
            {"xpEarned": 7, "totalQuestions": 10, "correctQuestions": 9, "masteredUnits": 1},
        ),
        timeback_event(
            "ActivityEvent", student, course, ACTIVITY, {"xpEarned": 2}, run="run-2", attempt=2
        ),
    )
    page = page_of(school, login)
    (figures,) = page.context["report"].activities
    assert figures.activity == ACTIVITY
    assert (figures.students, figures.attempts) == (1, 2)
    assert figures.xp == Decimal("9.00")
    assert (figures.active_seconds, figures.wasted_seconds) == (420, 60)
    assert (figures.questions, figures.correct, figures.mastered_units) == (10, 9, Decimal(1))
    assert ACTIVITY in page.content.decode()


def test_the_events_chart_counts_stay_exact_as_new_events_arrive_and_settle(school, login):
    """The chart's per-day counts (dashboards.selectors.accepted_per_event_day, once a cache
    topped up with later arrivals, now the event store's per-day deltas) answer at each view
    what a full count answers, as events arrive for past days and time passes."""
    from datetime import timedelta

    import time_machine

    learnt = datetime(2026, 11, 12, 10, tzinfo=UTC)

    def store(n, received_at, event_time=learnt):
        CaliperEvent.objects.bulk_create(
            CaliperEvent(
                partner_app=school.app,
                event_id=f"e-{received_at.isoformat()}-{event_time.isoformat()}-{i}",
                type="ViewEvent",
                action="Viewed",
                event_time=event_time,
                received_at=received_at,
                raw={},
                status="processed",
            )
            for i in range(n)
        )

    def charted():
        page = page_of(school, login)
        return {d.day: d.accepted for d in page.context["report"].event_days}

    def counted():
        days = {}
        for event in CaliperEvent.objects.filter(partner_app=school.app):
            days[event.event_time.date()] = days.get(event.event_time.date(), 0) + 1
        return days

    def same():
        chart = charted()
        assert {d: n for d, n in chart.items() if n} == {
            d: n for d, n in counted().items() if d in chart
        }
        return chart

    store(40, NOW - timedelta(hours=3))  # settled before the first view
    assert same()[learnt.date()] >= 40
    store(5, NOW)  # arrives after: counted fresh
    before = same()[learnt.date()]
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        # The five settle into the cache; two more arrive, one on a day of its own.
        store(1, NOW + timedelta(hours=3))
        store(1, NOW + timedelta(hours=3), event_time=learnt - timedelta(days=2))
        after = same()
        assert after[learnt.date()] == before + 1
        assert after[(learnt - timedelta(days=2)).date()] >= 1
        assert same() == after  # a view from the cache alone
