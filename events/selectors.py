"""Reads of the event store: for the app that sent the events (`GET /caliper/events`), and
the backlog operators watch (`manage.py pipeline_health`)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from rostering.models import ComponentKind, Course, CourseComponent, PartnerApp, User

from . import caliper
from .caliper import references
from .models import CaliperEvent, Envelope, EventStatus


@dataclass
class EventFilters:
    sensor: str | None = None
    start: datetime | None = None  # event time at or after
    end: datetime | None = None  # event time at or before
    actor_id: str | None = None
    actor_email: str | None = None


def events_of_app(app: PartnerApp, filters: EventFilters | None = None) -> QuerySet:
    """The app's own accepted events, oldest first (offset paging stays stable as new
    events arrive). Events other apps sent are never among them."""
    events = CaliperEvent.objects.filter(partner_app=app)
    f = filters or EventFilters()
    if f.sensor is not None:
        envelopes = Envelope.objects.filter(partner_app=app, sensor=f.sensor).values("id")
        events = events.filter(envelope_id__in=envelopes)
    if f.start is not None:
        events = events.filter(event_time__gte=f.start)
    if f.end is not None:
        events = events.filter(event_time__lte=f.end)
    if f.actor_id is not None:
        # The actor as sent (an object with an id, or its id), or the student it names.
        events = events.filter(
            Q(raw__actor__id=f.actor_id)
            | Q(raw__actor=f.actor_id)
            | Q(student_ref=caliper.last_segment(f.actor_id))
        )
    if f.actor_email is not None:
        events = events.filter(
            Q(student__email__iexact=f.actor_email) | Q(raw__actor__email=f.actor_email)
        )
    return events.order_by("pk")


def event_of_app(app: PartnerApp, event_id: str) -> CaliperEvent | None:
    return CaliperEvent.objects.filter(partner_app=app, event_id=event_id).first()


def envelopes_by_id(events: list[CaliperEvent]) -> dict:
    """{envelope id: Envelope} of the events' envelopes, in one query."""
    return Envelope.objects.in_bulk({e.envelope_id for e in events})


def pipeline_backlog() -> dict:
    """Whether the pipeline keeps up (`manage.py pipeline_health`): how many events wait, how
    long the oldest pending one has waited, and the parked and failed counts. One query,
    through the partial index of unprocessed rows (event_unprocessed)."""
    rows = (
        CaliperEvent.objects.filter(
            status__in=[EventStatus.PENDING, EventStatus.PARKED, EventStatus.FAILED]
        )
        .values("status")
        .annotate(n=Count("pk"), oldest=Min("received_at"))
    )
    by_status = {row["status"]: row for row in rows}
    pending = by_status.get(EventStatus.PENDING)
    oldest = pending["oldest"] if pending else None
    return {
        "pending": pending["n"] if pending else 0,
        "oldest_pending_seconds": (
            None if oldest is None else round((timezone.now() - oldest).total_seconds(), 1)
        ),
        "parked": by_status[EventStatus.PARKED]["n"] if EventStatus.PARKED in by_status else 0,
        "failed": by_status[EventStatus.FAILED]["n"] if EventStatus.FAILED in by_status else 0,
    }


def unresolved_references(events: list[CaliperEvent]) -> dict[int, list[str]]:
    """{event pk: why it is parked} for parked events: the references still unknown now,
    each with what would resolve it ("student 'y' not rostered", "lesson 'x' not
    published"), by the rule ingestion parks by (events.caliper.references.unresolved).
    Three queries whatever the number of events (read for a bounded list)."""
    parked = [e for e in events if e.status == EventStatus.PARKED]
    if not parked:
        return {}
    students = set(
        User.objects.filter(sourced_id__in={e.student_ref for e in parked}).values_list(
            "sourced_id", flat=True
        )
    )
    courses = set(
        Course.objects.filter(
            sourced_id__in={e.course_ref for e in parked if e.course_ref}
        ).values_list("sourced_id", flat=True)
    )
    lessons = set(
        CourseComponent.objects.filter(
            sourced_id__in={r for e in parked for r in e.lesson_refs}, kind=ComponentKind.LESSON
        ).values_list("sourced_id", flat=True)
    )
    return {
        e.pk: references.unresolved(
            e.type,
            student_ref=e.student_ref,
            student_known=e.student_ref in students,
            course_ref=e.course_ref,
            course_known=e.course_ref in courses,
            lesson_refs=e.lesson_refs,
            lesson_known=any(r in lessons for r in e.lesson_refs),
        )
        # A parked event whose references all arrived waits for the sweep (one minute).
        or ["every reference is known now: processed at the next sweep"]
        for e in parked
    }


PARKED_SHOWN = 20


def parked_events(app: PartnerApp, limit: int = PARKED_SHOWN) -> list[tuple[CaliperEvent, list]]:
    """The app's newest parked events with why each is parked (the developer page), through
    the partial index of unprocessed rows."""
    events = list(
        CaliperEvent.objects.filter(partner_app=app, status=EventStatus.PARKED)
        .only(
            "event_id",
            "type",
            "status",
            "event_time",
            "received_at",
            "student_ref",
            "course_ref",
            "lesson_refs",
        )
        .order_by("-received_at", "-pk")[:limit]
    )
    reasons = unresolved_references(events)
    return [(e, reasons.get(e.pk, [])) for e in events]
