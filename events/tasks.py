"""Celery tasks: thin wrappers around the pipeline and the sweep, safe to run twice. The
task that processes events lives with the hand-off that queues it (events.queue)."""

from celery import shared_task

from . import sweep
from .queue import process_events

__all__ = ["process_events", "sweep_if_due", "sweep_pending"]


@shared_task
def sweep_pending() -> dict:
    """Periodic (beat): re-queue events left pending, retry parked ones, prune rejections,
    and let the apps above repair their own lost work (events.signals.swept)."""
    return sweep.run()


@shared_task
def sweep_if_due() -> dict | None:
    """What every worker asks for each SWEEP_EVERY_SECONDS (timeback/celery.py): the sweep,
    at most once a period across workers, so it runs without beat."""
    return sweep.run_if_due()
