"""Jobs: an accepted envelope, as the official clients track it (docs/events.md#jobs).

`POST /caliper/event` answers `{"jobId": <envelope id>}`; `GET /jobs/{id}/status` answers
the job's state, derived from the rows of its events at the moment of asking:

- `failed`: nothing of the envelope was accepted and some of it was rejected, or an event
  stayed parked (a student, course or lesson it names never arrived) past the retry window
  (settings.PARKED_RETRY_WINDOW), so it will never be processed, or an event failed in
  processing and was set aside (docs/operations.md#failed-events);
- `active`: events still wait and a worker is processing some of them right now (the
  pipeline holds a shared advisory lock per envelope of its batch until its transaction
  ends; this reads pg_locks, taking no lock itself, so it never delays a worker);
- `waiting`: events are pending (their task is queued) or parked (waiting for the roster)
  and no worker holds them;
- `completed`: every accepted event is processed, or stored (a valid Caliper event that is
  kept and counted, not processed), including an envelope of duplicates only.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from core import locks
from rostering.models import PartnerApp

from .models import CaliperEvent, Envelope, EventStatus


def hold_while_processing(envelope_ids) -> None:
    """Called by the pipeline inside a batch's transaction: mark its envelopes as being
    processed until commit. Shared locks: two workers on one envelope don't wait on each
    other."""
    locks.xact_lock(locks.JOBS, envelope_ids, shared=True)


def _being_processed(envelope_id: uuid.UUID) -> bool:
    return locks.is_held(locks.JOBS, envelope_id)


@dataclass
class JobStatus:
    envelope: Envelope
    state: str
    results: list[dict]
    processed_on: object

    def body(self) -> dict:
        job = {"id": str(self.envelope.id), "state": self.state}
        if self.state in ("completed", "failed"):
            job["returnValue"] = {
                "status": "success" if self.state == "completed" else "error",
                "results": self.results,
                "accepted": self.envelope.accepted,
                "duplicates": self.envelope.duplicates,
                "rejected": self.envelope.rejected,
            }
        if self.processed_on is not None:
            job["processedOn"] = self.processed_on.isoformat().replace("+00:00", "Z")
        return {"job": job}


def status_of(app: PartnerApp, job_id: str) -> JobStatus | None:
    """The job `job_id` of `app`, or None (unknown, malformed or another app's)."""
    try:
        envelope_id = uuid.UUID(job_id)
    except ValueError:
        return None
    envelope = Envelope.objects.filter(id=envelope_id, partner_app=app).first()
    if envelope is None:
        return None
    active = _being_processed(envelope_id)  # before the counts: a batch that commits in
    # between then reads as completed, never as waiting with nobody on it
    events = CaliperEvent.objects.filter(envelope_id=envelope_id, partner_app=app)
    parked_since = timezone.now() - settings.PARKED_RETRY_WINDOW
    counts = events.aggregate(
        waiting=Count("pk", filter=Q(status=EventStatus.PENDING))
        + Count("pk", filter=Q(status=EventStatus.PARKED, received_at__gte=parked_since)),
        abandoned=Count("pk", filter=Q(status=EventStatus.PARKED, received_at__lt=parked_since))
        + Count("pk", filter=Q(status=EventStatus.FAILED)),
        processed_on=Max("processed_at"),
    )
    results = [
        {"allocatedId": str(pk), "externalId": event_id}
        for pk, event_id in events.order_by("pk").values_list("pk", "event_id")
    ]
    return JobStatus(
        envelope=envelope,
        state=_state(envelope, counts["waiting"], counts["abandoned"], active),
        results=results,
        processed_on=counts["processed_on"],
    )


def _state(envelope: Envelope, waiting: int, abandoned: int, active: bool) -> str:
    if abandoned or (envelope.accepted == 0 and envelope.rejected):
        return "failed"
    if waiting:
        return "active" if active else "waiting"
    return "completed"
