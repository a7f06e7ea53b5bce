"""Celery tasks of the read models: thin wrappers, safe to run twice."""

import logging

from celery import shared_task
from django.db import DatabaseError

from . import counts, rollups

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def recompute_rollups(keys: list) -> int:
    """Recompute the daily rollups of [student_id, course_id, "YYYY-MM-DD"] keys still marked
    stale (analytics.rollups.recompute_stale): idempotent, and a run that finds its keys
    already claimed does nothing."""
    return rollups.recompute_stale(keys)


def enqueue_recompute(keys) -> None:
    """Hand the stale keys to a worker. Their markers are committed, so a broker outage
    loses nothing: the sweep re-queues markers that stay."""
    try:
        recompute_rollups.apply_async(
            args=[[[s, c, d.isoformat()] for s, c, d in keys]], retry=False
        )
    except Exception as error:  # noqa: BLE001 - any broker failure: the sweep recovers
        logger.warning("Could not enqueue %d rollups (%s); the sweep will.", len(keys), error)


@shared_task
def fold_counts() -> int:
    """Merge each key's count deltas into one row (analytics.counts: events per app and
    day, masteries per lesson): exact under concurrent writers and folds, so safe to run
    twice or beside a page view."""
    return counts.fold_all()
