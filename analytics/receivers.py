"""How analytics keeps its read models current without the apps below it importing it: it
answers their signals (connected in analytics.apps)."""

from django.conf import settings
from django.db import transaction

from . import rollups, tasks

BATCH = 100


def on_learning_changed(sender, keys, immediate=False, **kwargs) -> None:
    """gradebook.signals.learning_changed: XP, time, results or mastery of these (student,
    course, day) keys changed. The Caliper pipeline asks for `immediate` recomputation (in
    its batch's transaction: a batch never commits without its rollups); other writers (the
    gradebook API, the logger) get it in their transaction too or, with
    ROLLUPS_AFTER_COMMIT, from a worker after the commit."""
    if immediate or not settings.ROLLUPS_AFTER_COMMIT:
        rollups.recompute(keys)
        return
    keys = sorted(keys)
    rollups.mark_stale(keys)
    transaction.on_commit(lambda: tasks.enqueue_recompute(keys))


def on_sweep(sender, cutoff, **kwargs) -> dict:
    """events.signals.swept: re-queue the recompute of rollups marked stale before `cutoff`
    (fresh ones have a task on its way); answers how many, for the sweep's counts."""
    keys = rollups.stale_keys(marked_before=cutoff, limit=settings.SWEEP_MAX_EVENTS)
    for start in range(0, len(keys), BATCH):
        tasks.enqueue_recompute(keys[start : start + BATCH])
    return {"stale_rollups": len(keys)}
