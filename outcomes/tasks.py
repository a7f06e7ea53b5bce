"""Celery tasks of the closed loop: thin wrappers, safe to run twice."""

import logging

from celery import shared_task
from django.db import DatabaseError

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def recompute_outcomes() -> int:
    """Derive the growth observations and outcomes again (outcomes.services)."""
    return services.recompute_outcomes()


def enqueue_recompute() -> None:
    """Hand the recompute to a worker (in the request without a broker). If the broker is
    down, mark every app stale instead: the sweep recomputes them."""
    try:
        recompute_outcomes.apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 - any broker failure: the sweep recovers
        logger.warning("Could not enqueue the outcomes' recompute (%s); the sweep will.", error)
        services.mark_all_stale()
