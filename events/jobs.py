"""Jobs: an accepted envelope, as the official clients track it (docs/events.md#jobs).

`POST /caliper/event` answers `{"jobId": <envelope id>}`; `GET /jobs/{id}/status` answers
the job's state, derived from the rows of its events at the moment of asking:

- `waiting`: events are pending (their task is queued) and no worker holds them;
- `active`: events are pending and a worker is processing some of them right now (the
  pipeline holds a shared advisory lock per envelope of its batch until its transaction
  ends; this reads pg_locks, taking no lock itself, so it never delays a worker);
- `completed`: each accepted event is processed, stored (a valid Caliper event that is kept
  and counted, not processed) or parked (a student, course or lesson it names is not known
  yet: the sweep processes it when the roster catches up, but a job never waits for a
  roster that may not come), including an envelope of duplicates only. The body counts
  each and says why each parked event is parked;
- `failed`: nothing of the envelope was accepted and some of it was rejected, or an event
  failed in processing and was set aside (docs/operations.md#failed-events).
"""

import uuid
from dataclasses import dataclass

from django.db.models import Count, Max

from core import locks
from rostering.models import PartnerApp

from .models import CaliperEvent, Envelope, EventStatus
from .selectors import unresolved_references

# Parked events a job's body names with their reasons (the counts cover them all).
PARKED_LISTED = 100


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
    counts: dict
    parked: list[dict]

    def body(self) -> dict:
        job = {"id": str(self.envelope.id), "state": self.state}
        if self.state in ("completed", "failed"):
            job["returnValue"] = {
                "status": "success" if self.state == "completed" else "error",
                "results": self.results,
                "accepted": self.envelope.accepted,
                "duplicates": self.envelope.duplicates,
                "rejected": self.envelope.rejected,
                **self.counts,
                "parkedEvents": self.parked,
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
    by_status = {
        status: n
        for status, n in events.values("status").annotate(n=Count("pk")).values_list("status", "n")
    }
    counts = {
        "processed": by_status.get(EventStatus.PROCESSED, 0),
        "stored": by_status.get(EventStatus.STORED, 0),
        "pending": by_status.get(EventStatus.PENDING, 0),
        "parked": by_status.get(EventStatus.PARKED, 0),
        "failed": by_status.get(EventStatus.FAILED, 0),
    }
    parked = []
    if counts["parked"]:
        listed = list(
            events.filter(status=EventStatus.PARKED)
            .only("event_id", "type", "status", "student_ref", "course_ref", "lesson_refs")
            .order_by("pk")[:PARKED_LISTED]
        )
        reasons = unresolved_references(listed)
        parked = [{"externalId": e.event_id, "reasons": reasons[e.pk]} for e in listed]
    results = [
        {"allocatedId": str(pk), "externalId": event_id}
        for pk, event_id in events.order_by("pk").values_list("pk", "event_id")
    ]
    return JobStatus(
        envelope=envelope,
        state=_state(envelope, counts, active),
        results=results,
        processed_on=events.aggregate(at=Max("processed_at"))["at"],
        counts=counts,
        parked=parked,
    )


def _state(envelope: Envelope, counts: dict, active: bool) -> str:
    if counts["failed"] or (envelope.accepted == 0 and envelope.rejected):
        return "failed"
    if counts["pending"]:
        return "active" if active else "waiting"
    return "completed"
