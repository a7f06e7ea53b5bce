"""The queue hand-off: what goes onto the Celery queue and what a worker runs when it comes
off. Ingestion (events.services) and the sweep (events.sweep) hand stored events over here;
the task processes them (events.pipeline). Nothing here imports its callers, so ingestion,
the sweep, the pipeline and the tasks import one another in one direction only."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from . import pipeline
from .publish import publish

logger = logging.getLogger(__name__)


# Named as when it lived in events.tasks: messages already on a broker still find it.
@shared_task(
    name="events.tasks.process_events",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def process_events(self, event_ids: list[int]) -> int:
    """Process stored events by id (never payloads). A unique-key clash with a concurrent
    worker raises and retries; the retry finds the work done and writes nothing.

    A worker also takes other pending events, up to settings.PIPELINE_CLAIM_UP_TO in all (the
    oldest, none another worker holds): the queue's later tasks then find their events done.
    Run in process (no broker: the request or the sweep itself), it takes only its own."""
    claim = 0 if self.request.is_eager else settings.PIPELINE_CLAIM_UP_TO
    return pipeline.process(event_ids, claim=claim)


def enqueue(event_ids: list[int]) -> None:
    """Hand the stored events to a worker. Storage already happened, so a broker outage
    loses nothing: the sweep re-queues whatever stays pending."""
    try:
        # A producer kept per process (events.publish). argsrepr: what the worker logs of
        # the arguments; left to Celery, it is a `saferepr` of every id, half the cost of an
        # envelope's enqueue.
        publish(process_events, [event_ids], f"[{len(event_ids)} event ids]")
    except Exception as error:  # noqa: BLE001 - any broker failure: the sweep recovers
        logger.warning(
            "Could not enqueue %d events (%s); the sweep will pick them up.", len(event_ids), error
        )
