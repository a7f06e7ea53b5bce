"""Celery tasks: thin wrappers around the pipeline and the sweep, safe to run twice. The
task that processes events lives with the hand-off that queues it (events.queue)."""

from celery import shared_task

from . import sweep
from .queue import process_events

__all__ = ["process_events", "sweep_pending"]


@shared_task
def sweep_pending() -> dict:
    """Periodic (beat): re-queue events left pending, retry parked ones, prune rejections,
    and let the apps above repair their own lost work (events.signals.swept)."""
    return sweep.run()
