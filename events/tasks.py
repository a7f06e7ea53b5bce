"""Celery tasks: thin wrappers around the pipeline, safe to run twice."""

from celery import shared_task
from django.db import DatabaseError

from . import pipeline, rollups, sweep


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def process_events(event_ids: list[int]) -> int:
    """Process stored events by id (never payloads). A unique-key clash with a concurrent
    worker raises and retries; the retry finds the work done and writes nothing."""
    return pipeline.process(event_ids)


@shared_task
def sweep_pending() -> dict:
    """Periodic (beat): re-queue events left pending, retry parked ones, prune rejections."""
    return sweep.run()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def recompute_rollups(keys: list) -> int:
    """Recompute the daily rollups of [student_id, course_id, "YYYY-MM-DD"] keys still marked
    stale (events.rollups.recompute_stale): idempotent, and a run that finds its keys already
    claimed does nothing."""
    return rollups.recompute_stale(keys)
