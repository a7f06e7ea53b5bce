"""Celery tasks: thin wrappers around the pipeline and the sweep, safe to run twice. The
task that processes events lives with the hand-off that queues it (events.queue)."""

from datetime import UTC, datetime

from celery import shared_task

from . import sweep
from .queue import process_events

__all__ = ["process_events", "sweep_if_due", "sweep_pending"]


def queued_at(request) -> datetime | None:
    """When this task's message was published: the `queued_at` header (epoch seconds) every
    message gets from timeback/celery.py; None when run in process or sent without it."""
    stamp = request.get("queued_at")
    return None if stamp is None else datetime.fromtimestamp(float(stamp), UTC)


@shared_task(bind=True)
def sweep_pending(self) -> dict:
    """Periodic (beat): re-queue events left pending, retry parked ones, prune rejections,
    and let the apps above repair their own lost work (events.signals.swept)."""
    return sweep.run(queued_at=queued_at(self.request))


@shared_task(bind=True)
def sweep_if_due(self) -> dict | None:
    """What every worker asks for each SWEEP_EVERY_SECONDS (timeback/celery.py): the sweep,
    at most once a period across workers, so it runs without beat."""
    return sweep.run_if_due(queued_at=queued_at(self.request))
