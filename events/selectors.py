"""Reads of the event store: for the app that sent the events (`GET /caliper/events`), and
the backlog operators watch (`manage.py pipeline_health`)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from rostering.models import PartnerApp

from . import caliper
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
