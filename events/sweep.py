"""The sweep: nothing accepted is ever lost (docs/operations.md#nothing-accepted-is-lost).

Events stay `pending` if the broker lost their task (outage, worker killed); `parked` while
the roster or catalogue lags. The sweep finds both through a partial index and hands them
to workers again (or, without a broker, processes them in process). It keeps the
rejected-event samples bounded, and signals (events.signals.swept) the apps above so they
repair their own lost work (analytics re-queues daily rollups left stale by the gradebook
API or the logger).
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from .models import CaliperEvent, EventStatus, RejectedEvent
from .queue import enqueue
from .signals import swept

BATCH = 100
DUE_KEY = "events:sweep:ran-this-period"


def run_if_due() -> dict | None:
    """The sweep, unless another worker already ran it this period (every worker asks for it
    each SWEEP_EVERY_SECONDS: timeback/celery.py). Answers the counts, or None when skipped."""
    try:
        due = cache.add(DUE_KEY, True, timeout=max(1, settings.SWEEP_EVERY_SECONDS - 1))
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: sweep rather than skip
        due = True
    return run() if due else None


def run(*, min_age: timedelta | None = None) -> dict:
    """Re-queue pending events older than `min_age` (fresh ones have a task on its way)
    and retry parked ones; answer counts."""
    min_age = settings.SWEEP_MIN_AGE if min_age is None else min_age
    cutoff = timezone.now() - min_age
    pending = CaliperEvent.objects.filter(status=EventStatus.PENDING, received_at__lte=cutoff)
    # Parked events are retried while their references may still plausibly arrive.
    parked = CaliperEvent.objects.filter(
        status=EventStatus.PARKED, received_at__gte=timezone.now() - settings.PARKED_RETRY_WINDOW
    )
    counts = {"pending": 0, "parked": 0}
    for name, queryset in (("pending", pending), ("parked", parked)):
        ids = list(
            queryset.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_MAX_EVENTS]
        )
        counts[name] = len(ids)
        for start in range(0, len(ids), BATCH):
            enqueue(ids[start : start + BATCH])
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
