"""The sweep: nothing accepted is ever lost (docs/operations.md#nothing-accepted-is-lost).

Events stay `pending` if the broker lost their task (outage, worker killed); `parked` while
the roster or catalogue lags. The sweep finds both through a partial index and hands them
to workers again (or, without a broker, processes them in process). It keeps the
rejected-event samples bounded, and signals (events.signals.swept) the apps above so they
repair their own lost work (analytics re-queues daily rollups left stale by the gradebook
API or the logger).

It never re-queues an event whose task is still waiting in the queue. A sweep that comes
through the queue (every worker's periodic ask, beat) knows when it was queued, and the queue
is first in, first out: when it runs, every task queued before it has been handed to a
worker. So an event handed over (received, or re-queued: `queued_at`) before the sweep was
queued and still pending lost its task (or a worker holds its row right now, and a second
task skips locked rows); one handed over after is still waiting, however long the backlog.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from .models import CaliperEvent, EventStatus, RejectedEvent
from .queue import enqueue
from .signals import swept

BATCH = 100
DUE_KEY = "events:sweep:ran-this-period"


def run_if_due(*, queued_at: datetime | None = None) -> dict | None:
    """The sweep, unless another worker already ran it this period (every worker asks for it
    each SWEEP_EVERY_SECONDS: timeback/celery.py). Answers the counts, or None when skipped."""
    try:
        due = cache.add(DUE_KEY, True, timeout=max(1, settings.SWEEP_EVERY_SECONDS - 1))
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: sweep rather than skip
        due = True
    return run(queued_at=queued_at) if due else None


def run(*, min_age: timedelta | None = None, queued_at: datetime | None = None) -> dict:
    """Re-queue pending events handed over more than `min_age` before the sweep was queued
    (`queued_at`, when it came through the queue; else now: a person or a script) and retry
    parked ones; answer counts."""
    min_age = settings.SWEEP_MIN_AGE if min_age is None else min_age
    now = timezone.now()
    cutoff = now - min_age
    # Events handed over after this may still have their task waiting in the queue.
    handed_over_before = (now if queued_at is None else min(now, queued_at)) - min_age
    waited = Q(queued_at__lte=handed_over_before) | Q(
        queued_at__isnull=True, received_at__lte=handed_over_before
    )
    pending = CaliperEvent.objects.filter(waited, status=EventStatus.PENDING)
    # Parked events are retried while their references may still plausibly arrive, once per
    # sweep: not again while the retry handed over by a previous sweep waits in the queue.
    parked = CaliperEvent.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=handed_over_before),
        status=EventStatus.PARKED,
        received_at__gte=now - settings.PARKED_RETRY_WINDOW,
    )
    counts = {"pending": 0, "parked": 0}
    for name, queryset in (("pending", pending), ("parked", parked)):
        ids = list(
            queryset.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_MAX_EVENTS]
        )
        counts[name] = len(ids)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            # Marked before the hand-over: a later sweep queued before this task leaves them.
            CaliperEvent.objects.filter(pk__in=chunk).update(queued_at=now)
            enqueue(chunk)
    # The apps above repair their own (analytics: rollups marked stale whose task was lost).
    for _, answer in swept.send(sender=None, cutoff=cutoff):
        counts.update(answer or {})
    counts["rejections_pruned"] = prune_rejections()
    return counts


def prune_rejections() -> int:
    """Keep the newest REJECTED_EVENTS_KEPT_PER_APP rejections of each app."""
    keep = settings.REJECTED_EVENTS_KEPT_PER_APP
    pruned = 0
    over = RejectedEvent.objects.values("partner_app_id").annotate(n=Count("id")).filter(n__gt=keep)
    for row in over:
        newest = RejectedEvent.objects.filter(partner_app_id=row["partner_app_id"]).order_by(
            "-received_at", "-id"
        )
        boundary = newest.values_list("id", flat=True)[keep - 1 : keep].first() if keep else None
        stale = RejectedEvent.objects.filter(partner_app_id=row["partner_app_id"])
        if boundary is not None:
            stale = stale.filter(id__lt=boundary)
        pruned += stale.delete()[0]
    return pruned
