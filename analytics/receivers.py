"""How analytics keeps its read models current without the apps below it importing it: it
answers their signals (connected in analytics.apps)."""

from django.conf import settings
from django.db import transaction

from gradebook import services as gradebook

from . import rollups, tasks

BATCH = 100


def on_learning_changed(sender, keys, immediate=False, after_commit=False, **kwargs) -> None:
    """gradebook.signals.learning_changed: XP, time, results or mastery of these (student,
    course, day) keys changed. The Caliper pipeline asks for `after_commit`: the keys are
    marked pending in its batch's transaction and recomputed once it committed
    (`on_learning_committed`), so two workers' batches never wait on each other's rollups.
    Other writers (the gradebook API, the logger) get them in their transaction or, with
    ROLLUPS_AFTER_COMMIT, from a worker after the commit."""
    if after_commit:
        rollups.mark_pending(keys)
        return
    if immediate or not settings.ROLLUPS_AFTER_COMMIT:
        rollups.recompute(keys)
        return
    keys = sorted(keys)
    rollups.mark_stale(keys)
    transaction.on_commit(lambda: tasks.enqueue_recompute(keys))


def on_learning_committed(sender, **kwargs) -> None:
    """gradebook.signals.learning_committed: a writer committed keys it marked pending
    (the pipeline's batch): recompute every pending rollup now, unless another worker is
    at it (analytics.rollups.recompute_pending)."""
    rollups.recompute_pending()


def on_sweep(sender, cutoff, **kwargs) -> dict:
    """events.signals.swept: re-queue the recompute of rollups marked stale before `cutoff`
    (fresh ones have a task on its way), and settle what batches left pending (a worker
    killed between its batch's commit and the settling); answers how many, for the sweep's
    counts."""
    keys = rollups.stale_keys(marked_before=cutoff, limit=settings.SWEEP_MAX_EVENTS)
    for start in range(0, len(keys), BATCH):
        tasks.enqueue_recompute(keys[start : start + BATCH])
    masteries = gradebook.settle_lesson_masteries()
    return {
        "stale_rollups": len(keys),
        "pending_masteries": masteries,
        "pending_rollups": rollups.recompute_pending(),
    }
