"""The queue hand-off: what goes onto the Celery queue and what a worker runs when it comes
off. Ingestion (events.services) and the sweep (events.sweep) hand stored events over here;
the task processes them (events.pipeline). Nothing here imports its callers, so ingestion,
the sweep, the pipeline and the tasks import one another in one direction only."""

import logging

from celery import shared_task
from django.db import DatabaseError

from . import pipeline
from .publish import publish

logger = logging.getLogger(__name__)


# Named as when it lived in events.tasks: messages already on a broker still find it.
@shared_task(
    name="events.tasks.process_events",
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


def enqueue(event_ids: list[int]) -> None:
    """Hand the stored events to a worker. Storage already happened, so a broker outage
    loses nothing: the sweep re-queues whatever stays pending."""
    try:
        # The plain case in one LPUSH (events.publish); anything else through Celery.
        # argsrepr: what the worker logs of the arguments; left to Celery, it is a
        # `saferepr` of every id, half the cost of an envelope's enqueue.
        argsrepr = f"[{len(event_ids)} event ids]"
        if not publish(process_events, [event_ids], argsrepr):
            process_events.apply_async(args=[event_ids], retry=False, argsrepr=argsrepr)
    except Exception as error:  # noqa: BLE001 - any broker failure: the sweep recovers
        logger.warning(
            "Could not enqueue %d events (%s); the sweep will pick them up.", len(event_ids), error
        )
